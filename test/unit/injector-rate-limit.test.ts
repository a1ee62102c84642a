import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimiter } from '../../injector/cloud/rate-limit.ts';

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

test('concurrency limit: never more than N calls in flight, queued calls start as slots free', async () => {
  const limiter = new RateLimiter({ concurrency: 2, perSecond: 1000, burst: 1000 });
  const releases: Array<() => void> = [];
  let running = 0;
  let peak = 0;
  const started: number[] = [];
  const jobs = [0, 1, 2, 3, 4].map((i) => limiter.run(() => new Promise<number>((resolve) => {
    running++; peak = Math.max(peak, running); started.push(i);
    releases.push(() => { running--; resolve(i); });
  })));
  await flush();
  assert.deepEqual(started, [0, 1]);
  releases.shift()?.();
  await flush();
  assert.deepEqual(started, [0, 1, 2], 'the freed slot goes to the next waiter in order');
  while (releases.length > 0) { releases.shift()?.(); await flush(); }
  assert.deepEqual(await Promise.all(jobs), [0, 1, 2, 3, 4]);
  assert.equal(peak, 2);
  assert.equal(limiter.active, 0);
});

test('token bucket: a burst goes at once, then one start per 1/perSecond (mock timers)', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  try {
    const limiter = new RateLimiter({ concurrency: 100, perSecond: 2, burst: 2, now: () => Date.now() });
    const starts: number[] = [];
    const t0 = Date.now();
    const jobs = [0, 1, 2, 3].map(() => limiter.run(async () => { starts.push(Date.now() - t0); }));
    await flush();
    assert.deepEqual(starts, [0, 0], 'the burst of 2 starts immediately');
    mock.timers.tick(499);
    await flush();
    assert.equal(starts.length, 2, 'nothing before the next token');
    mock.timers.tick(1);
    await flush();
    assert.deepEqual(starts, [0, 0, 500]);
    mock.timers.tick(500);
    await flush();
    await Promise.all(jobs);
    assert.deepEqual(starts, [0, 0, 500, 1000]);
  } finally {
    mock.timers.reset();
  }
});

test('a failing call releases its slot', async () => {
  const limiter = new RateLimiter({ concurrency: 1, perSecond: 1000, burst: 1000 });
  await assert.rejects(limiter.run(async () => { throw new Error('x'); }));
  assert.equal(await limiter.run(async () => 'next'), 'next');
  assert.equal(limiter.active, 0);
});

test('invalid limits are refused with every problem named', () => {
  assert.throws(() => new RateLimiter({ concurrency: 0, perSecond: 0, burst: 0 }), /concurrency.*got 0.*perSecond.*got 0.*burst.*got 0/);
});
