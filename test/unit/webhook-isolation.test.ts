// Tenant isolation (DESIGN.md §3): every rule, as pure checks and through admit(), plus the
// credential profiles each kind of store produces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Namespace } from '@kubernetes/client-node';
import { admit } from '../../webhook/admission/admit.ts';
import { clusterStoreAdmits, compileNamespaceRegex, matchLabelSelector } from '../../webhook/admission/isolation.ts';
import { isAllowedKmsEndpoint } from '../../webhook/admission/kms-endpoint.ts';
import type { DenialReason } from '../../webhook/admission/response.ts';
import { applyPatch, type Operation } from '../../webhook/admission/patch.ts';
import { parseInjectorConfig, type InjectorConfig } from '../../contract/injector-config-schema.ts';
import type { ClusterSecretStore, LabelSelector } from '../../contract/crd-types.ts';
import * as f from '../fixtures/webhook-fixtures.ts';
import type { KubeObject } from '../../webhook/manifests.ts';

const STORE_ROLE = 'acs:ram::1234567890123456:role/shop-kms-reader';

test('namespace regexes: Go substring semantics, translations and fail-closed refusals', async (t) => {
  const cases: { name: string; pattern: string; input?: string; matches?: boolean; invalid?: RegExp }[] = [
    { name: 'an unanchored pattern matches a substring', pattern: 'prod', input: 'team-prod-eu', matches: true },
    { name: 'an anchored pattern must match the whole name', pattern: '^prod$', input: 'team-prod', matches: false },
    { name: 'a leading (?i) flag becomes case-insensitive', pattern: '(?i)^PROD-', input: 'prod-eu', matches: true },
    { name: '\\A and \\z anchor like ^ and $', pattern: '\\Ateam-\\w+\\z', input: 'team-a', matches: true },
    { name: '\\z does not match before the end', pattern: 'team\\z', input: 'team-a', matches: false },
    { name: 'named groups (?P<n>) are accepted', pattern: '^(?P<team>[a-z]+)-prod$', input: 'shop-prod', matches: true },
    { name: '\\Q...\\E quotes metacharacters', pattern: '^\\Qa.b\\E$', input: 'axb', matches: false },
    { name: 'a ] right after [ is a literal', pattern: '^[]a]+$', input: ']a', matches: true },
    { name: 'look-ahead is refused as RE2 has none', pattern: 'team(?=-prod)', invalid: /error parsing regexp/ },
    { name: 'back-references are refused as RE2 has none', pattern: '(a)\\1', invalid: /error parsing regexp/ },
    { name: 'an unknown escape is rejected as Go rejects it', pattern: 'a\\y', invalid: /error parsing regexp/ },
    { name: 'an unbalanced parenthesis is invalid', pattern: '(team', invalid: /error parsing regexp: missing closing \)/ },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const r = compileNamespaceRegex(c.pattern);
      if (c.invalid !== undefined) {
        assert.equal(r.ok, false);
        assert.match(r.ok ? '' : r.problem, c.invalid);
      } else {
        assert.ok(r.ok, r.ok ? '' : r.problem);
        assert.equal(r.re.test(c.input ?? ''), c.matches);
      }
    });
  }
});

test('label selectors evaluate like metav1.LabelSelectorAsSelector', async (t) => {
  const labels = { team: 'shop', env: 'prod' };
  const cases: { name: string; selector: LabelSelector; result: boolean | 'invalid' }[] = [
    { name: 'empty selector matches everything', selector: {}, result: true },
    { name: 'matchLabels all equal', selector: { matchLabels: { team: 'shop' } }, result: true },
    { name: 'matchLabels one differs', selector: { matchLabels: { team: 'shop', env: 'dev' } }, result: false },
    { name: 'In matches', selector: { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'staging'] }] }, result: true },
    { name: 'NotIn excludes', selector: { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, result: false },
    { name: 'NotIn matches a missing label', selector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['x'] }] }, result: true },
    { name: 'Exists', selector: { matchExpressions: [{ key: 'team', operator: 'Exists' }] }, result: true },
    { name: 'DoesNotExist', selector: { matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] }, result: false },
    { name: 'In without values is invalid', selector: { matchExpressions: [{ key: 'env', operator: 'In', values: [] }] }, result: 'invalid' },
    { name: 'Exists with values is invalid', selector: { matchExpressions: [{ key: 'env', operator: 'Exists', values: ['a'] }] }, result: 'invalid' },
    { name: 'an unknown operator is invalid', selector: { matchExpressions: [{ key: 'env', operator: 'Gt' as 'In', values: ['1'] }] }, result: 'invalid' },
    { name: 'an invalid key is invalid', selector: { matchLabels: { 'bad key': 'x' } }, result: 'invalid' },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const r = matchLabelSelector(c.selector, labels);
      assert.deepEqual(r.ok ? r.matches : 'invalid', c.result);
    });
  }
});

test('ClusterSecretStore conditions admit namespaces as ack-secret-manager does', async (t) => {
  const ns: V1Namespace = { metadata: { name: 'shop', labels: { team: 'shop' } } };
  const store = (conditions?: unknown[]): ClusterSecretStore => ({ metadata: { name: 'shared' }, spec: { KMS: {}, ...(conditions === undefined ? {} : { conditions }) } as ClusterSecretStore['spec'] });
  const cases: { name: string; conditions?: unknown[]; namespace?: V1Namespace | undefined; admitted: boolean; reason?: RegExp }[] = [
    { name: 'no conditions admit every namespace', admitted: true },
    { name: 'empty conditions list admits every namespace', conditions: [], admitted: true },
    { name: 'exact name in namespaces', conditions: [{ namespaces: ['shop'] }], admitted: true },
    { name: 'selector on namespace labels', conditions: [{ namespaceSelector: { matchLabels: { team: 'shop' } } }], admitted: true },
    { name: 'regex matching a substring', conditions: [{ namespaceRegexes: ['ho'] }], admitted: true },
    { name: 'conditions are ORed', conditions: [{ namespaces: ['other'] }, { namespaceRegexes: ['^sh'] }], admitted: true },
    { name: 'nothing matches', conditions: [{ namespaces: ['other'], namespaceRegexes: ['^prod-'] }], admitted: false, reason: /does not admit namespace "shop"/ },
    { name: 'an invalid regex denies even when another condition matches', conditions: [{ namespaces: ['shop'] }, { namespaceRegexes: ['(['] }], admitted: false, reason: /namespaceRegexes\[0\].*invalid/ },
    { name: 'an invalid selector denies even when another condition matches', conditions: [{ namespaces: ['shop'] }, { namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'In' }] } }], admitted: false, reason: /namespaceSelector is invalid/ },
    { name: 'a missing namespace object denies when there are conditions', conditions: [{ namespaces: ['shop'] }], namespace: undefined, admitted: false, reason: /could not be found/ },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const r = clusterStoreAdmits(store(c.conditions), 'shop', 'namespace' in c ? c.namespace : ns);
      assert.equal(r.admitted, c.admitted);
      if (!r.admitted) assert.match(r.reason, c.reason ?? /./);
    });
  }
});

test('KMS endpoints are validated like ack-secret-manager 0.6.4+', async (t) => {
  const cases: [string, boolean][] = [
    ['kms-vpc.cn-hangzhou.aliyuncs.com', true],
    ['kms.cn-shanghai.aliyuncs.com', true],
    ['kst-hzz65f1d1a8.cryptoservice.kms.aliyuncs.com', true],
    [' kms.cn-beijing.aliyuncs.com ', true],
    ['100.100.100.200', false],
    ['metadata.aliyun.internal', false],
    ['https://kms.cn-hangzhou.aliyuncs.com', false],
    ['kms.cn-hangzhou.aliyuncs.com:443', false],
    ['kms.cn-hangzhou.aliyuncs.com/path', false],
    ['KMS.cn-hangzhou.aliyuncs.com', false],
    ['kms.cn-hangzhou.aliyuncs.com.evil.example', false],
    ['127.0.0.1', false],
  ];
  for (const [endpoint, ok] of cases) {
    await t.test(`${JSON.stringify(endpoint)} is ${ok ? 'allowed' : 'refused'}`, () => assert.equal(isAllowedKmsEndpoint(endpoint), ok));
  }
});

/** Admits the default pod against `objects`; returns the config, or the denial text and reason code. */
async function run(objects: KubeObject[], settings: Record<string, unknown> = {}): Promise<{ config?: InjectorConfig; denial?: string; reason?: string; pod?: ReturnType<typeof f.pod>; warnings: string[] }> {
  const p = f.pod();
  const res = await admit(f.review(p), f.resolver(objects), f.settings(settings));
  if (!res.allowed) return { denial: res.status?.message ?? '', reason: res.status?.reason ?? '', warnings: [] };
  const pod = applyPatch(p, f.patchOf(res) as Operation[]);
  const env = pod.spec?.initContainers?.[0]?.env?.[0]?.value;
  return { config: parseInjectorConfig(env), pod, warnings: res.warnings ?? [] };
}
const es = (ref: Record<string, unknown>, extra: Record<string, unknown> = {}) => f.externalSecret('db', { data: [{ key: 'shop/db-password', name: 'password', secretStoreRef: ref, ...extra }] });

test('isolation rules deny anything that crosses the namespace boundary', async (t) => {
  const cases: { name: string; objects: KubeObject[]; settings?: Record<string, unknown>; denial: RegExp; reason: DenialReason }[] = [
    { name: 'an ExternalSecret that does not exist in the pod namespace', objects: [f.namespace('shop'), f.serviceAccount('web'), f.externalSecret('db', undefined, 'other')], denial: /ExternalSecret shop\/db not found/, reason: 'external-secret-not-found' },
    { name: 'a SecretStore reference into another namespace', objects: [f.namespace('shop'), f.serviceAccount('web'), es({ name: 'kms', namespace: 'other' }), f.secretStore('kms', { ramRoleARN: STORE_ROLE }, 'other')], denial: /SecretStore "kms" in namespace "other"; only stores in the pod's namespace/, reason: 'cross-namespace-store' },
    { name: 'a SecretStore that exists only in another namespace', objects: [f.namespace('shop'), f.serviceAccount('web'), es({ name: 'kms' }), f.secretStore('kms', { ramRoleARN: STORE_ROLE }, 'other')], denial: /SecretStore shop\/kms not found/, reason: 'secret-store-not-found' },
    { name: 'a ClusterSecretStore whose conditions exclude the namespace', objects: [f.namespace('shop'), f.serviceAccount('web'), es({ name: 'shared', kind: 'ClusterSecretStore' }), f.clusterSecretStore('shared', { ramRoleARN: STORE_ROLE }, [{ namespaces: ['payments'] }])], denial: /ClusterSecretStore "shared" does not admit namespace "shop"/, reason: 'cluster-store-not-allowed' },
    { name: 'a ClusterSecretStore with an invalid regex (fail-closed)', objects: [f.namespace('shop'), f.serviceAccount('web'), es({ name: 'shared', kind: 'ClusterSecretStore' }), f.clusterSecretStore('shared', { ramRoleARN: STORE_ROLE }, [{ namespaces: ['shop'], namespaceRegexes: ['(?=x)'] }])], denial: /namespaceRegexes\[0\] "\(\?=x\)" is invalid \(error parsing regexp/, reason: 'cluster-store-not-allowed' },
    { name: 'a serviceAccountRef naming another ServiceAccount', objects: [f.namespace('shop'), f.serviceAccount('web'), f.serviceAccount('admin'), es({ name: 'kms' }), f.secretStore('kms', { serviceAccountRef: { name: 'admin' } })], denial: /serviceAccountRef names ServiceAccount shop\/admin, but the pod runs as shop\/web/, reason: 'foreign-service-account' },
    { name: 'a serviceAccountRef naming the same name in another namespace', objects: [f.namespace('shop'), f.serviceAccount('web'), es({ name: 'shared', kind: 'ClusterSecretStore' }), f.clusterSecretStore('shared', { serviceAccountRef: { name: 'web', namespace: 'payments' } })], denial: /ServiceAccount payments\/web, but the pod runs as shop\/web/, reason: 'foreign-service-account' },
    { name: 'serviceAccountRef audiences without the webhook token audience', objects: [f.namespace('shop'), f.serviceAccount('web'), es({ name: 'kms' }), f.secretStore('kms', { serviceAccountRef: { name: 'web', audiences: ['other'] } })], denial: /audiences: \["other"\] does not include.*sts.aliyuncs.com/, reason: 'invalid-secret-store' },
    { name: 'an AccessKey Secret in another namespace', objects: [f.namespace('shop'), f.serviceAccount('web'), es({ name: 'shared', kind: 'ClusterSecretStore' }), f.clusterSecretStore('shared', { accessKey: { name: 'ak', namespace: 'kube-system', key: 'id' }, accessKeySecret: { name: 'ak', namespace: 'kube-system', key: 'secret' } })], denial: /names Secret kube-system\/ak; AccessKey Secrets must be in the pod's namespace/, reason: 'cross-namespace-secret' },
    { name: 'only half an AccessKey pair', objects: [f.namespace('shop'), f.serviceAccount('web'), es({ name: 'kms' }), f.secretStore('kms', { accessKey: { name: 'ak', key: 'id' } })], denial: /accessKey and accessKeySecret must be given together/, reason: 'invalid-secret-store' },
    { name: 'no role anywhere names the ServiceAccount and both annotations', objects: [f.namespace('shop'), f.serviceAccount('web', {}), f.externalSecret('db')], denial: /ServiceAccount shop\/web has no RAM role: it lacks both annotation ack.alibabacloud.com\/role-arn \(a role ARN\) and pod-identity.alibabacloud.com\/role-name.*needed by ExternalSecret shop\/db spec.data\[0\]/, reason: 'no-role' },
    { name: 'a missing ServiceAccount', objects: [f.namespace('shop'), f.externalSecret('db')], denial: /ServiceAccount shop\/web not found/, reason: 'no-role' },
    { name: 'a role name without settings.accountId', objects: [f.namespace('shop'), f.serviceAccount('web', { 'pod-identity.alibabacloud.com/role-name': 'shop-web' }), f.externalSecret('db')], settings: { accountId: undefined, clusterId: undefined, oidcProviderArn: f.OIDC_ARN }, denial: /role-name needs the webhook setting accountId/, reason: 'no-role' },
    { name: 'a malformed role ARN annotation', objects: [f.namespace('shop'), f.serviceAccount('web', { 'ack.alibabacloud.com/role-arn': 'shop-web' }), f.externalSecret('db')], denial: /role-arn: invalid value "shop-web"/, reason: 'no-role' },
    { name: 'a kmsEndpoint pointing at the metadata service', objects: [f.namespace('shop'), f.serviceAccount('web'), f.externalSecret('db', { data: [{ key: 'k', kmsEndpoint: '100.100.100.200' }] })], denial: /spec.data\[0\].kmsEndpoint: invalid value "100.100.100.200"/, reason: 'invalid-kms-endpoint' },
    { name: 'a store of the wrong provider', objects: [f.namespace('shop'), f.serviceAccount('web'), es({ name: 'oos' }), f.secretStore('oos', { ramRoleARN: STORE_ROLE }, 'shop', 'OOS')], denial: /has no KMS provider, but ExternalSecret db uses provider kms/, reason: 'invalid-secret-store' },
    { name: 'an unknown provider', objects: [f.namespace('shop'), f.serviceAccount('web'), f.externalSecret('db', { provider: 'vault', data: [{ key: 'k' }] })], denial: /spec.provider: invalid value "vault"/, reason: 'invalid-external-secret' },
    { name: 'an ExternalSecret without data', objects: [f.namespace('shop'), f.serviceAccount('web'), f.externalSecret('db', {})], denial: /neither spec.data nor spec.dataProcess/, reason: 'invalid-external-secret' },
    { name: 'a secretStoreRef kind that is neither store kind', objects: [f.namespace('shop'), f.serviceAccount('web'), es({ name: 'kms', kind: 'Vault' })], denial: /secretStoreRef.kind: invalid value "Vault"/, reason: 'invalid-external-secret' },
    { name: 'an AccessKey Secret reference without a key', objects: [f.namespace('shop'), f.serviceAccount('web'), es({ name: 'kms' }), f.secretStore('kms', { accessKey: { name: 'ak' }, accessKeySecret: { name: 'ak', key: 'secret' } })], denial: /SecretStore shop\/kms spec\.KMS\.KMSAuth\.accessKey\.key: required; expected a string/, reason: 'invalid-secret-store' },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const r = await run(c.objects, c.settings);
      assert.equal(r.config, undefined, 'expected a denial');
      assert.match(r.denial ?? '', c.denial);
      assert.equal(r.reason, c.reason, 'status.reason is the stable denial code');
    });
  }
});

test('stores give credential profiles that always use the pod\'s own token', async (t) => {
  await t.test('no secretStoreRef → the pod ServiceAccount role', async () => {
    const r = await run(f.world());
    assert.deepEqual(r.config?.profiles, [{ id: 'pod-serviceaccount', kind: 'rrsa', roleArn: f.ROLE_ARN, oidcProviderArn: f.OIDC_ARN, roleSessionName: 'ack-secret-injector' }]);
  });
  await t.test('role-name annotation + settings.accountId → the built role ARN', async () => {
    const r = await run([f.namespace('shop'), f.serviceAccount('web', { 'pod-identity.alibabacloud.com/role-name': 'shop-web' }), f.externalSecret('db')]);
    assert.equal((r.config?.profiles[0] as { roleArn: string }).roleArn, 'acs:ram::1234567890123456:role/shop-web');
  });
  await t.test('SecretStore ramRoleARN with explicit OIDC ARN, session name, expiration and remote role', async () => {
    const r = await run([f.namespace('shop'), f.serviceAccount('web', {}), es({ name: 'kms' }), f.secretStore('kms', {
      ramRoleARN: STORE_ROLE, oidcProviderARN: 'acs:ram::999:oidc-provider/ack-rrsa-other', ramRoleSessionName: 'shop-reader', roleSessionExpiration: '1h',
      remoteRamRoleARN: 'acs:ram::2222:role/cross', remoteRamRoleSessionName: 'cross-shop', oidcTokenFilePath: '/var/run/secrets/tokens/x',
    })]);
    assert.deepEqual(r.config?.profiles, [{
      id: 'secretstore/kms/kms', kind: 'rrsa', roleArn: STORE_ROLE, oidcProviderArn: 'acs:ram::999:oidc-provider/ack-rrsa-other', roleSessionName: 'shop-reader',
      durationSeconds: 3600, remoteRoleArn: 'acs:ram::2222:role/cross', remoteRoleSessionName: 'cross-shop',
    }]);
    assert.equal(r.config?.externalSecrets[0]?.data[0]?.profile, 'secretstore/kms/kms');
    assert.equal(r.config?.tokenPath, '/var/run/secrets/ack-secret-injector/tokens/token');
    assert.ok(r.warnings.some((w) => /oidcTokenFilePath is ignored/.test(w)));
  });
  await t.test('serviceAccountRef to the pod\'s own ServiceAccount → its role', async () => {
    const r = await run([f.namespace('shop', { team: 'shop' }), f.serviceAccount('web'), es({ name: 'shared', kind: 'ClusterSecretStore' }), f.clusterSecretStore('shared', { serviceAccountRef: { name: 'web', namespace: 'shop', audiences: ['sts.aliyuncs.com'] } }, [{ namespaceSelector: { matchLabels: { team: 'shop' } } }])]);
    assert.deepEqual(r.config?.profiles, [{ id: 'clustersecretstore/shared/kms', kind: 'rrsa', roleArn: f.ROLE_ARN, oidcProviderArn: f.OIDC_ARN, roleSessionName: 'ack-secret-injector' }]);
  });
  await t.test('a store without identity falls back to the pod role', async () => {
    const r = await run([f.namespace('shop'), f.serviceAccount('web'), es({ name: 'kms' }), f.secretStore('kms', {})]);
    assert.deepEqual(r.config?.profiles.map((p) => p.id), ['pod-serviceaccount']);
  });
  await t.test('AccessKey Secrets in the pod namespace are mounted only into the injector containers', async () => {
    const r = await run([f.namespace('shop'), f.serviceAccount('web', {}), es({ name: 'kms' }), f.secretStore('kms', {
      accessKey: { name: 'shop-ak', key: 'id' }, accessKeySecret: { name: 'shop-ak', namespace: 'shop', key: 'secret' }, ramRoleARN: STORE_ROLE,
    })]);
    assert.deepEqual(r.config?.profiles, [{
      id: 'secretstore/kms/kms', kind: 'accessKey', accessKeyIdFile: '/var/run/secrets/ack-secret-injector/access-keys/0/id',
      accessKeySecretFile: '/var/run/secrets/ack-secret-injector/access-keys/0/secret', roleArn: STORE_ROLE, roleSessionName: 'ack-secret-injector',
    }]);
    const volume = r.pod?.spec?.volumes?.find((v) => v.name === 'ack-secret-injector-ak-0');
    assert.deepEqual(volume, { name: 'ack-secret-injector-ak-0', secret: { secretName: 'shop-ak', defaultMode: 0o444, items: [{ key: 'id', path: 'id' }, { key: 'secret', path: 'secret' }] } });
    for (const c of [...(r.pod?.spec?.initContainers ?? []), ...(r.pod?.spec?.containers ?? [])]) {
      assert.equal((c.volumeMounts ?? []).some((m) => m.name === 'ack-secret-injector-ak-0'), c.name.startsWith('ack-secret-injector-'), c.name);
    }
  });
  await t.test('an allowed per-entry kmsEndpoint is passed through, with its instance CA from settings.kmsInstanceCAs', async () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const r = await run([f.namespace('shop'), f.serviceAccount('web'), f.externalSecret('db', { data: [{ key: 'k', kmsEndpoint: 'kst-abc.cryptoservice.kms.aliyuncs.com' }] })], { kmsInstanceCAs: { 'kst-abc.cryptoservice.kms.aliyuncs.com': pem } });
    assert.equal(r.config?.externalSecrets[0]?.data[0]?.kmsEndpoint, 'kst-abc.cryptoservice.kms.aliyuncs.com');
    assert.deepEqual(r.config?.kmsInstanceCas, { 'kst-abc.cryptoservice.kms.aliyuncs.com': pem });
  });
  await t.test('dataProcess extract and replaceRule are planned with the profile', async () => {
    const r = await run([f.namespace('shop'), f.serviceAccount('web'), f.externalSecret('db', { provider: 'oos', dataProcess: [{ extract: { key: 'shop/all', jmesPath: [{ path: 'user', objectAlias: 'username' }] }, replaceRule: [{ source: '^db_', target: '' }] }] })]);
    assert.deepEqual(r.config?.externalSecrets, [{ name: 'db', provider: 'oos', data: [], dataProcess: [{ extract: { key: 'shop/all', profile: 'pod-serviceaccount', jmesPath: [{ path: 'user', objectAlias: 'username' }] }, replaceRule: [{ source: '^db_', target: '' }] }] }]);
  });
});
