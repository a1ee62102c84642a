/**
 * keepLastGood: the 0.6.5+ partial-failure merge the agent applies before writing, so a failed
 * source keeps its last good files while the others refresh.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InjectorError } from '../../common/errors.ts';
import { applyRules, keepLastGood, listFetches } from '../../injector/rules/index.ts';
import { fetchId, type FetchedValue } from '../../injector/rules/fetch-types.ts';
import type { PlannedExternalSecret } from '../../contract/injector-config-schema.ts';

const es: PlannedExternalSecret = {
  name: 'app',
  provider: 'kms',
  data: [
    { key: 'db', profile: 'p', jmesPath: [{ path: 'user', objectAlias: 'username' }, { path: 'pass', objectAlias: 'password' }] },
    { key: 'token', profile: 'p', name: 'api-token' },
  ],
  dataProcess: [{ extract: { key: 'cfg', profile: 'p' } }],
};
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (m: ReadonlyMap<string, Uint8Array>): Record<string, string> => Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, new TextDecoder().decode(v)]));
const down = new InjectorError('E_PROVIDER', 'Throttling', { retryable: true });
const values = (over: Partial<Record<'db' | 'token' | 'cfg', FetchedValue | InjectorError>>): Map<string, FetchedValue | InjectorError> => {
  const base: Record<string, FetchedValue | InjectorError> = {
    db: { data: '{"user":"u2","pass":"p2"}', dataType: 'text' },
    token: { data: 't2', dataType: 'text' },
    cfg: { data: '{"a":"a2","b":"b2"}', dataType: 'text' },
    ...over,
  };
  return new Map(listFetches(es).map((r) => [fetchId(r), base[r.key]!]));
};
const previous = new Map(Object.entries({ username: 'u1', password: 'p1', 'api-token': 't1', a: 'a1', b: 'b1', stale: 's1' }).map(([k, v]) => [k, enc(v)]));

describe('keepLastGood', () => {
  const table: { name: string; over: Parameters<typeof values>[0]; want: Record<string, string>; failedEntries: string[] }[] = [
    { name: 'no failure: the new set wins and stale keys go', over: {}, want: { a: 'a2', 'api-token': 't2', b: 'b2', password: 'p2', username: 'u2' }, failedEntries: [] },
    { name: 'a failed jmesPath entry keeps its alias keys', over: { db: down }, want: { a: 'a2', 'api-token': 't2', b: 'b2', password: 'p1', username: 'u1' }, failedEntries: ['data[0]'] },
    { name: 'a failed plain entry keeps its name key', over: { token: down }, want: { a: 'a2', 'api-token': 't1', b: 'b2', password: 'p2', username: 'u2' }, failedEntries: ['data[1]'] },
    { name: 'a failed extract keeps every previous key not produced now', over: { cfg: down }, want: { a: 'a1', 'api-token': 't2', b: 'b1', password: 'p2', stale: 's1', username: 'u2' }, failedEntries: ['dataProcess[0]'] },
  ];
  for (const t of table) {
    it(t.name, () => {
      const applied = applyRules(es, values(t.over));
      assert.deepEqual(applied.failures.map((f) => f.entry), t.failedEntries);
      assert.ok(applied.failures.every((f) => f.scope === 'entry'));
      assert.deepEqual(dec(keepLastGood(es, previous, applied)), t.want);
    });
  }
  it('an invalid key is a key-scoped failure that keeps nothing', () => {
    const bad: PlannedExternalSecret = { ...es, data: [{ key: 'db', profile: 'p', jmesPath: [{ path: 'user', objectAlias: 'a/b' }, { path: 'pass', objectAlias: 'password' }] }], dataProcess: [] };
    const applied = applyRules(bad, new Map([[fetchId({ provider: 'kms', key: 'db', profile: 'p' }), { data: '{"user":"u","pass":"p"}', dataType: 'text' }]]));
    assert.deepEqual(applied.failures.map((f) => [f.key, f.scope, f.entry]), [['a/b', 'key', 'data[0]']]);
    assert.deepEqual(dec(keepLastGood(bad, previous, applied)), { password: 'p' });
  });
});
