/**
 * `ack-secret-injector init`: the init container. Fetch everything once, apply the rules, write
 * every ExternalSecret folder, exit 0. On failure, retry the whole refresh with backoff within a
 * bounded budget (the pod's app containers wait on this container), then exit non-zero with one
 * line per failed entry naming the ExternalSecret, the key and the error code, never a value.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ErrorCode, InjectorError } from '../common/errors.ts';
import { cleanLeftovers } from './files/atomic-writer.ts';
import { buildInjectorRuntime, type InjectorRuntime } from './injector-runtime.ts';
import { folderWriter } from './files/folder-writer.ts';
import { refreshOnce, type EntryFailure, type FileSet } from './refresh.ts';
import { readTemplateSources } from './files/template-sources.ts';
import { backoffDelay, sleep, type RetryPolicy } from './cloud/retry.ts';

/**
 * Default budget: 60 s. Long enough for the per-call retries (about 2 s + 4 s) plus several whole
 * refreshes through a short throttling burst; short enough that a pod whose role cannot read its
 * secrets fails visibly (the kubelet then restarts the init container with its own backoff).
 */
export const DEFAULT_BUDGET_SECONDS = 60;
/** Between whole refreshes: 1 s, 2 s, 4 s ... capped at 10 s, ±20 % (injector/cloud/retry.ts shape). */
const ROUND_POLICY: Readonly<RetryPolicy> = { attempts: Number.MAX_SAFE_INTEGER, baseMs: 500, maxMs: 10_000, jitter: 0.2 };

const USAGE = `Usage: ack-secret-injector init [--budget-seconds N]

Fetches every secret of the injector config (env SECRET_INJECTOR_CONFIG) once, writes the files,
and exits 0. Retries failures within the budget, then exits 1 listing each failed entry.

  --budget-seconds N   total time for retries (1-3600, default ${DEFAULT_BUDGET_SECONDS})
`;

/** One stderr line per failed entry: names and codes, never a value. */
export function formatFailure(f: EntryFailure): string {
  return `init: failed: ExternalSecret ${JSON.stringify(f.externalSecret)} key ${JSON.stringify(f.key)}: ${f.code}: ${f.message}`;
}

function parseFlags(argv: string[]): { budgetSeconds: number } | 'help' {
  let values: { [k: string]: string | boolean | undefined };
  try {
    ({ values } = parseArgs({ args: argv, options: { 'budget-seconds': { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new InjectorError(ErrorCode.CONFIG, `${(err as Error).message}\n${USAGE}`);
  }
  if (values.help === true) return 'help';
  const raw = values['budget-seconds'];
  const budgetSeconds = typeof raw === 'string' ? Number(raw) : DEFAULT_BUDGET_SECONDS;
  if (!Number.isInteger(budgetSeconds) || budgetSeconds < 1 || budgetSeconds > 3600) {
    throw new InjectorError(ErrorCode.CONFIG, `--budget-seconds: expected an integer from 1 to 3600, got ${JSON.stringify(raw)}`);
  }
  return { budgetSeconds };
}

/**
 * Runs init with a built runtime (split from `run` for tests).
 * 1. Clean leftovers of an interrupted earlier run in every folder.
 * 2. Refresh; done when every folder is complete and nothing failed.
 * 3. Stop early when no failure is retryable (a denial will not heal by waiting).
 * 4. Otherwise wait the backoff (within the budget) and go to 2.
 * 5. Print one line per remaining failure; exit 1.
 */
export async function runInit(rt: InjectorRuntime, budgetSeconds: number, signal: AbortSignal, now: () => number = Date.now): Promise<number> {
  const { config, logger } = rt;
  const deadline = now() + budgetSeconds * 1000;
  // 1.
  for (const es of config.externalSecrets) await cleanLeftovers(join(config.mountPath, es.name));
  const lastGood = new Map<string, FileSet>();
  const write = folderWriter(config);
  let failures: EntryFailure[] = [];
  for (let round = 1; ; round++) {
    // 2.
    const outcome = await refreshOnce({ externalSecrets: config.externalSecrets, mountPath: config.mountPath, fetchOne: rt.fetchOne, limiter: rt.limiter, write, logger, metrics: rt.metrics, signal, ruleOptions: { jmesPathRawFallback: config.jmesPathRawFallback === true }, templateSources: (es) => readTemplateSources(config.templatesPath, es) }, lastGood);
    failures = outcome.failures;
    if (outcome.complete && outcome.clean) {
      logger.info({ externalSecrets: config.externalSecrets.length, rounds: round, written: outcome.changed }, 'init complete: every folder written');
      return 0;
    }
    if (outcome.aborted || signal.aborted) { logger.warn('init interrupted'); break; }
    // 3.
    if (!failures.some((f) => f.retryable)) { logger.error({ failures: failures.length }, 'init failed with errors that retrying cannot fix'); break; }
    // 4.
    const wait = Math.min(backoffDelay(round, ROUND_POLICY), deadline - now());
    if (wait <= 0) { logger.error({ failures: failures.length, budgetSeconds }, 'init budget used up'); break; }
    logger.info({ round, waitMs: wait, failures: failures.length }, 'init incomplete; retrying');
    await sleep(wait, signal);
  }
  // 5.
  for (const f of failures) process.stderr.write(`${formatFailure(f)}\n`);
  return 1;
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
