/**
 * `ack-secret-injector init`: the init container. Fetch everything once, apply the rules, write
 * every ExternalSecret folder, exit 0. On failure, retry the whole refresh with backoff within a
 * bounded budget (the pod's app containers wait on this container), then exit non-zero with one
 * line per failed entry naming the ExternalSecret, the key and the error code, never a value.
 */
import { join } from 'node:path';
import { ErrorCode, InjectorError } from '../common/errors.ts';
import type { FetchOne } from './cloud/fetch-cycle.ts';
import { cleanLeftovers } from './files/atomic-writer.ts';
import { buildInjectorRuntime, type InjectorRuntime } from './injector-runtime.ts';
import { folderWriter } from './files/folder-writer.ts';
import { refreshOnce, type EntryFailure, type FileSet } from './refresh.ts';
import { readTemplateSources } from './files/template-sources.ts';
import { backoffDelay, sleep, toInjectorError, withRetry, type RetryPolicy } from './cloud/retry.ts';
import { CachedCredentialSource } from './cloud/credentials.ts';
import { fingerprintFiles, HANDOFF_VERSION, writeHandoff, type Handoff } from './handoff.ts';

/** `node:util` without its ESM facade, whose export read loads worker_threads, streams and util's diff code (injector/plain-http.ts says why). */
const { parseArgs } = process.getBuiltinModule('node:util');

/**
 * Default budget: 600 s (issue 15). Throttling is not failure: in a 1,000-pod rollout against an
 * STS quota of about 500 exchanges a minute, the last pods get their credentials about two minutes
 * in, and a 60 s budget turned that wait into init failures, restarts and more load. Ten minutes
 * covers rollouts of several thousand pods; errors that waiting cannot fix (denied, not found,
 * bad config) still fail at once. The kubelet restarts a failed init container with its own backoff.
 */
export const DEFAULT_BUDGET_SECONDS = 600;
/** Between whole rounds (a write failed): 1 s, 2 s, 4 s ... capped at 10 s, ±20 % (injector/cloud/retry.ts shape). */
const ROUND_POLICY: Readonly<RetryPolicy> = { attempts: Number.MAX_SAFE_INTEGER, baseMs: 500, maxMs: 10_000, jitter: 0.2 };
/**
 * Per call, within the budget: 1 s, 2 s, 4 s, then every 8 s, each ±50 %. Unbounded attempts (the
 * deadline bounds them); the wide jitter keeps pods throttled together from retrying together,
 * and the 8 s cap keeps a throttled pod close behind the quota's refill, so the rollout ends near
 * the quota's own limit (docs/benchmarks.md "Fleet"). A service retry-after hint, when the SDK
 * surfaces one, is honoured when longer (retry.ts `retryDelay`).
 */
export const INIT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({ attempts: Number.MAX_SAFE_INTEGER, baseMs: 500, maxMs: 8000, jitter: 0.5 });

const USAGE = `Usage: ack-secret-injector init [--budget-seconds N]

Fetches every secret of the injector config (env SECRET_INJECTOR_CONFIG) once, writes the files,
and exits 0. Retries failures within the budget, then exits 1 listing each failed entry.

  --budget-seconds N   total time for retries (1-3600; default config.initBudgetSeconds, else ${DEFAULT_BUDGET_SECONDS})
`;

/** One stderr line per failed entry: names and codes, never a value. */
export function formatFailure(f: EntryFailure): string {
  return `init: failed: ExternalSecret ${JSON.stringify(f.externalSecret)} key ${JSON.stringify(f.key)}: ${f.code}: ${f.message}`;
}

function parseFlags(argv: string[]): { budgetSeconds: number | undefined } | 'help' {
  let values: { [k: string]: string | boolean | undefined };
  try {
    ({ values } = parseArgs({ args: argv, options: { 'budget-seconds': { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new InjectorError(ErrorCode.CONFIG, `${(err as Error).message}\n${USAGE}`);
  }
  if (values.help === true) return 'help';
  const raw = values['budget-seconds'];
  if (typeof raw !== 'string') return { budgetSeconds: undefined };
  const budgetSeconds = Number(raw);
  if (!Number.isInteger(budgetSeconds) || budgetSeconds < 1 || budgetSeconds > 3600) {
    throw new InjectorError(ErrorCode.CONFIG, `--budget-seconds: expected an integer from 1 to 3600, got ${JSON.stringify(raw)}`);
  }
  return { budgetSeconds };
}

/**
 * Runs init with a built runtime (split from `run` for tests). `budgetSeconds` undefined → the
 * config's initBudgetSeconds, else DEFAULT_BUDGET_SECONDS.
 * 1. Clean leftovers of an interrupted earlier run in every folder.
 * 2. Obtain each STS profile's credentials once (warmCredentials), then refresh the folders not
 *    yet written; every call retries transient failures (throttling,
 *    5xx, network) with INIT_RETRY_POLICY until the budget's deadline. Done when every folder
 *    is complete and nothing failed.
 * 3. Stop early when no failure is retryable (a denial will not heal by waiting).
 * 4. Otherwise wait the backoff (within the budget) and go to 2 for the folders still missing.
 * 5. On success, write the handoff for the agent (injector/handoff.ts) when configured.
 * 6. Print one line per remaining failure; exit 1.
 */
export async function runInit(rt: InjectorRuntime, budgetSeconds: number | undefined, signal: AbortSignal, now: () => number = Date.now): Promise<number> {
  const { config, logger } = rt;
  const budget = budgetSeconds ?? config.initBudgetSeconds ?? DEFAULT_BUDGET_SECONDS;
  const deadline = now() + budget * 1000;
  // 1.
  for (const es of config.externalSecrets) await cleanLeftovers(join(config.mountPath, es.name));
  const lastGood = new Map<string, FileSet>();
  const fetchedAt = new Map<string, number>();
  const write = folderWriter(config);
  let failures: EntryFailure[] = [];
  let pending = config.externalSecrets;
  const denied = await warmCredentials(rt, deadline, signal);
  // A profile whose exchange failed for good fails its fetches with that error, without asking STS again.
  const fetchOne: FetchOne = denied.size === 0 ? rt.fetchOne : (request) => {
    const err = denied.get(request.profile);
    return err === undefined ? rt.fetchOne(request) : Promise.reject(err);
  };
  for (let round = 1; ; round++) {
    // 2.
    const outcome = await refreshOnce({ externalSecrets: pending, mountPath: config.mountPath, fetchOne, limiter: rt.fillLimiter, retryPolicy: INIT_RETRY_POLICY, deadline, write, logger, metrics: rt.metrics, signal, ruleOptions: { jmesPathRawFallback: config.jmesPathRawFallback === true }, templateSources: (es) => readTemplateSources(config.templatesPath, es) }, lastGood);
    failures = outcome.failures;
    const t = now();
    for (const es of pending) if (lastGood.has(es.name) && !fetchedAt.has(es.name)) fetchedAt.set(es.name, t);
    if (outcome.complete && outcome.clean) {
      logger.info({ externalSecrets: config.externalSecrets.length, rounds: round, written: outcome.changed }, 'init complete: every folder written');
      // 5.
      if (config.handoffPath !== undefined) await handOff(rt, config.handoffPath, lastGood, fetchedAt, now);
      return 0;
    }
    if (outcome.aborted || signal.aborted) { logger.warn('init interrupted'); break; }
    // 3.
    if (!failures.some((f) => f.retryable)) { logger.error({ failures: failures.length }, 'init failed with errors that retrying cannot fix'); break; }
    // 4.
    const wait = Math.min(backoffDelay(round, ROUND_POLICY), deadline - now());
    if (wait <= 0) { logger.error({ failures: failures.length, budgetSeconds: budget }, 'init budget used up'); break; }
    const failed = new Set(failures.map((f) => f.externalSecret));
    pending = config.externalSecrets.filter((es) => !lastGood.has(es.name) || failed.has(es.name));
    logger.info({ round, waitMs: wait, failures: failures.length, pending: pending.length }, 'init incomplete; retrying');
    await sleep(wait, signal);
  }
  // 6.
  for (const f of failures) process.stderr.write(`${formatFailure(f)}\n`);
  return 1;
}

/**
 * Before step 2: obtain each STS-backed profile's credentials once, retrying throttling within the
 * budget. Without it, the fetches of a pod (5 in parallel) each meet the throttled exchange and
 * each retry it on its own backoff: up to 5 STS attempts per pod and wait, against the very quota
 * that is short. A failure here is not final: the fetches then meet it again and report it per
 * entry. A permanent one (denied, expired token) is returned by profile: the fetches of that
 * profile then fail with it at once, and STS is not asked twice.
 */
async function warmCredentials(rt: InjectorRuntime, deadline: number, signal: AbortSignal): Promise<Map<string, InjectorError>> {
  const denied = new Map<string, InjectorError>();
  for (const [id, source] of rt.credentials) {
    if (!(source instanceof CachedCredentialSource)) continue;
    await withRetry(() => source.get(), (err) => toInjectorError(err, ErrorCode.CREDENTIALS, { service: 'sts', action: 'credentials', subject: id }), {
      policy: INIT_RETRY_POLICY, deadline, signal,
      onRetry: (err, attempt, delayMs) => rt.logger.info({ profile: id, cloudCode: err.detail.cloudCode, attempt, delayMs }, 'credentials not obtained yet; retrying'),
    }).catch((err: unknown) => {
      if (err instanceof InjectorError && !err.retryable) denied.set(id, err);
    });
  }
  return denied;
}

/**
 * Step 5: the credentials each STS-backed profile holds and each folder's fetch time and
 * fingerprint, for the agent. A failure to write is logged and otherwise harmless: the agent
 * then starts without a handoff.
 */
async function handOff(rt: InjectorRuntime, path: string, files: ReadonlyMap<string, FileSet>, fetchedAt: ReadonlyMap<string, number>, now: () => number): Promise<void> {
  const handoff: Handoff = { version: HANDOFF_VERSION, writtenAt: now(), credentials: {}, folders: {} };
  for (const [id, source] of rt.credentials) {
    const held = source instanceof CachedCredentialSource ? source.held() : undefined;
    if (held?.credentials.expiresAt !== undefined && held.credentials.securityToken !== undefined) handoff.credentials[id] = held;
  }
  for (const [name, set] of files) handoff.folders[name] = { fetchedAt: fetchedAt.get(name) ?? now(), fingerprint: fingerprintFiles(set) };
  try {
    await writeHandoff(path, handoff);
    rt.logger.info({ profiles: Object.keys(handoff.credentials).length, folders: Object.keys(handoff.folders).length }, 'handoff for the agent written');
  } catch (err) {
    rt.logger.warn({ code: (err as NodeJS.ErrnoException).code ?? 'error' }, 'could not write the handoff for the agent; it will start without one');
  }
}

/** CLI entry: `ack-secret-injector init [flags]`. */
export async function run(argv: string[]): Promise<number> {
  const flags = parseFlags(argv);
  if (flags === 'help') { process.stdout.write(USAGE); return 0; }
  const rt = buildInjectorRuntime('init', process.env);
  const ac = new AbortController();
  const stop = (): void => ac.abort();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    return await runInit(rt, flags.budgetSeconds, ac.signal);
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  }
}
