/**
 * Issue 17 through admit() (the admission core the server and `mutate` share): ClusterExternalSecret
 * resolution, shape denials of namespace-guarding fields (the tenant isolation holes), per
 * ExternalSecret rotationInterval, OOS versions, file names with "/", dedicated KMS instance CAs,
 * the worker role opt-in, no-effect and misspelt fields as warnings, the cleanup and jmesPath
 * settings reaching the injector config.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { admit } from '../../webhook/admission/admit.ts';
import { applyPatch, type Operation } from '../../webhook/admission/patch.ts';
import { parseInjectorConfig, type InjectorConfig } from '../../contract/injector-config-schema.ts';
import * as f from '../fixtures/webhook-fixtures.ts';
import type { KubeObject } from '../../webhook/manifests.ts';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

interface Result { config?: InjectorConfig; denial?: string; reason?: string; warnings: string[] }

async function run(objects: KubeObject[], o: { settings?: Record<string, unknown>; annotations?: Record<string, string> } = {}): Promise<Result> {
  const p = f.pod(o.annotations === undefined ? {} : { annotations: { 'secret-injector.alibabacloud.com/external-secrets': 'db', ...o.annotations } });
  const res = await admit(f.review(p), f.resolver(objects), f.settings(o.settings ?? {}));
  if (!res.allowed) return { denial: res.status?.message ?? '', reason: res.status?.reason ?? '', warnings: [] };
  const pod = applyPatch(p, f.patchOf(res) as Operation[]);
  const env = pod.spec?.initContainers?.[0]?.env?.[0]?.value;
  return { config: parseInjectorConfig(env), warnings: res.warnings ?? [] };
}

const base = (): KubeObject[] => [f.namespace('shop', { team: 'shop' }), f.serviceAccount('web')];
const ces = (name: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'alibabacloud.com/v1alpha1', kind: 'ClusterExternalSecret', metadata: { name }, spec });
const ESSPEC = { data: [{ key: 'shared/db', name: 'password' }] };

describe('ClusterExternalSecret', () => {
  const cases: { name: string; objects: KubeObject[]; denial?: RegExp; reason?: string; key?: string; warning?: RegExp }[] = [
    { name: 'a pod names it by externalSecretName when its conditions select the namespace', objects: [...base(), ces('shared-db', { externalSecretName: 'db', externalSecretSpec: ESSPEC, conditions: [{ namespaces: ['shop'] }] })], key: 'shared/db' },
    { name: 'externalSecretName defaults to its own name', objects: [...base(), ces('db', { externalSecretSpec: ESSPEC })], key: 'shared/db' },
    { name: 'the deprecated namespaceSelectors select by label', objects: [...base(), ces('db', { externalSecretSpec: ESSPEC, namespaceSelectors: [{ matchLabels: { team: 'shop' } }] })], key: 'shared/db' },
    { name: 'a namespaceRegexes match selects (substring, as upstream)', objects: [...base(), ces('db', { externalSecretSpec: ESSPEC, conditions: [{ namespaceRegexes: ['^sh'] }] })], key: 'shared/db' },
    { name: 'its spec replaces a namespaced ExternalSecret of the same name, with a warning', objects: [...base(), f.externalSecret('db', { data: [{ key: 'local/db', name: 'password' }] }), ces('db', { externalSecretSpec: ESSPEC })], key: 'shared/db', warning: /ExternalSecret shop\/db is replaced by ClusterExternalSecret db's externalSecretSpec/ },
    { name: 'one that does not select the namespace leaves the namespaced ExternalSecret', objects: [...base(), f.externalSecret('db', { data: [{ key: 'local/db', name: 'password' }] }), ces('db', { externalSecretSpec: ESSPEC, conditions: [{ namespaces: ['payments'] }] })], key: 'local/db' },
    { name: 'not selected and no namespaced one: the denial says why', objects: [...base(), ces('db', { externalSecretSpec: ESSPEC, conditions: [{ namespaces: ['payments'] }] })], denial: /ExternalSecret shop\/db not found .*no ClusterExternalSecret provides it for this namespace; ClusterExternalSecret "db" does not admit namespace "shop"/, reason: 'external-secret-not-found' },
    { name: 'an invalid deprecated namespaceSelectors entry selects nothing (fail-closed), named by its index', objects: [...base(), ces('db', { externalSecretSpec: ESSPEC, namespaceSelectors: [{ matchLabels: { team: 'not valid!' } }], conditions: [{ namespaces: ['shop'] }] })], denial: /ClusterExternalSecret "db" namespaceSelectors\[0\] is invalid \(invalid label value "not valid!" for team in matchLabels\)/, reason: 'external-secret-not-found' },
    { name: 'two claiming the name for the namespace is a denial naming both', objects: [...base(), ces('a', { externalSecretName: 'db', externalSecretSpec: ESSPEC }), ces('b', { externalSecretName: 'db', externalSecretSpec: ESSPEC })], denial: /ClusterExternalSecret a and ClusterExternalSecret b both claim this name for namespace "shop"/, reason: 'ambiguous-external-secret' },
    { name: 'its conditions as a string is a denial naming the field', objects: [...base(), ces('db', { externalSecretSpec: ESSPEC, conditions: 'shop' })], denial: /ClusterExternalSecret db spec\.conditions: expected a list, each an object/, reason: 'invalid-external-secret' },
    { name: 'externalSecretMetadata is answered with a warning', objects: [...base(), ces('db', { externalSecretSpec: ESSPEC, externalSecretMetadata: { labels: { a: 'b' } } })], key: 'shared/db', warning: /spec\.externalSecretMetadata\.labels: has no effect in a pod/ },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const r = await run(c.objects);
      if (c.denial !== undefined) {
        assert.match(r.denial ?? '', c.denial);
        assert.equal(r.reason, c.reason);
        return;
      }
      assert.equal(r.config?.externalSecrets[0]?.data[0]?.key, c.key, r.denial);
      if (c.warning !== undefined) assert.ok(r.warnings.some((w) => c.warning!.test(w)), JSON.stringify(r.warnings));
    });
  }
});

describe('namespace-guarding fields of the wrong shape are denials (tenant isolation)', () => {
  const es = f.externalSecret('db', { data: [{ key: 'k', secretStoreRef: { name: 'shared', kind: 'ClusterSecretStore' } }] });
  const css = (conditions: unknown): KubeObject => ({ apiVersion: 'alibabacloud.com/v1alpha1', kind: 'ClusterSecretStore', metadata: { name: 'shared' }, spec: { KMS: { KMSAuth: {} }, conditions } });
  const cases: { name: string; conditions: unknown; denial: RegExp }[] = [
    { name: 'namespaces as a string would substring-match "shop" in "shop-prod"', conditions: [{ namespaces: 'shop-prod' }], denial: /ClusterSecretStore shared spec\.conditions\[0\]\.namespaces: expected a list, each a string, got a string "shop-prod"/ },
    { name: 'namespaceSelector as a string would read as no constraint', conditions: [{ namespaceSelector: 'team=shop-prod' }], denial: /spec\.conditions\[0\]\.namespaceSelector: expected an object with fields matchLabels, matchExpressions, got a string "team=shop-prod"/ },
    { name: 'matchLabels as a list', conditions: [{ namespaceSelector: { matchLabels: ['team'] } }], denial: /namespaceSelector\.matchLabels: expected an object of string values, got a list/ },
    { name: 'namespaceRegexes as a string', conditions: [{ namespaceRegexes: '.*' }], denial: /spec\.conditions\[0\]\.namespaceRegexes: expected a list, each a string/ },
    { name: 'conditions as a string', conditions: 'shop', denial: /ClusterSecretStore shared spec\.conditions: expected a list/ },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const r = await run([...base(), es, css(c.conditions)]);
      assert.equal(r.config, undefined, 'must not be admitted');
      assert.match(r.denial ?? '', c.denial);
      assert.equal(r.reason, 'invalid-secret-store');
    });
  }
  it('the same store with the right shape admits shop-prod only', async () => {
    assert.match((await run([...base(), es, css([{ namespaces: ['shop-prod'] }])])).denial ?? '', /does not admit namespace "shop"/);
  });
});

describe('ExternalSecret fields at admission', () => {
  const db = (spec: Record<string, unknown>): KubeObject[] => [...base(), f.externalSecret('db', spec)];
  it('rotationInterval becomes the ExternalSecret\'s own refresh interval', async () => {
    const r = await run(db({ rotationInterval: '5m', data: [{ key: 'k' }] }));
    assert.equal(r.config?.externalSecrets[0]?.refreshIntervalSeconds, 300);
  });
  it('the refresh-interval annotation overrides rotationInterval, with a warning', async () => {
    const r = await run(db({ rotationInterval: '5m', data: [{ key: 'k' }] }), { annotations: { 'secret-injector.alibabacloud.com/refresh-interval': '60s' } });
    assert.equal(r.config?.externalSecrets[0]?.refreshIntervalSeconds, undefined);
    assert.equal(r.config?.refreshIntervalSeconds, 60);
    assert.ok(r.warnings.some((w) => /spec\.rotationInterval "5m" is overridden by the pod's annotation/.test(w)));
  });
  it('a rotationInterval below settings.minRefreshInterval is denied with what is accepted', async () => {
    assert.match((await run(db({ rotationInterval: '5s', data: [{ key: 'k' }] }))).denial ?? '', /spec\.rotationInterval: invalid value "5s"; expected a Go duration in whole seconds from 30s \(settings\.minRefreshInterval\) to 168h/);
  });
  it('OOS versionId is planned as the parameter version', async () => {
    const r = await run(db({ provider: 'oos', data: [{ key: 'p', versionId: '3' }] }));
    assert.equal(r.config?.externalSecrets[0]?.data[0]?.versionId, '3');
  });
  it('an OOS versionId that is not 1-100 is denied', async () => {
    assert.match((await run(db({ provider: 'oos', data: [{ key: 'p', versionId: 'v1' }] }))).denial ?? '', /spec\.data\[0\]\.versionId: invalid value "v1" for an OOS parameter; expected a parameter version, an integer from 1 to 100/);
  });
  it('an OOS versionStage is a warning', async () => {
    const r = await run(db({ provider: 'oos', data: [{ key: 'p', versionStage: 'ACSPrevious' }] }));
    assert.ok(r.warnings.some((w) => /versionStage has no effect: OOS parameters have no version stages/.test(w)));
  });
  it('a key with "/" and no name is refused with the fix', async () => {
    const r = await run(db({ data: [{ key: 'shop/db' }] }));
    assert.match(r.denial ?? '', /spec\.data\[0\]\.key: the file name would be "shop\/db", but a Secret key must consist of .*; set name: to the file name/);
    assert.equal(r.reason, 'invalid-external-secret');
  });
  it('a key with "/" is fine with a name, or with jmesPath aliases', async () => {
    assert.ok((await run(db({ data: [{ key: 'shop/db', name: 'db' }] }))).config);
    assert.ok((await run(db({ data: [{ key: 'shop/db', jmesPath: [{ path: 'user', objectAlias: 'user' }] }] }))).config);
  });
  it('with jmesPathRawFallback the raw name must be valid too', async () => {
    const r = await run(db({ data: [{ key: 'shop/db', jmesPath: [{ path: 'user', objectAlias: 'user' }] }] }), { settings: { jmesPathRawFallback: true } });
    assert.match(r.denial ?? '', /spec\.data\[0\]\.key: the file name would be "shop\/db"/);
  });
  it('no-effect fields are warnings naming the field and why', async () => {
    const r = await run(db({ type: 'kubernetes.io/tls', target: { name: 'tls' }, data: [{ key: 'k' }] }));
    assert.ok(r.config);
    for (const re of [/ExternalSecret shop\/db spec\.type: has no effect in a pod: Files have no Secret type/, /spec\.target\.name: has no effect in a pod/]) assert.ok(r.warnings.some((w) => re.test(w)), JSON.stringify(r.warnings));
  });
  it('versionID is read as versionId, with a warning; an unknown field names the nearest', async () => {
    const r = await run(db({ data: [{ key: 'k', versionID: 'v7', jmespth: [] }] }));
    assert.equal(r.config?.externalSecrets[0]?.data[0]?.versionId, 'v7');
    assert.ok(r.warnings.some((w) => /data\[0\]\.versionID: read as "versionId"/.test(w)));
    assert.ok(r.warnings.some((w) => /data\[0\]\.jmespth: unknown field, ignored; did you mean "jmesPath"\?/.test(w)));
  });
  it('a wrong type is a denial naming the field, not an internal error', async () => {
    const r = await run(db({ data: [{ key: 'k', jmesPath: 'user' }] }));
    assert.match(r.denial ?? '', /spec\.data\[0\]\.jmesPath: expected a list, each an object with fields path, objectAlias, got a string "user"/);
    assert.equal(r.reason, 'invalid-external-secret');
  });
});

describe('stores, credentials and settings', () => {
  const viaStore = (auth: Record<string, unknown>): KubeObject[] => [...base(), f.externalSecret('db', { data: [{ key: 'k', secretStoreRef: { name: 'kms' } }] }), f.secretStore('kms', auth)];
  it('dedicatedKMSAuth is denied with what to use instead', async () => {
    const r = await run([...base(), f.externalSecret('db', { data: [{ key: 'k', secretStoreRef: { name: 'kms' } }] }), { apiVersion: 'alibabacloud.com/v1alpha1', kind: 'SecretStore', metadata: { name: 'kms', namespace: 'shop' }, spec: { KMS: { dedicatedKMSAuth: { protocol: 'https', endpoint: 'kst-x.cryptoservice.kms.aliyuncs.com', clientKeyContent: 'CLIENTKEY-SECRET', password: 'pw' } } } }]);
    assert.match(r.denial ?? '', /spec\.KMS\.dedicatedKMSAuth: not supported: .*use RRSA \(KMSAuth\) with the instance endpoint in data\[\]\.kmsEndpoint and its CA in the webhook setting kmsInstanceCAs/);
    assert.ok(!(r.denial ?? '').includes('CLIENTKEY-SECRET'));
  });
  it('a dedicated KMS instance endpoint without a CA is denied at admission', async () => {
    const r = await run([...base(), f.externalSecret('db', { data: [{ key: 'k', kmsEndpoint: 'kst-hzz1.cryptoservice.kms.aliyuncs.com' }] })]);
    assert.match(r.denial ?? '', /kmsEndpoint: "kst-hzz1\.cryptoservice\.kms\.aliyuncs\.com" is a dedicated KMS instance gateway, but the webhook settings hold no CA for it; add its CA to settings\.kmsInstanceCAs/);
    assert.equal(r.reason, 'invalid-kms-endpoint');
  });
  it('a region CA in kmsInstanceCAs covers the region\'s instances', async () => {
    const r = await run([...base(), f.externalSecret('db', { data: [{ key: 'k', kmsEndpoint: 'kst-hzz1.cryptoservice.kms.aliyuncs.com' }] })], { settings: { kmsInstanceCAs: { 'cn-hangzhou': PEM } } });
    assert.deepEqual(r.config?.kmsInstanceCas, { 'kst-hzz1.cryptoservice.kms.aliyuncs.com': PEM });
  });
  it('an AccessKey pair beside an explicit oidcProviderARN is warned about, RRSA is used', async () => {
    const r = await run(viaStore({ ramRoleARN: 'acs:ram::1234567890123456:role/store', oidcProviderARN: f.OIDC_ARN, accessKey: { name: 'ak', key: 'id' }, accessKeySecret: { name: 'ak', key: 'secret' } }));
    assert.equal(r.config?.profiles[0]?.kind, 'rrsa');
    assert.ok(r.warnings.some((w) => /accessKey\/accessKeySecret are not used/.test(w)));
  });
  it('auth fields that need another field are warned about, not dropped', async () => {
    const r = await run(viaStore({ accessKey: { name: 'ak', key: 'id' }, accessKeySecret: { name: 'ak', key: 'secret' }, oidcProviderARN: f.OIDC_ARN, ramRoleSessionName: 'sess', remoteRamRoleSessionName: 'remote' }));
    assert.equal(r.config?.profiles[0]?.kind, 'accessKey');
    for (const re of [/KMSAuth\.oidcProviderARN has no effect: without ramRoleARN/, /KMSAuth\.ramRoleSessionName has no effect/, /KMSAuth\.remoteRamRoleSessionName has no effect without remoteRamRoleARN/]) {
      assert.ok(r.warnings.some((w) => re.test(w)), `${re} in ${JSON.stringify(r.warnings)}`);
    }
  });
  it('enableWorkerRole: an entry with no store and no ServiceAccount role uses the node\'s worker role, with a warning', async () => {
    const objects = [f.namespace('shop'), f.serviceAccount('web', {}), f.externalSecret('db', { data: [{ key: 'k' }] })];
    assert.equal((await run(objects)).reason, 'no-role', 'off by default');
    const r = await run(objects, { settings: { enableWorkerRole: true } });
    assert.deepEqual(r.config?.profiles, [{ id: 'ecs-worker-role', kind: 'ecsRole' }]);
    assert.ok(r.warnings.some((w) => /node's ECS worker RAM role .*weakest isolation/.test(w)));
  });
  it('cleanup-after-failures and jmesPathRawFallback reach the injector config', async () => {
    const r = await run([...base(), f.externalSecret('db', { data: [{ key: 'k' }] })], { settings: { jmesPathRawFallback: true, cleanupAfterFailures: 5 }, annotations: { 'secret-injector.alibabacloud.com/cleanup-after-failures': '3' } });
    assert.equal(r.config?.cleanupAfterFailures, 3);
    assert.equal(r.config?.jmesPathRawFallback, true);
    const d = await run([...base(), f.externalSecret('db', { data: [{ key: 'k' }] })]);
    assert.equal(d.config?.cleanupAfterFailures, undefined, 'off by default: the last good files stay');
  });
  it('a bad cleanup-after-failures annotation names the value and what is accepted', async () => {
    const r = await run([...base(), f.externalSecret('db', { data: [{ key: 'k' }] })], { annotations: { 'secret-injector.alibabacloud.com/cleanup-after-failures': 'often' } });
    assert.match(r.denial ?? '', /annotation secret-injector\.alibabacloud\.com\/cleanup-after-failures: invalid value "often"; expected an integer from 0 to 2880/);
  });
});
