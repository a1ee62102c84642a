// Issue 13, "every message quotes a bounded excerpt of a value", for what the credential planner
// reads from objects (webhook/admission/isolation.ts and plan/): ExternalSecret, store and
// ClusterExternalSecret names, namespaces, keys, role ARNs, selectors, regexes. The API server
// validates none of these at pod admission (they come from other objects, or from a forged
// review), so each is fed at 1 MB through admit(): every problem and warning must stay under
// 2 KB, name the field, and name the limit where there is one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admit } from '../../webhook/admission/admit.ts';
import type { KubeObject } from '../../webhook/manifests.ts';
import * as f from '../fixtures/webhook-fixtures.ts';

const MB = 1_000_000;
/** One problem or warning: far below the input, whatever the input. */
const MAX_TEXT = 2000;
const huge = (c = 'a'): string => c.repeat(MB);
/** A 1 MB value quoted as the 253-character excerpt with its length (common/excerpt.ts quote). */
const excerptOf = (c = 'a', length = MB): string => `"${c.repeat(253)}"… \\(${length} characters\\)`;
const P = 'secret-injector.alibabacloud.com/';

const es = (entry: Record<string, unknown>, spec: Record<string, unknown> = {}): KubeObject => f.externalSecret('db', { data: [{ key: 'shop/db', name: 'password', ...entry }], ...spec });
const storeRef = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ secretStoreRef: { name, ...extra } });
const ces = (name: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'alibabacloud.com/v1alpha1', kind: 'ClusterExternalSecret', metadata: { name }, spec });
const base = (): KubeObject[] => [f.namespace('shop', { team: 'shop' }), f.serviceAccount('web')];
const akRef = (ref: Record<string, unknown>): Record<string, unknown> => ({ accessKey: { name: 'ak', key: 'id', ...ref }, accessKeySecret: { name: 'ak', key: 'secret' } });

interface Case {
  name: string;
  objects: KubeObject[];
  annotations?: Record<string, string>;
  /** Where the text comes from: a denial's problems (default) or the warnings of an allowed pod. */
  in?: 'warnings';
  /** The field the text names. */
  field: RegExp;
  /** The bounded excerpt or the limit the text names. */
  says: RegExp;
}

const cases: Case[] = [
  {
    name: 'a 1 MB secretStoreRef.name (SecretStore) is refused with the 253-character object name limit',
    objects: [...base(), es(storeRef(huge()))],
    field: /ExternalSecret shop\/db spec\.data\[0\]\.secretStoreRef\.name: /,
    says: new RegExp(`${excerptOf()} is longer than Kubernetes' limit of 253 characters for an object name`),
  },
  {
    name: 'a 1 MB secretStoreRef.name (ClusterSecretStore) is refused the same way, before any lookup',
    objects: [...base(), es(storeRef(huge(), { kind: 'ClusterSecretStore' }))],
    field: /spec\.data\[0\]\.secretStoreRef\.name: /,
    says: /is longer than Kubernetes' limit of 253 characters for an object name/,
  },
  {
    name: 'a 254-character secretStoreRef.name is one over the limit',
    objects: [...base(), es(storeRef('s'.repeat(254)))],
    field: /spec\.data\[0\]\.secretStoreRef\.name: /,
    says: new RegExp(`${excerptOf('s', 254)} is longer than Kubernetes' limit of 253 characters`),
  },
  {
    name: 'a secretStoreRef.name that is no DNS-1123 subdomain is refused, naming the rule',
    objects: [...base(), es(storeRef('Shop_Store'))],
    field: /spec\.data\[0\]\.secretStoreRef\.name: "Shop_Store" /,
    says: /is not a Kubernetes object name \(a DNS-1123 subdomain/,
  },
  {
    name: 'a 1 MB secretStoreRef.namespace (another namespace) is quoted as an excerpt',
    objects: [...base(), es(storeRef('kms', { namespace: huge('n') }))],
    field: /spec\.data\[0\]: secretStoreRef names SecretStore "kms" in namespace /,
    says: new RegExp(excerptOf('n')),
  },
  {
    name: 'a 1 MB serviceAccountRef.name is quoted as an excerpt',
    objects: [...base(), es(storeRef('kms')), f.secretStore('kms', { serviceAccountRef: { name: huge() } })],
    field: /SecretStore shop\/kms spec\.KMS\.KMSAuth\.serviceAccountRef: serviceAccountRef names ServiceAccount shop\//,
    says: new RegExp(`${excerptOf()}, but the pod runs as shop/web`),
  },
  {
    name: 'a 1 MB serviceAccountRef.namespace is quoted as an excerpt',
    objects: [...base(), es(storeRef('kms')), f.secretStore('kms', { serviceAccountRef: { name: 'web', namespace: huge('n') } })],
    field: /serviceAccountRef: serviceAccountRef names ServiceAccount /,
    says: new RegExp(`${excerptOf('n')}/web, but`),
  },
  {
    name: '100,000 serviceAccountRef.audiences of 1 KB each: ten are named',
    objects: [...base(), es(storeRef('kms')), f.secretStore('kms', { ramRoleARN: f.ROLE_ARN, serviceAccountRef: { name: 'web', audiences: Array.from({ length: 100_000 }, () => 'u'.repeat(1000)) } })],
    field: /serviceAccountRef\.audiences: \[/,
    says: /^[^…]*("u{100}"… \(1000 characters\),){10}… and 99990 more\] does not include the webhook's token audience/,
  },
  {
    name: 'a 1 MB AccessKey Secret name is refused with the object name limit',
    objects: [...base(), es(storeRef('kms')), f.secretStore('kms', akRef({ name: huge() }))],
    field: /spec\.KMS\.KMSAuth\.accessKey\.name: /,
    says: new RegExp(`${excerptOf()} is longer than Kubernetes' limit of 253 characters for an object name`),
  },
  {
    name: 'a 1 MB AccessKey Secret key is refused with the Secret key limit',
    objects: [...base(), es(storeRef('kms')), f.secretStore('kms', akRef({ key: huge('k') }))],
    field: /spec\.KMS\.KMSAuth\.accessKey\.key: /,
    says: new RegExp(`${excerptOf('k')}: a Secret key must be at most 253 characters`),
  },
  {
    name: 'an AccessKey Secret key that would leave the mount (../) is refused',
    objects: [...base(), es(storeRef('kms')), f.secretStore('kms', akRef({ key: '../../token' }))],
    field: /spec\.KMS\.KMSAuth\.accessKey\.key: "\.\.\/\.\.\/token": /,
    says: /a Secret key must consist of alphanumeric characters/,
  },
  {
    name: 'a 1 MB AccessKey Secret namespace is quoted as an excerpt',
    objects: [...base(), es(storeRef('kms')), f.secretStore('kms', akRef({ namespace: huge('n') }))],
    field: /spec\.KMS\.KMSAuth\.accessKey: names Secret /,
    says: new RegExp(`${excerptOf('n')}/ak; AccessKey Secrets must be in the pod's namespace "shop"`),
  },
  {
    name: 'a 1 MB ramRoleARN is quoted as an excerpt, with the accepted form',
    objects: [...base(), es(storeRef('kms')), f.secretStore('kms', { ramRoleARN: huge('r') })],
    field: /spec\.KMS\.KMSAuth\.ramRoleARN: invalid value /,
    says: new RegExp(`${excerptOf('r')}; expected "acs:ram::<accountId>:role/<roleName>"`),
  },
  {
    name: 'a 1 MB remoteRamRoleARN is quoted as an excerpt',
    objects: [...base(), es(storeRef('kms')), f.secretStore('kms', { remoteRamRoleARN: huge('r') })],
    field: /\.remoteRamRoleARN: invalid value /,
    says: new RegExp(excerptOf('r')),
  },
  {
    name: 'a 1 MB ramRoleSessionName is refused with STS\'s 64-character limit',
    objects: [...base(), es(storeRef('kms')), f.secretStore('kms', { ramRoleARN: f.ROLE_ARN, ramRoleSessionName: huge('s') })],
    field: /\.ramRoleSessionName: invalid value /,
    says: new RegExp(`${excerptOf('s')}; expected 2-64 letters`),
  },
  {
    name: 'a 1 MB oidcProviderARN is quoted as an excerpt',
    objects: [...base(), es(storeRef('kms')), f.secretStore('kms', { ramRoleARN: f.ROLE_ARN, oidcProviderARN: huge('o') })],
    field: /\.oidcProviderARN: invalid value /,
    says: new RegExp(excerptOf('o')),
  },
  {
    name: 'a 1 MB role-arn annotation on the ServiceAccount is quoted as an excerpt',
    objects: [f.namespace('shop'), f.serviceAccount('web', { 'ack.alibabacloud.com/role-arn': huge('r') }), es({})],
    field: /ServiceAccount shop\/web annotation ack\.alibabacloud\.com\/role-arn: invalid value /,
    says: new RegExp(excerptOf('r')),
  },
  {
    name: 'a 1 MB ClusterExternalSecret name claiming the ExternalSecret is quoted in the not-found denial',
    objects: [...base(), ces(huge('c'), { externalSecretName: 'db', externalSecretSpec: { data: [{ key: 'shop/db' }] }, conditions: [{ namespaces: ['payments'] }] })],
    field: /ExternalSecret shop\/db not found .* ClusterExternalSecret /,
    says: new RegExp(`${excerptOf('c')} does not admit namespace "shop"`),
  },
  {
    name: '50 ClusterExternalSecrets claiming one name: three are named',
    objects: [...base(), ...Array.from({ length: 50 }, (_, i) => ces(`c${i}-${'x'.repeat(200)}`, { externalSecretName: 'db', externalSecretSpec: { data: [{ key: 'shop/db' }] } }))],
    field: /ExternalSecret shop\/db: ClusterExternalSecret c0-x+, /,
    says: /ClusterExternalSecret c2-x+, … and 47 more all claim this name for namespace "shop"/,
  },
  {
    name: '50 ClusterExternalSecrets claiming the name for other namespaces: three reasons are given',
    objects: [...base(), ...Array.from({ length: 50 }, (_, i) => ces(`c${i}`, { externalSecretName: 'db', externalSecretSpec: { data: [{ key: 'shop/db' }] }, conditions: [{ namespaces: ['payments'] }] }))],
    field: /ExternalSecret shop\/db not found /,
    says: /ClusterExternalSecret "c2" does not admit namespace "shop": [^;]*; … and 47 more$/,
  },
  {
    name: 'a 1 MB invalid namespaceRegexes pattern is quoted, and the regexp error cut',
    objects: [...base(), es(storeRef('shared', { kind: 'ClusterSecretStore' })), f.clusterSecretStore('shared', {}, [{ namespaceRegexes: [`(${huge('p')}`] }])],
    field: /ClusterSecretStore "shared" conditions\[0\]\.namespaceRegexes\[0\] /,
    says: /"\(p+"… \(1000001 characters\) is invalid \(error parsing regexp: missing closing \): `\(p+…\); the store is unusable/,
  },
  {
    name: 'a 1 MB matchLabels key is quoted as an excerpt',
    objects: [...base(), es(storeRef('shared', { kind: 'ClusterSecretStore' })), f.clusterSecretStore('shared', {}, [{ namespaceSelector: { matchLabels: { [huge('l')]: 'x' } } }])],
    field: /ClusterSecretStore "shared" conditions\[0\]\.namespaceSelector is invalid \(invalid label key /,
    says: new RegExp(`${excerptOf('l')} in matchLabels\\)`),
  },
  {
    name: 'a 1 MB matchLabels value is quoted as an excerpt',
    objects: [...base(), es(storeRef('shared', { kind: 'ClusterSecretStore' })), f.clusterSecretStore('shared', {}, [{ namespaceSelector: { matchLabels: { team: huge('v') } } }])],
    field: /conditions\[0\]\.namespaceSelector is invalid \(invalid label value /,
    says: new RegExp(`${excerptOf('v')} for team in matchLabels`),
  },
  {
    name: '100,000 invalid matchExpressions values: ten are named',
    objects: [...base(), es(storeRef('shared', { kind: 'ClusterSecretStore' })), f.clusterSecretStore('shared', {}, [{ namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'In', values: Array.from({ length: 100_000 }, (_, i) => `bad value ${i}`) }] } }])],
    field: /conditions\[0\]\.namespaceSelector is invalid \(invalid value in matchExpressions team: /,
    says: /"bad value 9", … and 99990 more\)/,
  },
  {
    name: 'a 1 MB data key that is the file name is refused with the Secret key limit',
    objects: [...base(), f.externalSecret('db', { data: [{ key: huge('k') }] })],
    field: /spec\.data\[0\]\.key: the file name would be /,
    says: new RegExp(`${excerptOf('k')}, but a Secret key must be at most 253 characters`),
  },
  {
    name: 'a 1 MB kmsEndpoint is quoted as an excerpt',
    objects: [...base(), es({ kmsEndpoint: huge('e') })],
    field: /spec\.data\[0\]\.kmsEndpoint: invalid value /,
    says: new RegExp(excerptOf('e')),
  },
  {
    name: 'a 1 MB dedicated KMS instance host without a CA is quoted as an excerpt, twice',
    objects: [...base(), es({ kmsEndpoint: `${huge('h')}.cryptoservice.kms.aliyuncs.com` })],
    field: /spec\.data\[0\]\.kmsEndpoint: /,
    says: new RegExp(`"h{253}"… \\(${MB + 31} characters\\)`),
  },
  {
    name: 'a 1 MB rotationInterval is quoted as an excerpt, with the accepted range',
    objects: [...base(), es({}, { rotationInterval: huge('9') })],
    field: /spec\.rotationInterval: invalid value /,
    says: new RegExp(`${excerptOf('9')}; expected a Go duration in whole seconds`),
  },
  {
    name: 'a valid 1 MB rotationInterval overridden by the annotation is quoted as an excerpt in the warning',
    objects: [...base(), es({}, { rotationInterval: `${'0s'.repeat(MB / 2)}1h` })],
    annotations: { [`${P}refresh-interval`]: '1m' },
    in: 'warnings',
    field: /spec\.rotationInterval /,
    says: /"(0s)+0"… \(1000002 characters\) is overridden by the pod's annotation/,
  },
  {
    name: 'a 1 MB OOS versionId is quoted as an excerpt, with the accepted range',
    objects: [...base(), es({ versionId: huge('9') }, { provider: 'oos' })],
    field: /spec\.data\[0\]\.versionId: invalid value /,
    says: new RegExp(`${excerptOf('9')} for an OOS parameter; expected a parameter version, an integer from 1 to 100`),
  },
  {
    name: 'a 1 MB template file name is quoted as an excerpt',
    objects: [...base(), es({}, { target: { template: { data: { [huge('t')]: 'x' } } } })],
    field: /spec\.target\.template\.data\["t+…\]: /,
    says: /is not a valid file name: a Secret key must be at most 253 characters/,
  },
  {
    name: 'a 1 MB unknown field of an ExternalSecret is warned about with an excerpt of its name',
    objects: [...base(), es({}, { [huge('u')]: 'x' })],
    in: 'warnings',
    field: /ExternalSecret shop\/db spec\."u+…/,
    says: /unknown field/,
  },
];

/** The numbered problems of a denial ("… N problems: (1) a; (2) b"), or the warnings. */
async function texts(c: Case): Promise<{ texts: string[]; responseBytes: number }> {
  const pod = f.pod(c.annotations === undefined ? {} : { annotations: c.annotations });
  const res = await admit(f.review(pod), f.resolver(c.objects), f.settings());
  const responseBytes = Buffer.byteLength(JSON.stringify(res));
  if (c.in === 'warnings') {
    assert.equal(res.allowed, true, res.status?.message?.slice(0, 2000));
    return { texts: res.warnings ?? [], responseBytes };
  }
  assert.equal(res.allowed, false, 'denied');
  const message = res.status?.message ?? '';
  const list = message.replace(/^ack-secret-injector cannot inject pod shop\/web: \d+ problems?: /, '');
  return { texts: list.split(/(?:^|; )\(\d+\) /).filter((t) => t !== ''), responseBytes };
}

test('1 MB values from objects give bounded problems and warnings that name the field and the limit', async (t) => {
  for (const c of cases) {
    await t.test(c.name, async () => {
      const { texts: found, responseBytes } = await texts(c);
      const hit = found.find((x) => c.field.test(x));
      assert.ok(hit !== undefined, `no ${c.in ?? 'problem'} names the field ${c.field}: ${found.map((x) => x.slice(0, 300)).join(' | ')}`);
      assert.match(hit, c.says);
      for (const x of found) assert.ok(x.length < MAX_TEXT, `a ${c.in === 'warnings' ? 'warning' : 'problem'} of ${x.length} characters: ${x.slice(0, 300)}…`);
      // Ten problems (or the warnings) of at most 2 KB each, and the response around them.
      assert.ok(responseBytes < 12 * MAX_TEXT + 4096 || c.in === 'warnings', `a denial of ${responseBytes} bytes`);
    });
  }
});
