/**
 * One fetch cycle: every distinct thing the ExternalSecrets need, fetched once, in parallel under
 * the rate limiter, each with retries; the result map feeds the rule engine (injector/rules/fetch-types.ts).
 * A failure is an entry in the map, not an exception, so one bad secret never hides the others.
 */
import { ErrorCode, InjectorError } from '../../common/errors.ts';
import type { PlannedExternalSecret } from '../../contract/injector-config-schema.ts';
import { fetchId, type FetchedValue, type FetchRequest, type FetchResults } from '../rules/fetch-types.ts';
import type { RateLimiter } from './rate-limit.ts';
import { DEFAULT_RETRY_POLICY, isAborted, type RetryPolicy, withRetry } from './retry.ts';

/** Fetches one request once (no retry); throws on failure. */
export type FetchOne = (request: FetchRequest) => Promise<FetchedValue>;

/**
 * Every request of every ExternalSecret, deduplicated by `fetchId` (first occurrence wins; equal
 * ids are equal requests). `listFetches` is the rule engine's; passed in to keep this testable.
 */
export function collectFetches(externalSecrets: readonly PlannedExternalSecret[], listFetches: (es: PlannedExternalSecret) => readonly FetchRequest[]): FetchRequest[] {
  const seen = new Map<string, FetchRequest>();
  for (const es of externalSecrets) {
    for (const r of listFetches(es)) {
      const id = fetchId(r);
      if (!seen.has(id)) seen.set(id, r);
    }
  }
  return [...seen.values()];
}

/** What a cycle needs. */
export interface FetchCycleDeps {
  fetchOne: FetchOne;
  limiter: RateLimiter;
  retryPolicy?: Readonly<RetryPolicy>;
  signal?: AbortSignal;
  random?: () => number;
  /** Called after each attempt series with the outcome and the time it took (ms, all attempts). */
  onResult?: (request: FetchRequest, outcome: FetchedValue | InjectorError, elapsedMs: number) => void;
  onRetry?: (request: FetchRequest, err: InjectorError, attempt: number, delayMs: number) => void;
  now?: () => number;
  /** Epoch ms after which no retry starts (init's budget, injector/init-command.ts). */
  deadline?: number;
}

function asInjectorError(err: unknown, request: FetchRequest): InjectorError {
  if (err instanceof InjectorError) return err;
  return new InjectorError(ErrorCode.PROVIDER, `${request.provider.toUpperCase()} ${JSON.stringify(request.key)}: unexpected failure (${err instanceof Error ? err.constructor.name : typeof err})`, {
    retryable: false, detail: { service: request.provider, subject: request.key, cloudCode: 'Unknown' },
  });
}

/**
 * Fetches `requests` (already deduplicated) and returns results by fetchId.
 * 1. Start every request at once; the limiter bounds concurrency and call rate.
 * 2. Each request retries retryable failures with jittered exponential backoff.
 * 3. A request whose attempts are exhausted (or whose error is permanent) records its error.
 * 4. An aborted cycle records the remaining requests as retryable "cancelled" errors.
 */
export async function runFetchCycle(requests: readonly FetchRequest[], deps: FetchCycleDeps): Promise<FetchResults> {
  const now = deps.now ?? Date.now;
  const results = new Map<string, FetchedValue | InjectorError>();
  await Promise.all(requests.map(async (request) => {
    const started = now();
    let outcome: FetchedValue | InjectorError;
    try {
      outcome = await withRetry(
        () => {
          if (isAborted(deps.signal)) {
            throw new InjectorError(ErrorCode.PROVIDER, `${request.provider.toUpperCase()} ${JSON.stringify(request.key)}: cancelled (shutting down)`, { retryable: true, detail: { service: request.provider, subject: request.key, cloudCode: 'Cancelled' } });
          }
          return deps.limiter.run(() => deps.fetchOne(request));
        },
        (err) => asInjectorError(err, request),
        {
          policy: deps.retryPolicy ?? DEFAULT_RETRY_POLICY,
          ...(deps.signal === undefined ? {} : { signal: deps.signal }),
          ...(deps.random === undefined ? {} : { random: deps.random }),
          ...(deps.deadline === undefined ? {} : { deadline: deps.deadline, now }),
          onRetry: (err, attempt, delay) => deps.onRetry?.(request, err, attempt, delay),
        },
      );
    } catch (err) {
      outcome = asInjectorError(err, request);
    }
    results.set(fetchId(request), outcome);
    deps.onResult?.(request, outcome, now() - started);
  }));
  return results;
}
