/**
 * One refresh: fetch everything the ExternalSecrets need, apply their rules, and write each
 * ExternalSecret's folder, keeping the last good files of anything that failed. Shared by `init`
 * (until every folder is complete or the budget ends) and `agent` (every interval).
 *
 * Partial failure follows ack-secret-manager 0.6.5+ (semantics reference §4.4): an ExternalSecret
 * whose entries all succeeded is written as produced (keys removed upstream disappear); one with
 * failed entries is written as the rule engine's `keepLastGood` merge: the keys produced now,
 * plus the last good values of the keys the FAILED entries would produce (every previous key not
 * produced now, for a failed dataProcess entry), so a key a successful entry no longer produces
 * disappears even in a partial refresh. With no last good files nothing is written for it (a half
 * set is never a first version); when it produced nothing new, nothing is written. A dropped
 * invalid key (a key-scoped failure) is reported but is not a partial failure: it can never
 * succeed, so the entry's other keys are written as if clean.
 *
 * Two guards from upstream's 0.6.5 failure table (issue 17):
 * - zero-output: a clean refresh that yields no keys at all for an ExternalSecret that has last
 *   good files (a secret emptied to `{}`) keeps those files and reports it, instead of deleting
 *   every file;
 * - cleanup opt-in (`config.cleanupAfterFailures`, upstream `--cleanup-secret-on-failure`): after N
 *   consecutive refreshes in which every entry failed because its source is gone for good (KMS
 *   `Forbidden.*` / OOS `EntityNotExists.*` 403/404 answers: deleted, or access revoked), the
 *   folder is emptied. Without the opt-in the last good files stay forever.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ErrorCode, InjectorError } from '../common/errors.ts';
import type { PlannedExternalSecret } from '../contract/injector-config-schema.ts';
import { collectFetches, runFetchCycle, type FetchOne } from './cloud/fetch-cycle.ts';
import { fetchId, type FetchResults } from './rules/fetch-types.ts';
import { recordFetch, type InjectorMetrics } from './injector-metrics.ts';
import type { RateLimiter } from './cloud/rate-limit.ts';
import type { RetryPolicy } from './cloud/retry.ts';
import { applyRules, keepLastGood, listFetches, type RuleFailure, type RuleOptions, type TemplateSources } from './rules/index.ts';
import { TemplateCache } from './rules/template-cache.ts';
import { loadTemplateEngine } from './rules/template-engine.ts';

/** The process's parse cache: the agent calls refreshOnce again and again in one process. */
const PROCESS_TEMPLATE_CACHE = new TemplateCache();

/** A folder's file set: Secret key → bytes. */
export type FileSet = ReadonlyMap<string, Uint8Array>;

/** Writes one folder atomically; resolves true when its content changed (injector/files/atomic-writer.ts). */
export type FolderWriter = (dir: string, files: FileSet) => Promise<boolean>;

/** A failed entry as reported to the user: names and codes, never a value. */
export interface EntryFailure extends RuleFailure {
  /** Whether another attempt can help (throttling, 5xx, network); false for denials and rule errors. */
  retryable: boolean;
}

/** What one refresh did. */
export interface RefreshOutcome {
  /** Folders whose content changed on disk. */
  changed: string[];
  /** Folders that failed and kept their last good files (or have none yet). */
  kept: string[];
  failures: EntryFailure[];
  /** True when every ExternalSecret now has a good folder (its last write was complete or merged over a complete one). */
  complete: boolean;
  /** True when no entry failed in this refresh. */
  clean: boolean;
  /** True when the signal aborted the cycle before writing; nothing was written. */
  aborted: boolean;
  /** Folders kept by the zero-output guard (a clean refresh produced no keys). */
  zeroOutput: string[];
  /** Folders emptied by the cleanup opt-in (their sources are gone for good). */
  removed: string[];
}

/** Cloud codes that mean "this source is gone for good" (deleted, or access to it revoked). */
const GONE_CODE_RE = /^(Forbidden\.|EntityNotExists\.|NoPermission)/;

/** The cleanup opt-in's state: consecutive all-gone refreshes per folder (kept across refreshes). */
export interface CleanupState {
  after: number;
  counts: Map<string, number>;
}

/** What a refresh needs. */
export interface RefreshDeps {
  externalSecrets: readonly PlannedExternalSecret[];
  mountPath: string;
  fetchOne: FetchOne;
  limiter: RateLimiter;
  write: FolderWriter;
  logger: Logger;
  metrics: InjectorMetrics;
  retryPolicy?: Readonly<RetryPolicy>;
  /** Epoch ms after which no fetch retry starts (init's budget); absent → the policy's attempts bound it. */
  deadline?: number;
  signal?: AbortSignal;
  /** Rule engine options from the config (jmesPathRawFallback). */
  ruleOptions?: RuleOptions;
  /** The cleanup opt-in (config.cleanupAfterFailures); absent → the last good files always stay. */
  cleanup?: CleanupState | undefined;
  /** The ConfigMap/Secret templates an ExternalSecret's templateFrom names (injector/files/template-sources.ts). */
  templateSources?: (es: PlannedExternalSecret) => Promise<TemplateSources>;
  /** Parsed templates across refreshes; the process's own cache when absent. */
  templateCache?: TemplateCache;
}

/**
 * Runs one refresh. `lastGood` (folder name → files) is read and updated in place: it is the
 * state the next refresh merges over.
 * 1. Collect the distinct fetches of all ExternalSecrets and run them (parallel, limited, retried).
 * 2. Stop without writing if the signal aborted meanwhile (SIGTERM: nothing half-new is written).
 * 3. Per ExternalSecret: apply the rules; choose the file set (clean; merged by keepLastGood when
 *    an entry failed and there are last good files; or none); write it.
 *    A write is never interrupted: SIGTERM waits for it.
 */
export async function refreshOnce(deps: RefreshDeps, lastGood: Map<string, FileSet>): Promise<RefreshOutcome> {
  // 1.
  const requests = collectFetches(deps.externalSecrets, listFetches);
  const results = await runFetchCycle(requests, {
    fetchOne: deps.fetchOne,
    limiter: deps.limiter,
    ...(deps.retryPolicy === undefined ? {} : { retryPolicy: deps.retryPolicy }),
    ...(deps.deadline === undefined ? {} : { deadline: deps.deadline }),
    ...(deps.signal === undefined ? {} : { signal: deps.signal }),
    onResult: (request, outcome, elapsedMs) => recordFetch(deps.metrics, request, outcome, elapsedMs),
    onRetry: (request, err, attempt, delayMs) => {
      deps.metrics.retries.inc({ provider: request.provider, reason: String(err.detail.cloudCode ?? err.code) });
      deps.logger.info({ provider: request.provider, key: request.key, code: err.code, cloudCode: err.detail.cloudCode, attempt, delayMs }, 'fetch failed, retrying after backoff');
    },
  });
  const outcome: RefreshOutcome = { changed: [], kept: [], failures: [], complete: true, clean: true, aborted: false, zeroOutput: [], removed: [] };
  // 2.
  if (deps.signal?.aborted === true) return { ...outcome, complete: false, clean: false, aborted: true };
  // 3.
  const templateCache = deps.templateCache ?? PROCESS_TEMPLATE_CACHE;
  for (const es of deps.externalSecrets) await settleFolder(deps, es, results, outcome, lastGood, templateCache);
  // Templates this refresh did not use (an edited ConfigMap's old text) leave the cache.
  templateCache.endRefresh();
  return outcome;
}

/**
 * Step 3 for one ExternalSecret: apply the rules, report failures, then exactly one of: the
 * cleanup opt-in empties the folder; the zero-output guard keeps it; the clean, partial-merged
 * or key-dropped set is written; or nothing is written (kept).
 */
async function settleFolder(deps: RefreshDeps, es: PlannedExternalSecret, results: FetchResults, outcome: RefreshOutcome, lastGood: Map<string, FileSet>, templateCache: TemplateCache): Promise<void> {
  const templates = es.template === undefined || deps.templateSources === undefined ? new Map() : await deps.templateSources(es);
  if (es.template !== undefined) await loadTemplateEngine();
  const applied = applyRules(es, results, templates, { ...deps.ruleOptions, templateCache });
  const { files, failures } = applied;
  const previous = lastGood.get(es.name);
  let allGone = failures.length > 0 && files.size === 0;
  for (const f of failures) {
    // Retryable when a fetch of that key failed transiently (matched by key and code, never by message text).
    const errors = f.code === ErrorCode.RULE ? [] : listFetches(es).filter((r) => r.key === f.key).map((r) => results.get(fetchId(r))).filter((e): e is InjectorError => e instanceof InjectorError);
    const retryable = errors.some((e) => e.retryable);
    if (errors.length === 0 || !errors.every((e) => !e.retryable && GONE_CODE_RE.test(String(e.detail.cloudCode ?? '')))) allGone = false;
    outcome.failures.push({ ...f, retryable });
    deps.logger.warn({ externalSecret: es.name, key: f.key, code: f.code, retryable, err: f.message }, 'entry failed; keeping its last good files');
  }
  if (failures.some((f) => f.code === ErrorCode.TEMPLATE && f.scope === 'entry')) deps.metrics.templateFailures.inc({ external_secret: es.name });
  // Cleanup opt-in: count consecutive all-gone refreshes; at the threshold, empty the folder.
  if (deps.cleanup !== undefined) {
    const n = allGone ? (deps.cleanup.counts.get(es.name) ?? 0) + 1 : 0;
    deps.cleanup.counts.set(es.name, n);
    if (allGone && n >= deps.cleanup.after && previous !== undefined && previous.size > 0) {
      deps.logger.warn({ externalSecret: es.name, failedRefreshes: n }, 'every source of this ExternalSecret is gone (not found or access denied); removing its files (cleanupAfterFailures)');
      await writeFolder(deps, es.name, new Map(), outcome, lastGood, previous);
      outcome.removed.push(es.name);
      outcome.clean = false;
      return;
    }
  }
  // Zero-output guard: a clean refresh with no keys never replaces last good files.
  if (failures.length === 0 && files.size === 0 && previous !== undefined && previous.size > 0) {
    deps.logger.warn({ externalSecret: es.name }, 'refresh produced no keys at all (e.g. the secret is now {}); keeping the last good files (zero-output guard)');
    outcome.kept.push(es.name);
    outcome.zeroOutput.push(es.name);
    deps.metrics.writes.inc({ external_secret: es.name, result: 'kept' });
    return;
  }
  // Entry-scoped failures make the set partial; key-scoped ones (an invalid key) only drop that key.
  const partial = failures.some((f) => f.scope !== 'key');
  let next: FileSet | undefined;
  if (failures.length === 0) next = files;
  else if (!partial && files.size > 0) next = files;
  else if (partial && previous !== undefined && files.size > 0) next = keepLastGood(es, previous, applied);
  if (failures.length > 0) outcome.clean = false;
  if (next === undefined) {
    outcome.kept.push(es.name);
    deps.metrics.writes.inc({ external_secret: es.name, result: 'kept' });
    if (previous === undefined) outcome.complete = false;
    return;
  }
  await writeFolder(deps, es.name, next, outcome, lastGood, previous);
}

/** Writes one folder; a failed write keeps the previous files and is recorded as a failure. */
async function writeFolder(deps: RefreshDeps, name: string, next: FileSet, outcome: RefreshOutcome, lastGood: Map<string, FileSet>, previous: FileSet | undefined): Promise<void> {
  try {
    const changed = await deps.write(join(deps.mountPath, name), next);
    // A merged set is "good" only over a complete earlier one; a clean set always is.
    lastGood.set(name, next);
    if (changed) outcome.changed.push(name);
    deps.metrics.writes.inc({ external_secret: name, result: changed ? 'changed' : 'unchanged' });
  } catch (err) {
    const e = err instanceof InjectorError ? err : new InjectorError(ErrorCode.WRITE, `writing ${name}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    outcome.failures.push({ externalSecret: name, key: '*', code: e.code, message: e.message, retryable: true });
    deps.metrics.writes.inc({ external_secret: name, result: 'failed' });
    deps.logger.error({ externalSecret: name, code: e.code, err: e.message }, 'writing the folder failed; the previous files stay');
    outcome.clean = false;
    if (previous === undefined) outcome.complete = false;
  }
}
