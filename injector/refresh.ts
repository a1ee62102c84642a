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
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ErrorCode, InjectorError } from '../common/errors.ts';
import type { PlannedExternalSecret } from '../contract/injector-config-schema.ts';
import { collectFetches, runFetchCycle, type FetchOne } from './cloud/fetch-cycle.ts';
import { fetchId } from './rules/fetch-types.ts';
import { recordFetch, type InjectorMetrics } from './injector-metrics.ts';
import type { RateLimiter } from './cloud/rate-limit.ts';
import type { RetryPolicy } from './cloud/retry.ts';
import { applyRules, keepLastGood, listFetches, type RuleFailure, type RuleOptions } from './rules/index.ts';

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
  signal?: AbortSignal;
  /** Rule engine options from the config (jmesPathRawFallback). */
  ruleOptions?: RuleOptions;
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
    ...(deps.signal === undefined ? {} : { signal: deps.signal }),
    onResult: (request, outcome, elapsedMs) => recordFetch(deps.metrics, request, outcome, elapsedMs),
    onRetry: (request, err, attempt, delayMs) => {
      deps.metrics.retries.inc({ provider: request.provider, reason: String(err.detail.cloudCode ?? err.code) });
      deps.logger.info({ provider: request.provider, key: request.key, code: err.code, cloudCode: err.detail.cloudCode, attempt, delayMs }, 'fetch failed, retrying after backoff');
    },
  });
  const outcome: RefreshOutcome = { changed: [], kept: [], failures: [], complete: true, clean: true, aborted: false };
  // 2.
  if (deps.signal?.aborted === true) return { ...outcome, complete: false, clean: false, aborted: true };
  // 3.
  for (const es of deps.externalSecrets) {
    const applied = applyRules(es, results, deps.ruleOptions);
    const { files, failures } = applied;
    const previous = lastGood.get(es.name);
    for (const f of failures) {
      // Retryable when a fetch of that key failed transiently (matched by key and code, never by message text).
      const retryable = f.code !== ErrorCode.RULE && listFetches(es)
        .filter((r) => r.key === f.key)
        .some((r) => { const got = results.get(fetchId(r)); return got instanceof InjectorError && got.retryable; });
      outcome.failures.push({ ...f, retryable });
      deps.logger.warn({ externalSecret: es.name, key: f.key, code: f.code, retryable, err: f.message }, 'entry failed; keeping its last good files');
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
      continue;
    }
    try {
      const changed = await deps.write(join(deps.mountPath, es.name), next);
      // A merged set is "good" only over a complete earlier one; a clean set always is.
      lastGood.set(es.name, next);
      if (changed) outcome.changed.push(es.name);
      deps.metrics.writes.inc({ external_secret: es.name, result: changed ? 'changed' : 'unchanged' });
    } catch (err) {
      const e = err instanceof InjectorError ? err : new InjectorError(ErrorCode.WRITE, `writing ${es.name}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      outcome.failures.push({ externalSecret: es.name, key: '*', code: e.code, message: e.message, retryable: true });
      deps.metrics.writes.inc({ external_secret: es.name, result: 'failed' });
      deps.logger.error({ externalSecret: es.name, code: e.code, err: e.message }, 'writing the folder failed; the previous files stay');
      outcome.clean = false;
      if (previous === undefined) outcome.complete = false;
    }
  }
  return outcome;
}
