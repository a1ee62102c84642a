import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { ErrorCode, hasCode } from '../../common/errors.ts';
import type { InjectorConfig } from '../../contract/injector-config-schema.ts';
import type { StsApi } from '../../injector/cloud/credentials.ts';
import { refreshLimiter } from '../../injector/agent-command.ts';
import { buildInjectorRuntime } from '../../injector/injector-runtime.ts';

const base: InjectorConfig = {
  version: 1, pod: { namespace: 'ns', serviceAccount: 'sa' }, region: 'cn-hangzhou', mountPath: '/mnt', tokenPath: '/token',
  refreshIntervalSeconds: 60, fileMode: 0o440, healthPort: 0, endpoints: {},
  profiles: [{ id: 'p', kind: 'rrsa', roleArn: 'acs:ram::1:role/r', oidcProviderArn: 'acs:ram::1:oidc-provider/x', roleSessionName: 's' }],
  externalSecrets: [{ name: 'db', provider: 'kms', data: [{ key: 'db', profile: 'p' }], dataProcess: [] }],
};
const silent = new Writable({ write(_c, _e, cb) { cb(); } });
const sts: StsApi = { assumeRoleWithOidc: async () => { throw new Error('not called'); }, assumeRole: async () => { throw new Error('not called'); } };

test('runtime: every bad endpoint is reported at start, together', () => {
  const cfg: InjectorConfig = { ...base, externalSecrets: [{ name: 'db', provider: 'kms', data: [{ key: 'db', profile: 'p', kmsEndpoint: '100.100.100.200' }], dataProcess: [{ extract: { key: 'x', profile: 'p', kmsEndpoint: 'kms.evil.example' } }] }] };
  assert.throws(
    () => buildInjectorRuntime('init', { SECRET_INJECTOR_CONFIG: JSON.stringify(cfg), ALIBABA_CLOUD_STS_ENDPOINT: 'https://sts.aliyuncs.com' }, { sts, logDestination: silent }),
    (e) => hasCode(e, ErrorCode.CONFIG) && /STS endpoint \(from environment\)/.test(e.message) && /100\.100\.100\.200/.test(e.message) && /kms\.evil\.example/.test(e.message),
  );
});

test('runtime: a missing or invalid config is E_CONFIG before anything else', () => {
  assert.throws(() => buildInjectorRuntime('agent', {}, { sts, logDestination: silent }), (e) => hasCode(e, ErrorCode.CONFIG) && /SECRET_INJECTOR_CONFIG is not set/.test(e.message));
  assert.throws(() => buildInjectorRuntime('agent', { SECRET_INJECTOR_CONFIG: '{"version":1}' }, { sts, logDestination: silent }), (e) => hasCode(e, ErrorCode.CONFIG) && /config\.region/.test(e.message));
});

test('runtime: a valid config builds one credential source per profile and logs the chosen endpoints', () => {
  const lines: string[] = [];
  const sink = new Writable({ write(c, _e, cb) { lines.push(String(c)); cb(); } });
  const rt = buildInjectorRuntime('init', { SECRET_INJECTOR_CONFIG: JSON.stringify(base), ALIBABA_CLOUD_STS_ENDPOINT: 'sts-vpc.cn-shanghai.aliyuncs.com' }, { sts, logDestination: sink });
  assert.deepEqual([...rt.credentials.keys()], ['p']);
  assert.match(lines.join(''), /"sts":"sts-vpc\.cn-shanghai\.aliyuncs\.com \(environment\)"/);
  assert.match(lines.join(''), /"kms":\["kms-vpc\.cn-hangzhou\.aliyuncs\.com \(default\)"\]/);
});

test('runtime: the spread agent paces routine refreshes but fills an empty folder unpaced; init never paces', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
  const tenSecrets: InjectorConfig = { ...base, refreshIntervalSeconds: 120, externalSecrets: [{ name: 'db', provider: 'kms', data: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, profile: 'p' })), dataProcess: [] }] };
  const env = { SECRET_INJECTOR_CONFIG: JSON.stringify(tenSecrets) };
  const agent = buildInjectorRuntime('agent', env, { sts, logDestination: silent, random: () => 0.5 });
  const init = buildInjectorRuntime('init', env, { sts, logDestination: silent });
  assert.notEqual(agent.phase, undefined);
  assert.equal(init.limiter, init.fillLimiter);
  // Ten starts with the clock frozen: how many get through without waiting for a token.
  const startsWithoutWaiting = async (limiter: typeof agent.limiter): Promise<number> => {
    let started = 0;
    const jobs = Array.from({ length: 10 }, () => limiter.run(async () => { started++; }));
    for (let i = 0; i < 20; i++) await Promise.resolve();
    await new Promise<void>((resolve) => setImmediate(resolve));
    t.mock.timers.tick(60_000);
    await Promise.all(jobs);
    return started;
  };
  const cases: Array<[string, typeof agent.limiter, number]> = [
    ['agent fill (skip-init: the pod waits on it)', agent.fillLimiter, 10],
    ['init', init.limiter, 10],
  ];
  for (const [name, limiter, expected] of cases) assert.equal(await startsWithoutWaiting(limiter), expected, name);
  let pacedBeforeTick = 0;
  const paced = Array.from({ length: 10 }, () => agent.limiter.run(async () => { pacedBeforeTick++; }));
  for (let i = 0; i < 20; i++) await Promise.resolve();
  assert.equal(pacedBeforeTick, 1, 'the routine refresh of 10 secrets at 120 s leaves one call at a time (burst 1)');
  for (let i = 0; i < 10; i++) { t.mock.timers.tick(1000); for (let j = 0; j < 20; j++) await Promise.resolve(); }
  await Promise.all(paced);
});

test('runtime: refreshLimiter picks the fill limiter while a due ExternalSecret has no files', () => {
  const rt = { limiter: {} as never, fillLimiter: {} as never, config: { ...base, externalSecrets: [{ name: 'a', provider: 'kms', data: [], dataProcess: [] }, { name: 'b', provider: 'kms', data: [], dataProcess: [] }] } as never };
  const files = new Map([['x', 'y']]);
  const cases: Array<[string, readonly string[] | undefined, string[], 'fill' | 'paced']> = [
    ['skip-init: nothing written yet, all due', undefined, [], 'fill'],
    ['every due folder has files', ['a', 'b'], ['a', 'b'], 'paced'],
    ['one due folder is still empty', ['a', 'b'], ['a'], 'fill'],
    ['the empty folder is not due in this round', ['a'], ['a'], 'paced'],
    ['all due, all written', undefined, ['a', 'b'], 'paced'],
  ];
  for (const [name, due, written, expected] of cases) {
    const lastGood = new Map(written.map((n) => [n, files as never]));
    assert.equal(refreshLimiter(rt, due, lastGood), expected === 'fill' ? rt.fillLimiter : rt.limiter, name);
  }
});
