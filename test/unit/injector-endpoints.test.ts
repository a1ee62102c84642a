import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endpointProblem, resolveKmsEndpoint, resolveOosEndpoint, resolveStsEndpoint } from '../../injector/cloud/endpoints.ts';
import { readEnvironment } from '../../injector/environment.ts';
import { hasCode, ErrorCode } from '../../common/errors.ts';

const region = 'cn-hangzhou';
const noEnv = { stsEndpoint: undefined, testLoopbackEndpoint: undefined };

test('STS endpoint priority: config > ALIBABA_CLOUD_STS_ENDPOINT > sts-vpc.<region>', () => {
  const cases = [
    { name: 'config wins over environment', endpoints: { sts: 'sts.cn-shanghai.aliyuncs.com' }, env: 'sts-vpc.cn-beijing.aliyuncs.com', host: 'sts.cn-shanghai.aliyuncs.com', source: 'config' },
    { name: 'environment used without config', endpoints: {}, env: 'sts-vpc.cn-beijing.aliyuncs.com', host: 'sts-vpc.cn-beijing.aliyuncs.com', source: 'environment' },
    { name: 'default is the VPC endpoint of the region', endpoints: {}, env: undefined, host: 'sts-vpc.cn-hangzhou.aliyuncs.com', source: 'default' },
    { name: 'central sts.aliyuncs.com is accepted', endpoints: { sts: 'sts.aliyuncs.com' }, env: undefined, host: 'sts.aliyuncs.com', source: 'config' },
  ];
  for (const c of cases) {
    const r = resolveStsEndpoint({ endpoints: c.endpoints, region }, { stsEndpoint: c.env, testLoopbackEndpoint: undefined });
    assert.equal(r.host, c.host, c.name);
    assert.equal(r.source, c.source, c.name);
    assert.equal(r.connectTo, c.host, c.name);
  }
});

test('KMS endpoint priority: entry > config > kms-vpc.<region>, dedicated gateway gets the CA', () => {
  const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  const cases = [
    { name: 'entry kmsEndpoint wins', entry: 'kms.cn-shanghai.aliyuncs.com', cfg: { kms: 'kms-vpc.cn-beijing.aliyuncs.com' }, host: 'kms.cn-shanghai.aliyuncs.com', source: 'entry', ca: undefined },
    { name: 'config used when the entry has none', entry: undefined, cfg: { kms: 'kms-vpc.cn-beijing.aliyuncs.com' }, host: 'kms-vpc.cn-beijing.aliyuncs.com', source: 'config', ca: undefined },
    { name: 'empty entry endpoint falls through', entry: '', cfg: {}, host: 'kms-vpc.cn-hangzhou.aliyuncs.com', source: 'default', ca: undefined },
    { name: 'dedicated instance gateway carries kmsCaPem', entry: 'kst-hzz65f1.cryptoservice.kms.aliyuncs.com', cfg: {}, host: 'kst-hzz65f1.cryptoservice.kms.aliyuncs.com', source: 'entry', ca },
  ];
  for (const c of cases) {
    const r = resolveKmsEndpoint(c.entry, { endpoints: c.cfg, region, kmsCaPem: ca }, noEnv);
    assert.equal(r.host, c.host, c.name);
    assert.equal(r.source, c.source, c.name);
    assert.equal(r.ca, c.ca, c.name);
  }
});

test('OOS endpoint priority: config > oos-vpc.<region>', () => {
  assert.equal(resolveOosEndpoint({ endpoints: { oos: 'oos.cn-shanghai.aliyuncs.com' }, region }, noEnv).host, 'oos.cn-shanghai.aliyuncs.com');
  assert.equal(resolveOosEndpoint({ endpoints: {}, region }, noEnv).host, 'oos-vpc.cn-hangzhou.aliyuncs.com');
});

test('endpoint validation table (ack-secret-manager 0.6.4+ rules)', () => {
  const cases: Array<{ name: string; service: 'sts' | 'kms' | 'oos'; host: string; ok: boolean; mentions?: string }> = [
    { name: 'kms public regional', service: 'kms', host: 'kms.cn-hangzhou.aliyuncs.com', ok: true },
    { name: 'kms vpc regional', service: 'kms', host: 'kms-vpc.ap-southeast-1.aliyuncs.com', ok: true },
    { name: 'kms dedicated instance', service: 'kms', host: 'kst-abc123.cryptoservice.kms.aliyuncs.com', ok: true },
    { name: 'kms with https scheme', service: 'kms', host: 'https://kms.cn-hangzhou.aliyuncs.com', ok: false, mentions: 'scheme' },
    { name: 'kms with a port', service: 'kms', host: 'kms.cn-hangzhou.aliyuncs.com:443', ok: false, mentions: 'port' },
    { name: 'kms metadata service IP', service: 'kms', host: '100.100.100.200', ok: false, mentions: 'IP address' },
    { name: 'kms loopback IP with port', service: 'kms', host: '127.0.0.1:8443', ok: false, mentions: 'IP address' },
    { name: 'kms IPv6 literal', service: 'kms', host: '[::1]', ok: false, mentions: 'IP address' },
    { name: 'kms upper case', service: 'kms', host: 'KMS.cn-hangzhou.aliyuncs.com', ok: false, mentions: 'lower case' },
    { name: 'kms foreign domain', service: 'kms', host: 'kms.cn-hangzhou.aliyuncs.com.evil.example', ok: false, mentions: 'not an Alibaba Cloud KMS endpoint' },
    { name: 'kms host of another service', service: 'kms', host: 'oos.cn-hangzhou.aliyuncs.com', ok: false, mentions: 'not an Alibaba Cloud KMS endpoint' },
    { name: 'kms empty', service: 'kms', host: '', ok: false, mentions: 'empty' },
    { name: 'sts vpc', service: 'sts', host: 'sts-vpc.cn-hangzhou.aliyuncs.com', ok: true },
    { name: 'sts central', service: 'sts', host: 'sts.aliyuncs.com', ok: true },
    { name: 'sts metadata host', service: 'sts', host: 'metadata.internal', ok: false, mentions: 'not an Alibaba Cloud STS endpoint' },
    { name: 'oos vpc', service: 'oos', host: 'oos-vpc.cn-hangzhou.aliyuncs.com', ok: true },
    { name: 'oos without region', service: 'oos', host: 'oos.aliyuncs.com', ok: false, mentions: 'not an Alibaba Cloud OOS endpoint' },
  ];
  for (const c of cases) {
    const problem = endpointProblem(c.service, c.host);
    if (c.ok) assert.equal(problem, undefined, c.name);
    else {
      assert.ok(problem !== undefined, `${c.name}: expected a problem`);
      assert.ok(problem.includes(c.mentions ?? ''), `${c.name}: ${problem}`);
      if (c.host !== '') assert.ok(problem.includes(JSON.stringify(c.host)), `${c.name}: names the value`);
    }
  }
});

test('an invalid endpoint throws E_CONFIG naming where it came from', () => {
  assert.throws(() => resolveKmsEndpoint('169.254.169.254', { endpoints: {}, region }, noEnv), (err) => hasCode(err, ErrorCode.CONFIG) && /from entry/.test(err.message) && /169\.254\.169\.254/.test(err.message));
  assert.throws(() => resolveStsEndpoint({ endpoints: {}, region }, { stsEndpoint: 'http://sts.aliyuncs.com', testLoopbackEndpoint: undefined }), (err) => hasCode(err, ErrorCode.CONFIG) && /from environment/.test(err.message));
  assert.throws(() => resolveStsEndpoint({ endpoints: {}, region: 'cn hangzhou' }, noEnv), (err) => hasCode(err, ErrorCode.CONFIG) && /from default/.test(err.message));
});

test('a dedicated KMS gateway gets its own instance CA (kmsInstanceCas) before kmsCaPem', () => {
  const own = '-----BEGIN CERTIFICATE-----\nOWN\n-----END CERTIFICATE-----\n';
  const fallback = '-----BEGIN CERTIFICATE-----\nALL\n-----END CERTIFICATE-----\n';
  const cfg = { endpoints: {}, region, kmsCaPem: fallback, kmsInstanceCas: { 'kst-1.cryptoservice.kms.aliyuncs.com': own } };
  assert.equal(resolveKmsEndpoint('kst-1.cryptoservice.kms.aliyuncs.com', cfg, noEnv).ca, own);
  assert.equal(resolveKmsEndpoint('kst-2.cryptoservice.kms.aliyuncs.com', cfg, noEnv).ca, fallback);
  assert.equal(resolveKmsEndpoint('kst-1.cryptoservice.kms.aliyuncs.com', { endpoints: {}, region, kmsInstanceCas: cfg.kmsInstanceCas }, noEnv).ca, own);
});

test('a dedicated KMS gateway without kmsCaPem is refused', () => {
  assert.throws(() => resolveKmsEndpoint('kst-1.cryptoservice.kms.aliyuncs.com', { endpoints: {}, region }, noEnv), (err) => hasCode(err, ErrorCode.CONFIG) && /kmsCaPem/.test(err.message));
});

test('the test loopback redirect changes only where the SDK connects, after validation', () => {
  const env = { stsEndpoint: undefined, testLoopbackEndpoint: '127.0.0.1:18443' };
  const kms = resolveKmsEndpoint(undefined, { endpoints: {}, region }, env);
  assert.equal(kms.host, 'kms-vpc.cn-hangzhou.aliyuncs.com');
  assert.equal(kms.connectTo, '127.0.0.1:18443');
  // A bad configured endpoint is still refused with the redirect on.
  assert.throws(() => resolveKmsEndpoint('100.100.100.200', { endpoints: {}, region }, env), (err) => hasCode(err, ErrorCode.CONFIG));
});

test('environment: loopback redirect accepts only loopback host:port, all problems listed', () => {
  const cases = [
    { name: 'ipv4 loopback', value: '127.0.0.1:8443', ok: true },
    { name: 'localhost', value: 'localhost:1', ok: true },
    { name: 'ipv6 loopback', value: '[::1]:65535', ok: true },
    { name: 'non-loopback ip', value: '10.0.0.1:8443', ok: false },
    { name: 'metadata ip', value: '100.100.100.200:80', ok: false },
    { name: 'missing port', value: '127.0.0.1', ok: false },
    { name: 'port out of range', value: '127.0.0.1:70000', ok: false },
    { name: 'scheme', value: 'https://127.0.0.1:8443', ok: false },
  ];
  for (const c of cases) {
    const env = { SECRET_INJECTOR_TEST_LOOPBACK_ENDPOINT: c.value };
    if (c.ok) assert.equal(readEnvironment(env).testLoopbackEndpoint, c.value, c.name);
    else assert.throws(() => readEnvironment(env), (err) => hasCode(err, ErrorCode.CONFIG) && err.message.includes(JSON.stringify(c.value)), c.name);
  }
  assert.throws(() => readEnvironment({ SECRET_INJECTOR_TEST_LOOPBACK_ENDPOINT: 'x', SECRET_INJECTOR_LOG_LEVEL: 'loud' }), (err) => hasCode(err, ErrorCode.CONFIG) && /LOOPBACK/.test(err.message) && /LOG_LEVEL/.test(err.message));
  const env = readEnvironment({ ALIBABA_CLOUD_STS_ENDPOINT: ' sts-vpc.cn-beijing.aliyuncs.com ', SECRET_INJECTOR_CONFIG: '{}' });
  assert.deepEqual({ ...env }, { configText: '{}', stsEndpoint: 'sts-vpc.cn-beijing.aliyuncs.com', logLevel: 'info', testLoopbackEndpoint: undefined, testMetadataEndpoint: undefined });
  // The ECS metadata redirect (worker role tests) follows the same loopback-only rule.
  assert.equal(readEnvironment({ SECRET_INJECTOR_TEST_METADATA_ENDPOINT: '127.0.0.1:8080' }).testMetadataEndpoint, '127.0.0.1:8080');
  assert.throws(() => readEnvironment({ SECRET_INJECTOR_TEST_METADATA_ENDPOINT: '100.100.100.200:80' }), (err) => hasCode(err, ErrorCode.CONFIG) && /SECRET_INJECTOR_TEST_METADATA_ENDPOINT/.test(err.message));
});
