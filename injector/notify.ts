/**
 * Tells the application that its files changed (config.notify): an HTTP call on localhost and/or a
 * signal to a container's main process. Sent once per refresh that changed at least one folder,
 * never for an unchanged refresh, never for the agent's first write (the app reads the files when
 * it starts, and with a native sidecar it has not started yet), and never resent later if every
 * delivery attempt failed: a notification is about one change.
 */
import type { Logger } from 'pino';
import { ErrorCode, InjectorError } from '../common/errors.ts';
import type { NotifyConfig } from '../contract/injector-config-schema.ts';
import type { InjectorMetrics } from './injector-metrics.ts';
import { type RetryPolicy, withRetry } from './cloud/retry.ts';
import type { PlainHttpRequest } from './plain-http.ts';

/** Why a refresh does or does not notify; a tagged result, not a boolean (STYLE.md §4). */
export type NotifyDecision =
  | { notify: false; reason: 'not-configured' | 'unchanged' | 'first-write' }
  | { notify: true; changed: readonly string[] };

/** Decides whether a refresh notifies. `changed` lists the ExternalSecret folders this refresh rewrote. */
export function decideNotify(notify: NotifyConfig | undefined, changed: readonly string[], firstWrite: boolean): NotifyDecision {
  if (notify === undefined || (notify.http === undefined && notify.signal === undefined)) return { notify: false, reason: 'not-configured' };
  if (firstWrite) return { notify: false, reason: 'first-write' };
  if (changed.length === 0) return { notify: false, reason: 'unchanged' };
  return { notify: true, changed: [...changed].sort() };
}

/** What delivery needs; every effect is passed in so tests run it without a network or processes. */
export interface NotifyDeps {
  logger: Logger;
  metrics: InjectorMetrics;
  /** `plainHttpRequest` in production (not `fetch`: the agent runs under --jitless; see plain-http.ts). */
  request: PlainHttpRequest;
  /** `process.kill` in production. */
  kill: (pid: number, signal: NodeJS.Signals) => void;
  /** Main PIDs of a container (injector/container-process.ts). */
  findPids: (container: string) => Promise<number[]>;
  /** Delivery retries: the app may be restarting; a few quick attempts. */
  retryPolicy: Readonly<RetryPolicy>;
  signal?: AbortSignal;
}

/**
 * Notification retries: 3 attempts, 0.5 s then 1 s (±20 %). Short, because the agent's next
 * refresh should not wait on a busy app, and a missed notification does not lose data (the files
 * are already in place).
 */
export const NOTIFY_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({ attempts: 3, baseMs: 250, maxMs: 2000, jitter: 0.2 });
/** Per-attempt HTTP timeout: a localhost call that takes longer than this is stuck. */
const HTTP_TIMEOUT_MS = 5000;

function notifyError(message: string, retryable: boolean): InjectorError {
  return new InjectorError(ErrorCode.PROVIDER, message, { retryable, detail: { service: 'notify' } });
}

/** Sends the notification(s) of `decision`; logs one line and counts one metric per method. Never throws. */
export async function deliverNotify(notify: NotifyConfig, changed: readonly string[], deps: NotifyDeps): Promise<void> {
  const retryOptions = { policy: deps.retryPolicy, ...(deps.signal === undefined ? {} : { signal: deps.signal }) };
  const asError = (err: unknown): InjectorError => err instanceof InjectorError ? err : notifyError(`${(err as Error).name}: ${(err as Error).message}`, true);
  if (notify.http !== undefined) {
    const { url, method = 'POST' } = notify.http;
    try {
      const status = await withRetry(async () => {
        const body = method === 'GET' ? {} : { body: JSON.stringify({ changed }), headers: { 'content-type': 'application/json' } };
        const res = await deps.request(url, { method, timeoutMs: HTTP_TIMEOUT_MS, ...body, ...(deps.signal === undefined ? {} : { signal: deps.signal }) });
        if (res.status >= 500 || res.status === 429) throw notifyError(`HTTP ${res.status}`, true);
        if (res.status >= 400) throw notifyError(`HTTP ${res.status}`, false);
        return res.status;
      }, asError, retryOptions);
      deps.metrics.notifications.inc({ method: 'http', result: 'delivered' });
      deps.logger.info({ notify: 'http', url, method, status, changed }, 'notified the app of changed files');
    } catch (err) {
      deps.metrics.notifications.inc({ method: 'http', result: 'failed' });
      deps.logger.warn({ notify: 'http', url, method, err: asError(err).message, changed }, 'could not notify the app over HTTP; the files are updated regardless');
    }
  }
  if (notify.signal !== undefined) {
    const { container, signal } = notify.signal;
    try {
      const pids = await withRetry(async () => {
        const found = await deps.findPids(container);
        if (found.length === 0) throw notifyError(`no main process of container ${JSON.stringify(container)} is visible (is shareProcessNamespace on and the container running?)`, true);
        for (const pid of found) deps.kill(pid, signal as NodeJS.Signals);
        return found;
      }, asError, retryOptions);
      deps.metrics.notifications.inc({ method: 'signal', result: 'delivered' });
      deps.logger.info({ notify: 'signal', container, signal, pids, changed }, 'signalled the app of changed files');
    } catch (err) {
      deps.metrics.notifications.inc({ method: 'signal', result: 'failed' });
      deps.logger.warn({ notify: 'signal', container, signal, err: asError(err).message, changed }, 'could not signal the app; the files are updated regardless');
    }
  }
}
