import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, InjectorError } from '../../common/errors.ts';
import type { PlannedExternalSecret } from '../../contract/injector-config-schema.ts';
import { collectFetches, runFetchCycle } from '../../injector/cloud/fetch-cycle.ts';
import { fetchId, type FetchRequest } from '../../injector/rules/fetch-types.ts';
import { RateLimiter } from '../../injector/cloud/rate-limit.ts';

const es = (name: string, keys: Array<Partial<FetchRequest> & { key: string }>): PlannedExternalSecret => ({
  name, provider: 'kms', data: keys.map((k) => ({ profile: 'p', ...k })), dataProcess: [],
});
/** Stands in for the rule engine's listFetches: one request per data entry. */
const listFetches = (e: PlannedExternalSecret): FetchRequest[] => e.data.map((d) => {
  const r: FetchRequest = { provider: e.provider, key: d.key, profile: d.profile };
  if (d.versionStage !== undefined) r.versionStage = d.versionStage;
  if (d.versionId !== undefined) r.versionId = d.versionId;
  return r;
});
const noWait = { attempts: 3, baseMs: 0, maxMs: 0, jitter: 0 };

test('collectFetches dedupes by fetchId across and within ExternalSecrets', () => {
  const cases = [
    { name: 'same key in two ExternalSecrets is fetched once', list: [es('a', [{ key: 'db' }]), es('b', [{ key: 'db' }])], want: 1 },
    { name: 'same key twice in one ExternalSecret is fetched once', list: [es('a', [{ key: 'db' }, { key: 'db', name: 'other' } as never])], want: 1 },
    { name: 'different stages are different fetches', list: [es('a', [{ key: 'db' }, { key: 'db', versionStage: 'ACSPrevious' }])], want: 2 },
    { name: 'different version ids are different fetches', list: [es('a', [{ key: 'db', versionId: 'v1' }, { key: 'db', versionId: 'v2' }])], want: 2 },
    { name: 'different keys are different fetches', list: [es('a', [{ key: 'db' }, { key: 'api' }])], want: 2 },
  ];
  for (const c of cases) assert.equal(collectFetches(c.list, listFetches).length, c.want, c.name);
});

test('runFetchCycle fetches each request once and maps results by fetchId', async () => {
  const calls: string[] = [];
  const reqs = collectFetches([es('a', [{ key: 'db' }, { key: 'api' }]), es('b', [{ key: 'db' }])], listFetches);
  const results = await runFetchCycle(reqs, {
    limiter: new RateLimiter({ concurrency: 2, perSecond: 1000, burst: 1000 }),
    fetchOne: async (r) => { calls.push(r.key); return { data: `value-of-${r.key}`, dataType: 'text', versionId: 'v1' }; },
  });
  assert.deepEqual(calls.sort(), ['api', 'db']);
  assert.deepEqual(results.get(fetchId({ provider: 'kms', key: 'db', profile: 'p' })), { data: 'value-of-db', dataType: 'text', versionId: 'v1' });
});

test('runFetchCycle retries retryable failures and records permanent ones without hiding the others', async () => {
  const attempts = new Map<string, number>();
  const reqs: FetchRequest[] = [{ provider: 'kms', key: 'flaky', profile: 'p' }, { provider: 'kms', key: 'denied', profile: 'p' }, { provider: 'oos', key: 'fine', profile: 'p' }];
  const outcomes: string[] = [];
  const results = await runFetchCycle(reqs, {
    limiter: new RateLimiter({ concurrency: 3, perSecond: 1000, burst: 1000 }),
    retryPolicy: noWait,
    onResult: (r, o) => outcomes.push(`${r.key}:${o instanceof Error ? o.code : 'ok'}`),
    fetchOne: async (r) => {
      const n = (attempts.get(r.key) ?? 0) + 1;
      attempts.set(r.key, n);
      if (r.key === 'flaky' && n < 3) throw new InjectorError(ErrorCode.PROVIDER, 'throttled', { retryable: true });
      if (r.key === 'denied') throw new InjectorError(ErrorCode.PROVIDER, 'Forbidden.NoPermission', { retryable: false });
      return { data: 'x', dataType: 'text' };
    },
  });
  assert.equal(attempts.get('flaky'), 3);
  assert.equal(attempts.get('denied'), 1);
  assert.ok(!(results.get(fetchId(reqs[0]!)) instanceof Error), 'flaky succeeded on the third attempt');
  const denied = results.get(fetchId(reqs[1]!));
  assert.ok(denied instanceof InjectorError && denied.message === 'Forbidden.NoPermission');
  assert.ok(!(results.get(fetchId(reqs[2]!)) instanceof Error));
  assert.deepEqual(outcomes.sort(), ['denied:E_PROVIDER', 'fine:ok', 'flaky:ok']);
});

test('runFetchCycle turns an unexpected throw into a non-retryable E_PROVIDER', async () => {
  const r: FetchRequest = { provider: 'kms', key: 'k', profile: 'p' };
  const results = await runFetchCycle([r], { limiter: new RateLimiter({ concurrency: 1, perSecond: 1000, burst: 1000 }), retryPolicy: noWait, fetchOne: async () => { throw new TypeError('bug'); } });
  const e = results.get(fetchId(r));
  assert.ok(e instanceof InjectorError && e.code === ErrorCode.PROVIDER && !e.retryable);
});

test('an aborted cycle records remaining requests as cancelled without calling them', async () => {
  const ac = new AbortController();
  ac.abort();
  let called = 0;
  const r: FetchRequest = { provider: 'kms', key: 'k', profile: 'p' };
  const results = await runFetchCycle([r], { limiter: new RateLimiter({ concurrency: 1, perSecond: 1000, burst: 1000 }), signal: ac.signal, fetchOne: async () => { called++; return { data: 'x', dataType: 'text' }; } });
  assert.equal(called, 0);
  const e = results.get(fetchId(r));
  assert.ok(e instanceof InjectorError && e.detail.cloudCode === 'Cancelled');
});
