import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { FAILURE_BACKOFF_BASE_MS, nextDelayMs, runAgentLoop } from '../../injector/agent-loop.ts';
import type { RefreshOutcome } from '../../injector/refresh.ts';

const ok: RefreshOutcome = { changed: [], kept: [], failures: [], complete: true, clean: true, aborted: false, zeroOutput: [], removed: [] };
const bad: RefreshOutcome = { ...ok, clean: false, kept: ['db'] };
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

test('next delay: jitter only shortens the interval; failures back off exponentially up to the interval', () => {
  const cases = [
    { name: 'success, no jitter', interval: 120_000, failures: 0, r: 0, want: 120_000 },
    { name: 'success, most jitter is 10 % earlier', interval: 120_000, failures: 0, r: 0.999999, want: 108_000 },
    { name: 'first failure waits the base backoff', interval: 120_000, failures: 1, r: 0, want: FAILURE_BACKOFF_BASE_MS },
    { name: 'third failure waits 4x the base', interval: 120_000, failures: 3, r: 0, want: 4 * FAILURE_BACKOFF_BASE_MS },
    { name: 'backoff never exceeds the interval', interval: 30_000, failures: 10, r: 0, want: 30_000 },
  ];
  for (const c of cases) assert.equal(nextDelayMs(c.interval, c.failures, () => c.r), c.want, c.name);
});

test('the loop refreshes every interval (mock timers) and reports first/later refreshes', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  try {
    const ac = new AbortController();
    const seen: boolean[] = [];
    let refreshes = 0;
    const done = runAgentLoop({ intervalMs: 10_000, signal: ac.signal, random: () => 0, refresh: async () => { refreshes++; return ok; }, afterRefresh: async (_o, first) => { seen.push(first); } });
    await flush();
    assert.equal(refreshes, 1, 'refreshes at once');
    mock.timers.tick(9_999);
    await flush();
    assert.equal(refreshes, 1, 'not before the interval');
    mock.timers.tick(1);
    await flush();
    assert.equal(refreshes, 2);
    mock.timers.tick(10_000);
    await flush();
    assert.equal(refreshes, 3);
    ac.abort();
    assert.deepEqual(await done, { refreshes: 3 });
    assert.deepEqual(seen, [true, false, false]);
  } finally {
    mock.timers.reset();
  }
});

test('after a failed refresh the loop retries sooner, then returns to the interval', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  try {
    const ac = new AbortController();
    const outcomes = [bad, bad, ok, ok];
    let refreshes = 0;
    const done = runAgentLoop({ intervalMs: 60_000, signal: ac.signal, random: () => 0, refresh: async () => outcomes[refreshes++] ?? ok, afterRefresh: async () => {} });
    await flush();
    assert.equal(refreshes, 1);
    mock.timers.tick(FAILURE_BACKOFF_BASE_MS);
    await flush();
    assert.equal(refreshes, 2, 'first retry after the base backoff');
    mock.timers.tick(2 * FAILURE_BACKOFF_BASE_MS);
    await flush();
    assert.equal(refreshes, 3, 'second retry after twice the base');
    mock.timers.tick(59_999);
    await flush();
    assert.equal(refreshes, 3, 'back to the full interval after a success');
    mock.timers.tick(1);
    await flush();
    assert.equal(refreshes, 4);
    ac.abort();
    await done;
  } finally {
    mock.timers.reset();
  }
});

test('SIGTERM (abort) during a refresh lets it finish, then the loop ends without waiting', async () => {
  const ac = new AbortController();
  let finishWrite: () => void = () => {};
  let after = 0;
  const done = runAgentLoop({ intervalMs: 3_600_000, signal: ac.signal, refresh: () => new Promise<RefreshOutcome>((r) => { finishWrite = () => r(ok); }), afterRefresh: async () => { after++; } });
  await flush();
  ac.abort();
  finishWrite();
  assert.deepEqual(await done, { refreshes: 1 }, 'the running refresh completed and was reported');
  assert.equal(after, 1);
});

test('an aborted refresh (cancelled before writing) is not reported', async () => {
  const ac = new AbortController();
  let after = 0;
  const result = await runAgentLoop({ intervalMs: 1000, signal: ac.signal, refresh: async () => { ac.abort(); return { ...ok, aborted: true }; }, afterRefresh: async () => { after++; } });
  assert.deepEqual(result, { refreshes: 0 });
  assert.equal(after, 0);
});

test('per-ExternalSecret intervals: each is refreshed on its own schedule (rotationInterval)', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  try {
    const ac = new AbortController();
    const rounds: string[][] = [];
    const done = runAgentLoop({
      intervalMs: 120_000, signal: ac.signal, random: () => 0,
      schedule: [{ name: 'token', intervalMs: 30_000 }, { name: 'cert', intervalMs: 90_000 }, { name: 'other', intervalMs: 30_000 }],
      refresh: async (due) => { rounds.push([...(due ?? ['ALL'])]); return ok; },
      afterRefresh: async () => {},
    });
    await flush();
    for (let i = 0; i < 3; i++) { mock.timers.tick(30_000); await flush(); }
    ac.abort();
    await done;
    assert.deepEqual(rounds, [['token', 'cert', 'other'], ['token', 'other'], ['token', 'other'], ['token', 'cert', 'other']]);
  } finally {
    mock.timers.reset();
  }
});

test('per-ExternalSecret intervals: only the one that failed backs off', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  try {
    const ac = new AbortController();
    const rounds: string[][] = [];
    const failing: RefreshOutcome = { ...ok, clean: false, kept: ['cert'] };
    const done = runAgentLoop({
      intervalMs: 60_000, signal: ac.signal, random: () => 0,
      schedule: [{ name: 'token', intervalMs: 60_000 }, { name: 'cert', intervalMs: 60_000 }],
      refresh: async (due) => { rounds.push([...(due ?? [])]); return rounds.length === 1 ? failing : ok; },
      afterRefresh: async () => {},
    });
    await flush();
    mock.timers.tick(FAILURE_BACKOFF_BASE_MS);
    await flush();
    mock.timers.tick(60_000 - FAILURE_BACKOFF_BASE_MS);
    await flush();
    ac.abort();
    await done;
    assert.deepEqual(rounds, [['token', 'cert'], ['cert'], ['token']]);
  } finally {
    mock.timers.reset();
  }
});
