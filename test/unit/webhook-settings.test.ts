// The webhook settings schema: defaults, derivations, every problem at once, files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCode } from '../../common/errors.ts';
import { clusterSupportsNativeSidecar, loadSettings, parseSettings } from '../../webhook/settings.ts';

const MIN = { image: 'registry.example.com/ack-secret-injector:v0.1.0', region: 'cn-hangzhou', oidcProviderArn: 'acs:ram::123:oidc-provider/ack-rrsa-c1' };

test('minimal settings get the documented defaults and are frozen', () => {
  const s = parseSettings(MIN);
  assert.deepEqual({ ...s }, {
    ...MIN,
    imagePullPolicy: 'IfNotPresent',
    injectorCommand: ['/nodejs/bin/node', '/app/dist/cli.mjs'],
    defaultRefreshIntervalSeconds: 120,
    minRefreshIntervalSeconds: 30,
    tokenAudience: 'sts.aliyuncs.com',
    tokenExpirationSeconds: 3600,
    nativeSidecar: 'auto',
    resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '200m', memory: '96Mi' } },
    fileMode: 0o444,
    healthPort: 9488,
    agentNamedMetrics: false,
    kmsInstanceCAs: {},
    enableWorkerRole: false,
    cleanupAfterFailures: 0,
    jmesPathRawFallback: false,
  });
  assert.ok(Object.isFrozen(s));
  assert.ok(Object.isFrozen(s.resources.limits));
  assert.throws(() => { (s as { region: string }).region = 'x'; }, TypeError);
});

test('good settings are accepted', async (t) => {
  const cases: { name: string; doc: Record<string, unknown>; check: (s: ReturnType<typeof parseSettings>) => void }[] = [
    { name: 'oidcProviderArn derived from accountId and clusterId', doc: { image: MIN.image, region: 'cn-beijing', accountId: '1234567890123456', clusterId: 'c0123abc' }, check: (s) => assert.equal(s.oidcProviderArn, 'acs:ram::1234567890123456:oidc-provider/ack-rrsa-c0123abc') },
    { name: 'durations in Go syntax', doc: { ...MIN, defaultRefreshInterval: '5m', minRefreshInterval: '1m' }, check: (s) => assert.deepEqual([s.defaultRefreshIntervalSeconds, s.minRefreshIntervalSeconds], [300, 60]) },
    { name: 'fileMode as an octal string', doc: { ...MIN, fileMode: '0440' }, check: (s) => assert.equal(s.fileMode, 0o440) },
    { name: 'agentNamedMetrics opted in', doc: { ...MIN, agentNamedMetrics: true }, check: (s) => assert.equal(s.agentNamedMetrics, true) },
    { name: 'issue 17 opt-ins', doc: { ...MIN, enableWorkerRole: true, cleanupAfterFailures: 3, jmesPathRawFallback: true, kmsInstanceCAs: { 'kst-hzz1.cryptoservice.kms.aliyuncs.com': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n', 'cn-shanghai': '-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n' } }, check: (s) => assert.deepEqual([s.enableWorkerRole, s.cleanupAfterFailures, s.jmesPathRawFallback, Object.keys(s.kmsInstanceCAs)], [true, 3, true, ['kst-hzz1.cryptoservice.kms.aliyuncs.com', 'cn-shanghai']]) },
    { name: 'fileMode as a number', doc: { ...MIN, fileMode: 288 }, check: (s) => assert.equal(s.fileMode, 0o440) },
    { name: 'partial resources merge over the defaults', doc: { ...MIN, resources: { limits: { memory: '256Mi' } } }, check: (s) => assert.deepEqual(s.resources, { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '200m', memory: '256Mi' } }) },
    { name: 'extraCaPem kept verbatim', doc: { ...MIN, extraCaPem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' }, check: (s) => assert.match(s.extraCaPem ?? '', /^-----BEGIN CERTIFICATE-----\nMIIB/) },
    { name: 'endpoints and a custom command', doc: { ...MIN, stsEndpoint: 'sts-vpc.cn-hangzhou.aliyuncs.com', kmsEndpoint: 'kms-vpc.cn-hangzhou.aliyuncs.com', oosEndpoint: 'oos-vpc.cn-hangzhou.aliyuncs.com', injectorCommand: ['ack-secret-injector'] }, check: (s) => assert.deepEqual([s.stsEndpoint, s.kmsEndpoint, s.oosEndpoint, s.injectorCommand], ['sts-vpc.cn-hangzhou.aliyuncs.com', 'kms-vpc.cn-hangzhou.aliyuncs.com', 'oos-vpc.cn-hangzhou.aliyuncs.com', ['ack-secret-injector']]) },
  ];
  for (const c of cases) await t.test(c.name, () => c.check(parseSettings(c.doc)));
});

test('bad settings fail with E_CONFIG naming the setting, the value and what is accepted', async (t) => {
  const cases: { name: string; doc: unknown; problem: RegExp }[] = [
    { name: 'not a mapping', doc: ['image'], problem: /settings: expected a mapping of setting names to values, got a list/ },
    { name: 'image missing', doc: { region: MIN.region, oidcProviderArn: MIN.oidcProviderArn }, problem: /settings.image: required/ },
    { name: 'region malformed', doc: { ...MIN, region: 'Hangzhou' }, problem: /settings.region: invalid value "Hangzhou"; expected an Alibaba Cloud region id/ },
    { name: 'no OIDC provider and no account/cluster', doc: { image: MIN.image, region: MIN.region }, problem: /settings.oidcProviderArn: required unless both accountId and clusterId are set/ },
    { name: 'OIDC provider ARN malformed', doc: { ...MIN, oidcProviderArn: 'ack-rrsa-c1' }, problem: /settings.oidcProviderArn: invalid value "ack-rrsa-c1"/ },
    { name: 'accountId not numeric', doc: { image: MIN.image, region: MIN.region, accountId: 'abc', clusterId: 'c1' }, problem: /settings.accountId: invalid value "abc"/ },
    { name: 'unknown key (typo)', doc: { ...MIN, nativeSidecars: 'always' }, problem: /settings.nativeSidecars: unknown setting/ },
    { name: 'nativeSidecar unknown', doc: { ...MIN, nativeSidecar: 'sometimes' }, problem: /settings.nativeSidecar: invalid value "sometimes"; expected one of auto, always, never/ },
    { name: 'imagePullPolicy unknown', doc: { ...MIN, imagePullPolicy: 'always' }, problem: /settings.imagePullPolicy: invalid value "always"; expected one of Always, IfNotPresent, Never/ },
    { name: 'tokenExpirationSeconds too short', doc: { ...MIN, tokenExpirationSeconds: 300 }, problem: /settings.tokenExpirationSeconds: invalid value 300; expected an integer from 600 to 43200/ },
    { name: 'defaultRefreshInterval not a duration', doc: { ...MIN, defaultRefreshInterval: 120 }, problem: /settings.defaultRefreshInterval: invalid value 120; expected a Go duration/ },
    { name: 'default below the minimum', doc: { ...MIN, defaultRefreshInterval: '20s' }, problem: /settings.defaultRefreshInterval: 20s is below settings.minRefreshInterval 30s/ },
    { name: 'endpoint with scheme', doc: { ...MIN, kmsEndpoint: 'https://kms.cn-hangzhou.aliyuncs.com' }, problem: /settings.kmsEndpoint: invalid value "https:\/\/kms.cn-hangzhou.aliyuncs.com"; expected a lowercase host name/ },
    { name: 'endpoint with port', doc: { ...MIN, stsEndpoint: 'sts.aliyuncs.com:443' }, problem: /settings.stsEndpoint: invalid value/ },
    { name: 'extraCaPem not PEM', doc: { ...MIN, extraCaPem: 'my-proxy-ca' }, problem: /settings.extraCaPem: invalid value "my-proxy-ca"; expected a PEM certificate bundle/ },
    { name: 'healthPort privileged', doc: { ...MIN, healthPort: 80 }, problem: /settings.healthPort: invalid value 80; expected an integer from 1024 to 65535/ },
    { name: 'agentNamedMetrics not a boolean', doc: { ...MIN, agentNamedMetrics: 'yes' }, problem: /settings.agentNamedMetrics: invalid value "yes"; expected true or false/ },
    { name: 'fileMode not octal', doc: { ...MIN, fileMode: '0999' }, problem: /settings.fileMode: invalid value "0999"/ },
    { name: 'resources request above limit', doc: { ...MIN, resources: { requests: { cpu: '2' } } }, problem: /settings.resources.requests.cpu: 2 exceeds settings.resources.limits.cpu 200m/ },
    { name: 'resources bad quantity', doc: { ...MIN, resources: { limits: { memory: 'lots' } } }, problem: /settings.resources.limits.memory: invalid value "lots"/ },
    { name: 'resources unknown resource', doc: { ...MIN, resources: { limits: { gpu: '1' } } }, problem: /settings.resources.limits.gpu: unknown resource/ },
    { name: 'injectorCommand empty', doc: { ...MIN, injectorCommand: [] }, problem: /settings.injectorCommand: invalid value \[\]/ },
    { name: 'enableWorkerRole not a boolean', doc: { ...MIN, enableWorkerRole: 'yes' }, problem: /settings.enableWorkerRole: invalid value "yes"; expected true or false/ },
    { name: 'cleanupAfterFailures negative', doc: { ...MIN, cleanupAfterFailures: -1 }, problem: /settings.cleanupAfterFailures: invalid value -1; expected an integer from 0 to 2880/ },
    { name: 'kmsInstanceCAs key not an instance host', doc: { ...MIN, kmsInstanceCAs: { 'kms.example.com': '-----BEGIN CERTIFICATE-----' } }, problem: /settings.kmsInstanceCAs.kms.example.com: expected a dedicated instance host/ },
    { name: 'kmsInstanceCAs value not PEM', doc: { ...MIN, kmsInstanceCAs: { 'cn-hangzhou': 'abc' } }, problem: /settings.kmsInstanceCAs.cn-hangzhou: expected a PEM certificate bundle/ },
    { name: 'serverVersion unparsable', doc: { ...MIN, serverVersion: 'latest' }, problem: /settings.serverVersion: invalid value "latest"/ },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      assert.throws(() => parseSettings(c.doc), (err: unknown) => hasCode(err, 'E_CONFIG') && c.problem.test(err.message));
    });
  }
});

test('every settings problem is listed in one error', () => {
  assert.throws(() => parseSettings({ region: 'x', nativeSidecar: 'x', healthPort: 'x' }), (err: unknown) => {
    assert.ok(hasCode(err, 'E_CONFIG'));
    assert.match(err.message, /^invalid webhook settings \(5 problems\)/);
    for (const key of ['image', 'region', 'oidcProviderArn', 'nativeSidecar', 'healthPort']) assert.ok(err.message.includes(`settings.${key}:`), key);
    return true;
  });
});

test('native sidecar support follows nativeSidecar and the server version', async (t) => {
  const cases: [string, Record<string, unknown>, boolean][] = [
    ['always', { nativeSidecar: 'always' }, true],
    ['never on 1.33', { nativeSidecar: 'never', serverVersion: 'v1.33.0' }, false],
    ['auto on 1.28', { nativeSidecar: 'auto', serverVersion: 'v1.28.9' }, false],
    ['auto on 1.29', { nativeSidecar: 'auto', serverVersion: '1.29' }, true],
    ['auto on 2.0', { nativeSidecar: 'auto', serverVersion: 'v2.0.0' }, true],
    ['auto with unknown version', { nativeSidecar: 'auto' }, false],
  ];
  for (const [name, doc, expected] of cases) await t.test(name, () => assert.equal(clusterSupportsNativeSidecar(parseSettings({ ...MIN, ...doc })), expected));
});

test('loadSettings reads YAML and JSON files and names the file in errors', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'settings-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await t.test('YAML file', async () => {
    const path = join(dir, 's.yaml');
    writeFileSync(path, `image: ${MIN.image}\nregion: cn-hangzhou\noidcProviderArn: ${MIN.oidcProviderArn}\nfileMode: 0440\n`);
    assert.equal((await loadSettings(path)).fileMode, 0o440, 'a leading-zero mode is octal, as in Kubernetes YAML');
  });
  await t.test('JSON file', async () => {
    const path = join(dir, 's.json');
    writeFileSync(path, JSON.stringify({ ...MIN, nativeSidecar: 'never' }));
    assert.equal((await loadSettings(path)).nativeSidecar, 'never');
  });
  await t.test('invalid file content names the file', async () => {
    const path = join(dir, 'bad.yaml');
    writeFileSync(path, 'image: [unclosed\n');
    await assert.rejects(loadSettings(path), (err: unknown) => hasCode(err, 'E_CONFIG') && err.message.includes(path));
  });
  await t.test('a missing file', async () => {
    await assert.rejects(loadSettings(join(dir, 'nope.yaml')), (err: unknown) => hasCode(err, 'E_CONFIG') && /cannot read settings file/.test(err.message));
  });
  await t.test('an invalid setting names the file and the setting', async () => {
    const path = join(dir, 'invalid.yaml');
    writeFileSync(path, 'region: cn-hangzhou\n');
    await assert.rejects(loadSettings(path), (err: unknown) => hasCode(err, 'E_CONFIG') && err.message.startsWith(`${path}: invalid webhook settings`) && err.message.includes('settings.image: required'));
  });
});
