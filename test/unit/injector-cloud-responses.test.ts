import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, hasCode } from '../../common/errors.ts';
import { createInjectorMetrics, recordFetch } from '../../injector/injector-metrics.ts';
import { parseGetSecretValue } from '../../injector/cloud/kms-client.ts';
import { parseGetSecretParameter } from '../../injector/cloud/oos-client.ts';
import { parseStsCredentials } from '../../injector/cloud/sts-client.ts';

test('KMS GetSecretValue bodies: text, binary, and malformed', () => {
  const bytes = new Uint8Array([0, 255, 1, 128]);
  const b64 = Buffer.from(bytes).toString('base64');
  const cases = [
    { name: 'text secret as is', body: { SecretData: 'hello', SecretDataType: 'text', VersionId: 'v1' }, want: { data: 'hello', dataType: 'text', versionId: 'v1' } },
    { name: 'missing SecretDataType is text', body: { SecretData: 'x' }, want: { data: 'x', dataType: 'text' } },
    { name: 'binary secret is base64-decoded bytes', body: { SecretData: b64, SecretDataType: 'binary', VersionId: 'v2' }, want: { data: bytes, dataType: 'binary', versionId: 'v2' } },
  ];
  for (const c of cases) assert.deepEqual(parseGetSecretValue(c.body, 's'), c.want, c.name);
  const bad = [
    { name: 'no SecretData', body: { SecretDataType: 'text' }, why: /secret data is empty/ },
    { name: 'binary that is not base64', body: { SecretData: 'not*base64!', SecretDataType: 'binary' }, why: /not valid base64/ },
  ];
  for (const c of bad) assert.throws(() => parseGetSecretValue(c.body, 'db'), (e) => hasCode(e, ErrorCode.PROVIDER) && c.why.test(e.message) && e.message.includes('"db"') && !e.retryable, c.name);
});

test('OOS GetSecretParameter bodies', () => {
  assert.deepEqual(parseGetSecretParameter({ Parameter: { Value: 'v', ParameterVersion: 3 } }, 'p'), { data: 'v', dataType: 'text', versionId: '3' });
  assert.throws(() => parseGetSecretParameter({ Parameter: { Name: 'p' } }, 'p'), (e) => hasCode(e, ErrorCode.PROVIDER) && /no Parameter\.Value/.test(e.message));
});

test('STS Credentials bodies: complete or a clear E_CREDENTIALS', () => {
  const ok = parseStsCredentials({ Credentials: { AccessKeyId: 'STS.a', AccessKeySecret: 'b', SecurityToken: 'c', Expiration: '2030-01-01T00:00:00Z' } }, 'AssumeRoleWithOIDC', 'r');
  assert.deepEqual(ok, { accessKeyId: 'STS.a', accessKeySecret: 'b', securityToken: 'c', expiresAt: Date.UTC(2030, 0, 1) });
  for (const body of [{}, { Credentials: { AccessKeyId: 'a', AccessKeySecret: 'b', SecurityToken: 'c' } }, { Credentials: { AccessKeyId: 'a', AccessKeySecret: 'b', Expiration: '2030-01-01T00:00:00Z' } }]) {
    assert.throws(() => parseStsCredentials(body, 'AssumeRole', 'acs:ram::1:role/x'), (e) => hasCode(e, ErrorCode.CREDENTIALS) && e.message.includes('acs:ram::1:role/x'));
  }
});

test('version metric: one series per key, the old version removed, never a value', async () => {
  const m = createInjectorMetrics();
  const r = { provider: 'kms' as const, key: 'db', profile: 'p' };
  recordFetch(m, r, { data: 'secret-one', dataType: 'text', versionId: 'v1' }, 5);
  recordFetch(m, r, { data: 'secret-two', dataType: 'text', versionId: 'v2' }, 5);
  const text = await m.inventory.metrics();
  assert.doesNotMatch(await m.registry.metrics(), /secret_version_info|key="db"/, 'the always-served registry names no secret');
  assert.match(text, /secret_version_info\{provider="kms",key="db",version_id="v2",data_type="text"\} 1/);
  assert.doesNotMatch(text, /version_id="v1"/);
  assert.doesNotMatch(text, /secret-one|secret-two/);
});
