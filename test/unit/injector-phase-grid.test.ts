/**
 * The refresh grid of issue 15 (injector/agent-loop.ts): a pod's phase spreads its refreshes over
 * the interval, ExternalSecrets with the same interval share the grid, a failed one backs off
 * alone and rejoins the grid, a handoff's first due times skip the refetch at start, and a grid
 * point is served exactly once. Timing runs on node:test mock timers.
 */
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { FAILURE_BACKOFF_BASE_MS, nextGridPoint, runAgentLoop } from '../../injector/agent-loop.ts';
import type { RefreshOutcome } from '../../injector/refresh.ts';

const ok: RefreshOutcome = { changed: [], kept: [], failures: [], complete: true, clean: true, aborted: false, zeroOutput: [], removed: [] };
const flush = async (): Promise<void> => { for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r)); };

test('nextGridPoint: the first point anchor + u·I + k·I strictly after the given time', () => {
  const cases = [
    { name: 'before the first point: the first point', after: 0, anchor: 0, u: 0.25, I: 1000, want: 250 },
    { name: 'exactly on a point: the next one (never the same point twice)', after: 250, anchor: 0, u: 0.25, I: 1000, want: 1250 },
    { name: 'between points: the next one', after: 1300, anchor: 0, u: 0.25, I: 1000, want: 2250 },
    { name: 'phase 1: one whole interval after the anchor', after: 0, anchor: 0, u: 1, I: 1000, want: 1000 },
    { name: 'a later anchor shifts the grid', after: 5000, anchor: 4100, u: 0.5, I: 1000, want: 5600 },
    { name: 'long after the anchor: still on the grid', after: 1_000_000.5, anchor: 0, u: 0.1, I: 60_000, want: 1_026_000 },
  ];
  for (const c of cases) assert.equal(nextGridPoint(c.after, c.anchor, c.u, c.I), c.want, c.name);
});

/** Runs a loop on mock timers; `outcome(names, n)` answers the n-th refresh. Returns the refresh log and a stop function. */
function startLoop(o: { schedule: { name: string; intervalMs: number }[]; phase: number; firstDue?: Map<string, number>; outcome?: (names: readonly string[], n: number) => RefreshOutcome }): { log: Array<{ at: number; names: string[] }>; stop: () => Promise<unknown> } {
  const ac = new AbortController();
  const log: Array<{ at: number; names: string[] }> = [];
  const done = runAgentLoop({
    intervalMs: 60_000, schedule: o.schedule, phase: o.phase, anchor: 0, signal: ac.signal, random: () => 0,
    ...(o.firstDue === undefined ? {} : { firstDue: o.firstDue }),
    refresh: async (due) => { const names = [...(due ?? [])]; log.push({ at: Date.now(), names }); return o.outcome?.(names, log.length) ?? ok; },
    afterRefresh: async () => {},
  });
  return { log, stop: async () => { ac.abort(); return done; } };
}

const cases: Array<{ name: string; schedule: { name: string; intervalMs: number }[]; phase: number; firstDue?: Map<string, number>; failAt?: { name: string; refreshes: number[] }; until: number; want: Array<{ at: number; names: string[] }> }> = [
  {
    name: 'without a handoff: refresh at start, then on the grid at u·I, exactly once per point',
    schedule: [{ name: 'db', intervalMs: 60_000 }, { name: 'app', intervalMs: 60_000 }], phase: 0.5, until: 200_000,
    want: [{ at: 0, names: ['db', 'app'] }, { at: 30_000, names: ['db', 'app'] }, { at: 90_000, names: ['db', 'app'] }, { at: 150_000, names: ['db', 'app'] }],
  },
  {
    name: 'with a handoff: no refresh at start; the first refresh is the first grid point',
    schedule: [{ name: 'db', intervalMs: 60_000 }], phase: 0.25, firstDue: new Map([['db', 15_000]]), until: 100_000,
    want: [{ at: 15_000, names: ['db'] }, { at: 75_000, names: ['db'] }],
  },
  {
    name: 'different intervals keep their own grids (rotationInterval)',
    schedule: [{ name: 'token', intervalMs: 20_000 }, { name: 'cert', intervalMs: 60_000 }], phase: 0.5, firstDue: new Map([['token', 10_000], ['cert', 30_000]]), until: 95_000,
    want: [{ at: 10_000, names: ['token'] }, { at: 30_000, names: ['token', 'cert'] }, { at: 50_000, names: ['token'] }, { at: 70_000, names: ['token'] }, { at: 90_000, names: ['token', 'cert'] }],
  },
  {
    name: 'a failed ExternalSecret backs off alone (5 s, 10 s) and then rejoins the grid',
    schedule: [{ name: 'db', intervalMs: 60_000 }, { name: 'app', intervalMs: 60_000 }], phase: 0.5, firstDue: new Map([['db', 30_000], ['app', 30_000]]),
    failAt: { name: 'db', refreshes: [1, 2] }, until: 100_000,
    want: [
      { at: 30_000, names: ['db', 'app'] },
      { at: 30_000 + FAILURE_BACKOFF_BASE_MS, names: ['db'] },
      { at: 30_000 + 3 * FAILURE_BACKOFF_BASE_MS, names: ['db'] },
      { at: 90_000, names: ['db', 'app'] },
    ],
  },
];

for (const c of cases) {
  test(`grid schedule: ${c.name}`, async () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    try {
      const loop = startLoop({
        schedule: c.schedule, phase: c.phase, ...(c.firstDue === undefined ? {} : { firstDue: c.firstDue }),
        outcome: (names, n) => (c.failAt !== undefined && c.failAt.refreshes.includes(n) && names.includes(c.failAt.name) ? { ...ok, clean: false, kept: [c.failAt.name] } : ok),
      });
      await flush();
      for (let t = 0; t < c.until; t += 500) { mock.timers.tick(500); await flush(); }
      await loop.stop();
      assert.deepEqual(loop.log, c.want);
    } finally {
      mock.timers.reset();
    }
  });
}

test('grid schedule: a timer that wakes before a fractional due time does not refresh early or twice', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  try {
    // u·I = 20000.4 ms: the wait is rounded by the timer; the loop must not refresh at 20000.
    const loop = startLoop({ schedule: [{ name: 'db', intervalMs: 60_001 }], phase: 20_000.4 / 60_001, firstDue: new Map([['db', 20_000.4]]) });
    await flush();
    mock.timers.tick(20_000);
    await flush();
    assert.equal(loop.log.length, 0, 'not at 20000 ms');
    mock.timers.tick(1);
    await flush();
    mock.timers.tick(1000);
    await flush();
    await loop.stop();
    assert.deepEqual(loop.log.map((l) => l.at), [20_001]);
  } finally {
    mock.timers.reset();
  }
});
