import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { ErrorCode, InjectorError } from '../../common/errors.ts';
import { createLogger } from '../../common/log.ts';
import type { PlannedExternalSecret } from '../../contract/injector-config-schema.ts';
import { createInjectorMetrics } from '../../injector/injector-metrics.ts';
import { RateLimiter } from '../../injector/cloud/rate-limit.ts';
import { refreshOnce, type FileSet, type RefreshDeps } from '../../injector/refresh.ts';
import type { FetchRequest } from '../../injector/rules/fetch-types.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();
const text = (files: FileSet | undefined): Record<string, string> => Object.fromEntries([...(files ?? new Map())].map(([k, v]) => [k, dec.decode(v)]));

/** A world of values; a key in `failing` fails with the given retryability. */
function deps(values: Record<string, string>, failing: Record<string, boolean>, externalSecrets: PlannedExternalSecret[]): { d: RefreshDeps; writes: Array<[string, Record<string, string>]> } {
  const writes: Array<[string, Record<string, string>]> = [];
  const written = new Map<string, string>();
  const d: RefreshDeps = {
    externalSecrets,
    mountPath: '/mnt',
    limiter: new RateLimiter({ concurrency: 4, perSecond: 1000, burst: 1000 }),
    retryPolicy: { attempts: 1, baseMs: 0, maxMs: 0, jitter: 0 },
    logger: createLogger({ name: 't' }, new Writable({ write(_c, _e, cb) { cb(); } })),
    metrics: createInjectorMetrics(),
    fetchOne: async (r: FetchRequest) => {
      if (r.key in failing) throw new InjectorError(ErrorCode.PROVIDER, `KMS ${r.key}: failed`, { retryable: failing[r.key] ?? false });
      const v = values[r.key];
      if (v === undefined) throw new InjectorError(ErrorCode.PROVIDER, `KMS ${r.key}: Forbidden.ResourceNotFound`);
      return { data: v, dataType: 'text' };
    },
    write: async (dir, files) => {
      const snapshot = JSON.stringify(text(files));
      const changed = written.get(dir) !== snapshot;
      written.set(dir, snapshot);
      writes.push([dir, text(files)]);
      return changed;
    },
  };
  return { d, writes };
}
const es = (name: string, keys: string[]): PlannedExternalSecret => ({ name, provider: 'kms', data: keys.map((k) => ({ key: k, name: k, profile: 'p' })), dataProcess: [] });

test('a clean refresh writes every folder and keys removed upstream disappear', async () => {
  const last = new Map<string, FileSet>([['a', new Map([['old', enc.encode('x')]])]]);
  const { d, writes } = deps({ k1: 'v1', k2: 'v2' }, {}, [es('a', ['k1']), es('b', ['k2'])]);
  const out = await refreshOnce(d, last);
  assert.deepEqual(writes, [['/mnt/a', { k1: 'v1' }], ['/mnt/b', { k2: 'v2' }]]);
  assert.deepEqual(out, { changed: ['a', 'b'], kept: [], failures: [], complete: true, clean: true, aborted: false, zeroOutput: [], removed: [] });
  assert.deepEqual(text(last.get('a')), { k1: 'v1' });
});

test('partial failure merges: fresh keys written, the failed entry keeps its previous value', async () => {
  const last = new Map<string, FileSet>([['a', new Map([['k1', enc.encode('old1')], ['k2', enc.encode('old2')]])]]);
  const { d, writes } = deps({ k1: 'new1', k2: 'new2' }, { k2: true }, [es('a', ['k1', 'k2'])]);
  const out = await refreshOnce(d, last);
  assert.deepEqual(writes, [['/mnt/a', { k1: 'new1', k2: 'old2' }]]);
  assert.equal(out.clean, false);
  assert.equal(out.complete, true);
  assert.deepEqual(out.failures.map((f) => [f.externalSecret, f.key, f.code, f.retryable]), [['a', 'k2', 'E_PROVIDER', true]]);
});

test('partial failure keeps only the failed entry\'s last good keys: a key the successful entry dropped disappears', async () => {
  // Entry A (dataProcess[0], an extract) succeeds but no longer produces "b"; entry B (data[0]) fails.
  const app: PlannedExternalSecret = { name: 'app', provider: 'kms', data: [{ key: 'token', name: 'token', profile: 'p' }], dataProcess: [{ extract: { key: 'cfg', profile: 'p' } }] };
  const last = new Map<string, FileSet>([['app', new Map([['a', enc.encode('a1')], ['b', enc.encode('b1')], ['token', enc.encode('t1')]])]]);
  const { d, writes } = deps({ cfg: '{"a":"a2"}' }, { token: true }, [app]);
  const out = await refreshOnce(d, last);
  assert.deepEqual(writes, [['/mnt/app', { a: 'a2', token: 't1' }]], 'B keeps "token" from the last good set; "b" is gone');
  assert.deepEqual(text(last.get('app')), { a: 'a2', token: 't1' }, 'the merged set is the next last good state');
  assert.deepEqual(out.changed, ['app']);
  assert.equal(out.clean, false);
  assert.equal(out.complete, true);
  assert.deepEqual(out.failures.map((f) => [f.key, f.entry, f.scope]), [['token', 'data[0]', 'entry']]);
});

test('a failed extract entry keeps every previous key the successful entries do not produce now', async () => {
  const app: PlannedExternalSecret = { name: 'app', provider: 'kms', data: [{ key: 'token', name: 'token', profile: 'p' }], dataProcess: [{ extract: { key: 'cfg', profile: 'p' } }] };
  const last = new Map<string, FileSet>([['app', new Map([['a', enc.encode('a1')], ['b', enc.encode('b1')], ['token', enc.encode('t1')]])]]);
  const { d, writes } = deps({ token: 't2' }, { cfg: true }, [app]);
  await refreshOnce(d, last);
  assert.deepEqual(writes, [['/mnt/app', { token: 't2', a: 'a1', b: 'b1' }]]);
});

test('an invalid key is dropped without making the set partial: the other keys are written, even as a first version', async () => {
  const { d, writes } = deps({ 'bad/key': 'v', k1: 'v1' }, {}, [es('a', ['bad/key', 'k1'])]);
  const out = await refreshOnce(d, new Map([['a', new Map([['k1', enc.encode('old')], ['gone', enc.encode('x')]])]]));
  assert.deepEqual(writes, [['/mnt/a', { k1: 'v1' }]], 'no last good key is carried over for a dropped invalid key');
  const first = deps({ 'bad/key': 'v', k1: 'v1' }, {}, [es('a', ['bad/key', 'k1'])]);
  const firstOut = await refreshOnce(first.d, new Map());
  assert.deepEqual(first.writes, [['/mnt/a', { k1: 'v1' }]]);
  for (const o of [out, firstOut]) {
    assert.equal(o.clean, false, 'the dropped key is still a reported failure');
    assert.equal(o.complete, true);
    assert.deepEqual(o.failures.map((f) => [f.key, f.scope]), [['bad/key', 'key']]);
  }
});

test('a total failure writes nothing and keeps the folder', async () => {
  const last = new Map<string, FileSet>([['a', new Map([['k1', enc.encode('old1')]])]]);
  const { d, writes } = deps({}, { k1: false }, [es('a', ['k1'])]);
  const out = await refreshOnce(d, last);
  assert.deepEqual(writes, []);
  assert.deepEqual(out.kept, ['a']);
  assert.equal(out.complete, true, 'the folder still has its last good files');
  assert.equal(out.failures[0]?.retryable, false);
});

test('with no last good files, a partial result is never written as a first version', async () => {
  const { d, writes } = deps({ k1: 'v1' }, { k2: true }, [es('a', ['k1', 'k2']), es('b', ['k1'])]);
  const out = await refreshOnce(d, new Map());
  assert.deepEqual(writes, [['/mnt/b', { k1: 'v1' }]]);
  assert.deepEqual(out.kept, ['a']);
  assert.equal(out.complete, false);
});

test('an unchanged refresh reports no changed folder', async () => {
  const last = new Map<string, FileSet>();
  const { d } = deps({ k1: 'v1' }, {}, [es('a', ['k1'])]);
  assert.deepEqual((await refreshOnce(d, last)).changed, ['a']);
  assert.deepEqual((await refreshOnce(d, last)).changed, []);
});

test('an aborted cycle writes nothing', async () => {
  const ac = new AbortController();
  ac.abort();
  const { d, writes } = deps({ k1: 'v1' }, {}, [es('a', ['k1'])]);
  const out = await refreshOnce({ ...d, signal: ac.signal }, new Map());
  assert.equal(out.aborted, true);
  assert.deepEqual(writes, []);
});

test('a rule failure (invalid key) is reported as not retryable', async () => {
  const { d } = deps({ 'bad/key': 'v' }, {}, [es('a', ['bad/key'])]);
  const out = await refreshOnce(d, new Map());
  assert.deepEqual(out.failures.map((f) => [f.code, f.retryable]), [[ErrorCode.RULE, false]]);
});

test('templates: rendered per refresh from the current sources; an execution error keeps the last good files (fail-closed)', async () => {
  const tpl: PlannedExternalSecret = { ...es('t', ['user']), template: { mergePolicy: 'Replace', data: { dsn: 'pg://{{ .user }}@db' }, templateFrom: [{ configMap: { name: 'cm', items: [{ key: 'conf', templateAs: 'Values' }] } }] } };
  const last = new Map<string, FileSet>();
  let conf = 'user={{ .user }}';
  const { d, writes } = deps({ user: 'alice' }, {}, [tpl]);
  d.templateSources = async () => new Map([['configMap/cm/conf', conf]]);
  let out = await refreshOnce(d, last);
  assert.deepEqual(writes.at(-1), ['/mnt/t', { dsn: 'pg://alice@db', conf: 'user=alice' }]);
  assert.equal(out.clean, true);
  conf = 'edited {{ .user | upper }}';
  out = await refreshOnce(d, last);
  assert.deepEqual(writes.at(-1), ['/mnt/t', { dsn: 'pg://alice@db', conf: 'edited ALICE' }], 'an edited ConfigMap reaches the files at the next refresh');
  conf = '{{ .user.name }}';
  const before = writes.length;
  out = await refreshOnce(d, last);
  assert.equal(writes.length, before, 'nothing written: the last good files stay');
  assert.deepEqual(out.kept, ['t']);
  assert.deepEqual(out.failures.map((f) => [f.externalSecret, f.key, f.code, f.retryable]), [['t', 'configMap/cm/conf', 'E_TEMPLATE', false]]);
  assert.doesNotMatch(out.failures[0]!.message, /alice/, 'the message never carries a value');
  assert.deepEqual(text(last.get('t')), { dsn: 'pg://alice@db', conf: 'edited ALICE' });
  assert.match(await d.metrics.registry.metrics(), /template_failures_total\{external_secret="t"\} 1/);
});

test('templates: the first refresh with a template error writes nothing and is incomplete (init fails naming the ExternalSecret)', async () => {
  const tpl: PlannedExternalSecret = { ...es('t', ['user']), template: { mergePolicy: 'Replace', data: { out: '{{ fail "no" }}' }, templateFrom: [] } };
  const { d, writes } = deps({ user: 'alice' }, {}, [tpl]);
  const out = await refreshOnce(d, new Map());
  assert.deepEqual(writes, []);
  assert.equal(out.complete, false);
  assert.deepEqual(out.failures.map((f) => [f.externalSecret, f.key, f.code]), [['t', 'out', 'E_TEMPLATE']]);
});

/** An ExternalSecret that extracts every top-level key of one JSON secret. */
const extractEs = (name: string, key: string): PlannedExternalSecret => ({ name, provider: 'kms', data: [], dataProcess: [{ extract: { key, profile: 'p' } }] });
/** A fetch that fails with a cloud code (what toInjectorError produces). */
function cloudFailure(key: string, cloudCode: string, retryable: boolean): InjectorError {
  return new InjectorError(ErrorCode.PROVIDER, `KMS GetSecretValue ${JSON.stringify(key)}: ${cloudCode}`, { retryable, detail: { service: 'kms', cloudCode } });
}

test('zero-output guard: a clean refresh yielding no keys keeps the last good files and reports it', async () => {
  const last = new Map<string, FileSet>([['a', new Map([['user', enc.encode('u')]])]]);
  const { d, writes } = deps({ conf: '{}' }, {}, [extractEs('a', 'conf')]);
  const out = await refreshOnce(d, last);
  assert.deepEqual(writes, []);
  assert.deepEqual([out.zeroOutput, out.kept, out.clean], [['a'], ['a'], true]);
  assert.deepEqual(text(last.get('a')), { user: 'u' });
});

test('zero-output guard: with no last good files, the empty folder is written (first version)', async () => {
  const { d, writes } = deps({ conf: '{}' }, {}, [extractEs('a', 'conf')]);
  const out = await refreshOnce(d, new Map());
  assert.deepEqual(writes, [['/mnt/a', {}]]);
  assert.deepEqual(out.zeroOutput, []);
});

test('cleanup opt-in: files are removed after N refreshes whose every source is gone for good; never without it', async () => {
  for (const [name, code, retryable, after, removedAt] of [
    ['not found, after 3', 'Forbidden.ResourceNotFound', false, 3, 3],
    ['access denied (OOS RAM), after 2', 'Forbidden.RAM', false, 2, 2],
    ['throttling never counts', 'Throttling.User', true, 1, undefined],
    ['no opt-in: kept forever', 'Forbidden.ResourceNotFound', false, undefined, undefined],
  ] as const) {
    const last = new Map<string, FileSet>([['a', new Map([['k1', enc.encode('old')]])]]);
    const { d, writes } = deps({}, {}, [es('a', ['k1'])]);
    d.fetchOne = async (r) => { throw cloudFailure(r.key, code, retryable); };
    if (after !== undefined) d.cleanup = { after, counts: new Map() };
    let removed: number | undefined;
    for (let i = 1; i <= 4 && removed === undefined; i++) {
      const out = await refreshOnce(d, last);
      if (out.removed.includes('a')) removed = i;
    }
    assert.equal(removed, removedAt, name);
    if (removedAt !== undefined) {
      assert.deepEqual(writes, [['/mnt/a', {}]], name);
      assert.deepEqual(text(last.get('a')), {}, name);
    } else assert.deepEqual(writes, [], name);
  }
});

test('cleanup opt-in: a success in between resets the count', async () => {
  const last = new Map<string, FileSet>([['a', new Map([['k1', enc.encode('old')]])]]);
  const { d } = deps({}, {}, [es('a', ['k1'])]);
  d.cleanup = { after: 2, counts: new Map() };
  const answers = [false, true, false, false];
  let call = 0;
  d.fetchOne = async (r) => { if (answers[call++] === true) return { data: 'v', dataType: 'text' }; throw cloudFailure(r.key, 'Forbidden.ResourceNotFound', false); };
  const removed: boolean[] = [];
  for (let i = 0; i < 4; i++) removed.push((await refreshOnce(d, last)).removed.length > 0);
  assert.deepEqual(removed, [false, false, false, true]);
});
