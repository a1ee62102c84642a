/**
 * Retries for cloud calls: which failures are worth another attempt, how long to wait, and the
 * mapping of SDK/network errors to the project's InjectorError (E_PROVIDER / E_CREDENTIALS with
 * `retryable`). `@alicloud/openapi-client` never retries on its own (alibaba-cloud-apis.md §6,
 * "Retries"), so this module is the only retry layer.
 *
 * Classification follows ack-secret-manager 0.6.5+ `RetryOnTransient` (semantics reference §4.2):
 * throttling codes, `ServiceUnavailableTemporary`, `InternalFailure`, HTTP 5xx and 429, timeouts,
 * connection resets and temporary DNS failures retry; 400/401/403/404 and everything else do not.
 * The built error carries the cloud code, HTTP status and request id, never a request parameter:
 * SDK network errors embed the request URL (httpx appends `<method> <url> failed`), so their
 * message text is never copied.
 */
import { ErrorCode, InjectorError } from '../../common/errors.ts';

/**
 * Cloud error codes that mean "try again later". The first three are ack-secret-manager's set
 * (alibaba-cloud-apis.md §1.6, §4.3); the rest are the POP gateway's common server-side and
 * flow-control codes (same reference §7.3). Any code containing "Throttling" also counts, as in
 * `@alicloud/openapi-core` (§8).
 */
export const RETRYABLE_CLOUD_CODES: ReadonlySet<string> = new Set([
  'Rejected.Throttling', 'ServiceUnavailableTemporary', 'InternalFailure',
  'Throttling', 'Throttling.User', 'Throttling.Api', 'InternalError', 'ServiceUnavailable',
]);

/**
 * Node/httpx network error codes that are transient. ECONNREFUSED is included because a sidecar
 * may start before the node's network path to the VPC endpoint is ready; attempts stay bounded.
 */
export const RETRYABLE_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN', 'EPIPE', 'ECONNREFUSED', 'ECONNABORTED',
  'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'ESOCKETTIMEDOUT',
]);

/** Backoff shape: wait `min(maxMs, baseMs * 2^attempt)` ± `jitter` for attempt 1, 2, ... */
export interface RetryPolicy {
  /** Total attempts including the first. */
  attempts: number;
  baseMs: number;
  maxMs: number;
  /** Fraction of the delay added or removed at random (0.2 = ±20 %). */
  jitter: number;
}

/**
 * ack-secret-manager 0.6.5+ `FetchWithRetry`: 3 attempts, `2^attempt * 1 s` with ±20 % jitter,
 * capped at 10 s, i.e. waits of about 2 s and 4 s (semantics reference §4.2).
 */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({ attempts: 3, baseMs: 1000, maxMs: 10_000, jitter: 0.2 });

/** The longest service retry-after hint honoured: one minute (a longer one is cut to this). */
export const MAX_RETRY_AFTER_MS = 60_000;

/** How long to wait before retry number `attempt` (1-based). `random` returns [0, 1). */
export function backoffDelay(attempt: number, policy: Readonly<RetryPolicy>, random: () => number = Math.random): number {
  const raw = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
  const spread = raw * policy.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(Math.min(policy.maxMs, raw + spread)));
}

/** What a call was, for error messages and metrics. Only names, never values. */
export interface CallContext {
  /** `sts`, `kms` or `oos`. */
  service: string;
  /** API action, e.g. `GetSecretValue`. */
  action: string;
  /** Secret or parameter name, or the role ARN for STS. */
  subject: string;
}

function prop(err: unknown, name: string): unknown {
  return typeof err === 'object' && err !== null ? (err as Record<string, unknown>)[name] : undefined;
}

/**
 * The server's message, cut before any echo of the string-to-sign (the POP gateway appends
 * "server string to sign is:..." to SignatureDoesNotMatch, reference §7.1 step 8) and bounded.
 */
function serverMessage(err: unknown): string {
  const data = prop(err, 'data');
  const raw = prop(data, 'Message') ?? prop(data, 'message');
  if (typeof raw !== 'string') return '';
  const cut = raw.split(/server string to sign is/i)[0] ?? '';
  return cut.trim().slice(0, 300);
}

/** True when a cloud error code or HTTP status means a retry can help. */
export function isRetryableCloudError(code: string | undefined, status: number | undefined): boolean {
  if (code !== undefined && (RETRYABLE_CLOUD_CODES.has(code) || code.includes('Throttling'))) return true;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  return false;
}

/**
 * Maps anything a cloud call threw to an InjectorError of `code` (E_PROVIDER for KMS/OOS,
 * E_CREDENTIALS for STS) with `retryable` set. An InjectorError passes through unchanged.
 */
export function toInjectorError(err: unknown, code: typeof ErrorCode.PROVIDER | typeof ErrorCode.CREDENTIALS, ctx: CallContext): InjectorError {
  if (err instanceof InjectorError) return err;
  const what = `${ctx.service.toUpperCase()} ${ctx.action} ${JSON.stringify(ctx.subject)}`;
  const status = prop(err, 'statusCode') ?? prop(prop(err, 'data'), 'statusCode');
  const httpStatus = typeof status === 'number' ? status : undefined;
  const rawCode = prop(err, 'code');
  const errCode = typeof rawCode === 'string' && rawCode !== '' && rawCode !== 'undefined' ? rawCode : undefined;
  const name = prop(err, 'name');
  const detail: Record<string, string | number | boolean> = { service: ctx.service, action: ctx.action, subject: ctx.subject };

  // 1. A response from the service: it has an HTTP status and (usually) a cloud error code.
  if (httpStatus !== undefined) {
    const cloudCode = errCode ?? `HTTP${httpStatus}`;
    const requestId = prop(prop(err, 'data'), 'RequestId');
    detail.cloudCode = cloudCode;
    detail.httpStatus = httpStatus;
    // `@alicloud/openapi-core`'s ThrottlingError carries the service's `x-acs-retry-after` as
    // `retryAfter` (ms, reference §8); openapi-client 0.4.15 drops response headers, so it is
    // only there when the SDK surfaces it. Bounded: a hint, never an unbounded wait.
    const retryAfter = prop(err, 'retryAfter');
    if (typeof retryAfter === 'number' && Number.isFinite(retryAfter) && retryAfter > 0) detail.retryAfterMs = Math.min(Math.round(retryAfter), MAX_RETRY_AFTER_MS);
    if (typeof requestId === 'string') detail.requestId = requestId;
    const msg = serverMessage(err);
    return new InjectorError(code, `${what}: ${cloudCode} (HTTP ${httpStatus})${msg === '' ? '' : `: ${msg}`}${typeof requestId === 'string' ? ` [request id ${requestId}]` : ''}`, {
      retryable: isRetryableCloudError(cloudCode, httpStatus), detail,
    });
  }
  // 2. A network failure: a Node error code or an httpx timeout. The message is not copied (it holds the URL).
  if (name === 'RequestTimeoutError' || (errCode !== undefined && RETRYABLE_NETWORK_CODES.has(errCode))) {
    const netCode = errCode ?? 'ETIMEDOUT';
    detail.cloudCode = netCode;
    return new InjectorError(code, `${what}: network error ${netCode}${name === 'RequestTimeoutError' ? ' (request timed out)' : ''}`, { retryable: true, detail });
  }
  if (errCode !== undefined && /^E[A-Z_]+$/.test(errCode)) {
    detail.cloudCode = errCode;
    // ENOTFOUND is a permanent DNS answer ("no such host"), not retried (semantics reference §4.2).
    return new InjectorError(code, `${what}: network error ${errCode}`, { retryable: false, detail });
  }
  // 3. An unparsable response body (e.g. an empty 502 from a proxy makes the SDK throw SyntaxError, reference §8).
  if (err instanceof SyntaxError) {
    detail.cloudCode = 'MalformedResponse';
    return new InjectorError(code, `${what}: the service sent a response that is not JSON (proxy or gateway error)`, { retryable: true, detail });
  }
  // 4. Anything else: a client-side error with a code (e.g. the SDK's own validation), not retried.
  detail.cloudCode = errCode ?? 'Unknown';
  const kind = err instanceof Error ? err.constructor.name : typeof err;
  return new InjectorError(code, `${what}: ${errCode ?? 'unexpected error'} (${kind})`, { retryable: false, detail });
}

/**
 * Waits `ms` unless `signal` aborts first (then resolves early; the caller checks the signal).
 * Uses the global `setTimeout`, so `node:test` mock timers drive it in tests.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) { resolve(); return; }
    const onAbort = (): void => { clearTimeout(timer); resolve(); };
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** True once `signal` has aborted (a function, so TypeScript does not narrow across awaits). */
export function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

/** Options of `withRetry`; every dependency is injectable for tests. */
export interface RetryOptions {
  policy?: Readonly<RetryPolicy>;
  signal?: AbortSignal;
  random?: () => number;
  /** Called before each wait, e.g. to log and count the retry. */
  onRetry?: (err: InjectorError, attempt: number, delayMs: number) => void;
  /**
   * Epoch ms after which no retry starts: a wait that would end past it is not begun and the
   * last error is thrown (init's budget). Absent → only `policy.attempts` bounds the retries.
   */
  deadline?: number;
  now?: () => number;
}

/**
 * The wait before retry number `attempt`: the jittered backoff, or the service's retry-after hint
 * (`detail.retryAfterMs`) when that is longer, so a throttled call is not repeated before the
 * service said it would accept it.
 */
export function retryDelay(err: InjectorError, attempt: number, policy: Readonly<RetryPolicy>, random?: () => number): number {
  const backoff = backoffDelay(attempt, policy, random);
  const hint = err.detail.retryAfterMs;
  return typeof hint === 'number' && hint > backoff ? hint : backoff;
}

/**
 * Runs `call` until it succeeds, fails with a non-retryable error, runs out of attempts, or the
 * signal aborts. `toError` turns whatever `call` threw into an InjectorError.
 *
 * 1. Call; on success return the value.
 * 2. Classify the failure; stop if it is not retryable, attempts are used up, or the wait would
 *    end past the deadline.
 * 3. Wait the jittered backoff or the service's retry-after (cut short by the signal); go to 1.
 */
export async function withRetry<T>(call: () => Promise<T>, toError: (err: unknown) => InjectorError, options: RetryOptions = {}): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (thrown) {
      const err = toError(thrown);
      if (!err.retryable || attempt >= policy.attempts || options.signal?.aborted === true) throw err;
      const delay = retryDelay(err, attempt, policy, options.random);
      if (options.deadline !== undefined && (options.now ?? Date.now)() + delay > options.deadline) throw err;
      options.onRetry?.(err, attempt, delay);
      await sleep(delay, options.signal);
      if (isAborted(options.signal)) throw err;
    }
  }
}
