/**
 * The agent's refresh loop, separate from process wiring so its timing is tested with
 * `node:test` mock timers. It runs on an AbortSignal (SIGTERM), refreshes every interval minus a
 * little jitter, backs off exponentially after failed refreshes, and never interrupts a write:
 * abort is only checked between refreshes and during waits (STYLE.md §9).
 */
import { sleep } from './cloud/retry.ts';
import type { RefreshOutcome } from './refresh.ts';

/**
 * Interval jitter: each wait is the interval minus up to 10 %, so pods created together (a
 * Deployment rollout) spread their calls, yet a rotation is always picked up within one interval.
 * (Kubernetes' `wait.Jitter` uses a 10 % factor the same way, but adds it; we subtract it.)
 */
export const INTERVAL_JITTER = 0.1;
/** After a failed refresh: 5 s, 10 s, 20 s, ... capped at the interval, so a short outage heals fast. */
export const FAILURE_BACKOFF_BASE_MS = 5000;

/** The wait before the next refresh. `random` returns [0, 1). */
export function nextDelayMs(intervalMs: number, consecutiveFailures: number, random: () => number): number {
  const jittered = intervalMs * (1 - INTERVAL_JITTER * random());
  if (consecutiveFailures === 0) return Math.round(jittered);
  const backoff = FAILURE_BACKOFF_BASE_MS * 2 ** (consecutiveFailures - 1);
  return Math.round(Math.min(jittered, backoff * (1 - INTERVAL_JITTER * random())));
}

/** What the loop needs. */
export interface AgentLoopDeps {
  intervalMs: number;
  signal: AbortSignal;
  refresh: () => Promise<RefreshOutcome>;
  /** Called after every refresh that was not aborted; `first` is true for the loop's first refresh. */
  afterRefresh: (outcome: RefreshOutcome, first: boolean) => Promise<void>;
  random?: () => number;
}

/**
 * Runs until the signal aborts.
 * 1. Refresh (fetch, rules, write).
 * 2. Unless aborted meanwhile, report the outcome (readiness, metrics, notify).
 * 3. Wait the jittered interval (or the failure backoff); abort ends the wait at once.
 */
export async function runAgentLoop(deps: AgentLoopDeps): Promise<{ refreshes: number }> {
  const random = deps.random ?? Math.random;
  let failures = 0;
  let refreshes = 0;
  while (!deps.signal.aborted) {
    // 1.
    const outcome = await deps.refresh();
    if (outcome.aborted) break;
    // 2.
    await deps.afterRefresh(outcome, refreshes === 0);
    refreshes++;
    failures = outcome.clean ? 0 : failures + 1;
    // 3.
    await sleep(nextDelayMs(deps.intervalMs, failures, random), deps.signal);
  }
  return { refreshes };
}
