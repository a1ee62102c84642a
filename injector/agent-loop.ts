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

/**
 * The pod's refresh grid (issue 15): with phase u in (0, 1], an interval I is due at
 * anchor + u·I + k·I. Returns the first such point strictly after `after`. Every pod draws its
 * own u, so a rollout's pods (started within seconds of each other) refresh spread uniformly over
 * the interval instead of together; ExternalSecrets with the same interval share the grid, so
 * one pod still makes one round of calls for them.
 */
export function nextGridPoint(after: number, anchor: number, phase: number, intervalMs: number): number {
  const first = anchor + phase * intervalMs;
  if (after < first) return first;
  return first + (Math.floor((after - first) / intervalMs) + 1) * intervalMs;
}

/** What the loop needs. */
export interface AgentLoopDeps {
  /** The pod's interval: of every ExternalSecret without its own. */
  intervalMs: number;
  /**
   * Per ExternalSecret intervals (`spec.rotationInterval`, issue 17): each is refreshed on its own
   * schedule, so a fast-rotating token does not drag a slow certificate along. Absent → every
   * ExternalSecret together at `intervalMs`.
   */
  schedule?: readonly { name: string; intervalMs: number }[];
  signal: AbortSignal;
  /** Refreshes the named ExternalSecrets (all of them when `due` is undefined). */
  refresh: (due: readonly string[] | undefined) => Promise<RefreshOutcome>;
  /** Called after every refresh that was not aborted; `first` is true for the loop's first refresh. */
  afterRefresh: (outcome: RefreshOutcome, first: boolean) => Promise<void>;
  random?: () => number;
  now?: () => number;
  /** The pod's phase in (0, 1] (injector-runtime.ts): refresh on the grid (`nextGridPoint`). Absent → the old schedule: interval minus up to 10 % after each refresh. */
  phase?: number;
  /** The grid's anchor (epoch ms); default the loop's start. */
  anchor?: number;
  /**
   * First due time per schedule entry name (the init → agent handoff: a folder init just wrote is
   * not refetched at start). Entries not named are due at start.
   */
  firstDue?: ReadonlyMap<string, number>;
}

/** Whether `name` failed in `outcome` (kept its last good files, or an entry failed). */
function failedIn(outcome: RefreshOutcome, name: string): boolean {
  return outcome.kept.includes(name) || outcome.failures.some((f) => f.externalSecret === name);
}

/**
 * Runs until the signal aborts. Each schedule entry has a due time: `firstDue`'s, else now.
 * 1. Refresh the entries that are due (fetch, rules, write).
 * 2. Unless aborted meanwhile, report the outcome (readiness, metrics, notify).
 * 3. Give each refreshed entry its next due time. After a failure: the failure backoff (5 s,
 *    10 s, ... at most the interval), for that entry alone. After a success: with a phase, the
 *    first grid point after the refresh ended (an entry served after a backoff rejoins the grid;
 *    a grid point is never served twice, and a refresh longer than the interval skips the
 *    points it overran instead of refreshing again at once); without one, its interval minus
 *    jitter from now, one jitter draw per round so entries with equal intervals stay together.
 * 4. Wait until the earliest due time; abort ends the wait at once.
 */
export async function runAgentLoop(deps: AgentLoopDeps): Promise<{ refreshes: number }> {
  const random = deps.random ?? Math.random;
  const now = deps.now ?? Date.now;
  const start = now();
  const anchor = deps.anchor ?? start;
  const entries = deps.schedule ?? [{ name: '', intervalMs: deps.intervalMs }];
  const due = new Map(entries.map((e) => [e.name, deps.firstDue?.get(e.name) ?? start]));
  const failures = new Map(entries.map((e) => [e.name, 0]));
  let refreshes = 0;
  while (!deps.signal.aborted) {
    // 1.
    const t = now();
    const dueNow = entries.filter((e) => (due.get(e.name) ?? t) <= t);
    // A timer may wake a fraction of a millisecond before a fractional due time: nothing is due
    // yet, so wait again. Refreshing here would refresh nothing or, without a schedule, everything
    // a second time (the double refresh of issue 15).
    if (dueNow.length === 0) {
      await sleep(Math.max(0, Math.min(...due.values()) - t), deps.signal);
      continue;
    }
    const outcome = await deps.refresh(deps.schedule === undefined ? undefined : dueNow.map((e) => e.name));
    if (outcome.aborted) break;
    // 2.
    await deps.afterRefresh(outcome, refreshes === 0);
    refreshes++;
    // 3.
    const r = random();
    const after = now();
    for (const e of dueNow) {
      const failed = deps.schedule === undefined ? !outcome.clean : failedIn(outcome, e.name);
      const n = failed ? (failures.get(e.name) ?? 0) + 1 : 0;
      failures.set(e.name, n);
      if (failed || deps.phase === undefined) due.set(e.name, after + nextDelayMs(e.intervalMs, n, () => r));
      else due.set(e.name, nextGridPoint(after, anchor, deps.phase, e.intervalMs));
    }
    // 4.
    await sleep(Math.max(0, Math.min(...due.values()) - now()), deps.signal);
  }
  return { refreshes };
}
