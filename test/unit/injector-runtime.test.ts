import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { ErrorCode, hasCode } from '../../common/errors.ts';
import type { InjectorConfig } from '../../contract/injector-config-schema.ts';
import type { StsApi } from '../../injector/cloud/credentials.ts';
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
