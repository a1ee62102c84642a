import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, InjectorError } from '../../common/errors.ts';
import { createLogger } from '../../common/log.ts';
import { ClusterCache } from '../../webhook/server/cluster-cache.ts';
import { createWebhookMetrics } from '../../webhook/server/metrics.ts';
import { FakeKubeApi, type FakeObject } from './webhook-server-fake-kube-api.ts';

/** Collects pino's JSON lines. */
function logSink(): { lines: string[]; write(s: string): void } {
  const lines: string[] = [];
  return { lines, write: (s: string) => void lines.push(s) };
}

/** Waits for `cond` (event-driven state in another socket), bounded so a bug fails instead of hanging. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await sleep(10);
  }
  assert.fail(`timed out waiting for ${what}`);
}

const ns = (name: string): FakeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { team: name } } });
const MANAGED_FIELDS = [{ manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:annotations': {} } } }];
const sa = (namespace: string, name: string): FakeObject => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace, managedFields: MANAGED_FIELDS, annotations: { 'ack.alibabacloud.com/role-arn': 'acs:ram::123:role/app' } } });
const es = (namespace: string, name: string): FakeObject => ({ apiVersion: 'alibabacloud.com/v1alpha1', kind: 'ExternalSecret', metadata: { name, namespace }, spec: { data: [{ key: 'db', name: 'password' }] } });
const ss = (namespace: string, name: string): FakeObject => ({ apiVersion: 'alibabacloud.com/v1alpha1', kind: 'SecretStore', metadata: { name, namespace }, spec: { KMS: { KMSAuth: { ramRoleARN: 'acs:ram::123:role/store' } } } });
const css = (name: string): FakeObject => ({ apiVersion: 'alibabacloud.com/v1alpha1', kind: 'ClusterSecretStore', metadata: { name }, spec: {} });
const ces = (name: string): FakeObject => ({ apiVersion: 'alibabacloud.com/v1alpha1', kind: 'ClusterExternalSecret', metadata: { name }, spec: { externalSecretName: 'db', externalSecretSpec: { data: [{ key: 'db', name: 'password' }] } } });

function seed(api: FakeKubeApi): void {
  api.listed.set('namespaces', [ns('team-a'), ns('team-b')]);
  api.listed.set('serviceaccounts', [sa('team-a', 'app')]);
  api.listed.set('externalsecrets', [es('team-a', 'db')]);
  api.listed.set('secretstores', [ss('team-a', 'store')]);
  api.listed.set('clustersecretstores', [css('shared')]);
  api.listed.set('clusterexternalsecrets', [ces('everywhere')]);
}

describe('ClusterCache against an HTTP Kubernetes API', () => {
  let api: FakeKubeApi;
  let cache: ClusterCache;
  const metrics = createWebhookMetrics();
  const sink = logSink();

  before(async () => {
    api = new FakeKubeApi();
    seed(api);
    await api.start();
    cache = new ClusterCache({ kubeConfig: api.kubeConfig(), logger: createLogger({ name: 't', level: 'debug' }, sink), metrics });
    assert.equal(cache.hasSynced(), false, 'not synced before start');
    cache.start();
    await cache.whenSynced();
  });
  after(async () => {
    cache.stop();
    await api.close();
  });

  const cachedCases: Array<{ name: string; resource: string; read: (c: ClusterCache) => Promise<unknown>; expectName: string }> = [
    { name: 'namespace served from the cache', resource: 'namespaces', read: (c) => c.namespace('team-a'), expectName: 'team-a' },
    { name: 'service account served from the cache', resource: 'serviceaccounts', read: (c) => c.serviceAccount('team-a', 'app'), expectName: 'app' },
    { name: 'external secret served from the cache', resource: 'externalsecrets', read: (c) => c.externalSecret('team-a', 'db'), expectName: 'db' },
    { name: 'secret store served from the cache', resource: 'secretstores', read: (c) => c.secretStore('team-a', 'store'), expectName: 'store' },
    { name: 'cluster secret store served from the cache', resource: 'clustersecretstores', read: (c) => c.clusterSecretStore('shared'), expectName: 'shared' },
  ];
  for (const tc of cachedCases) {
    it(`${tc.name} without a direct GET`, async () => {
      const obj = (await tc.read(cache)) as FakeObject | undefined;
      assert.equal(obj?.metadata.name, tc.expectName);
      assert.deepEqual(api.getsFor(tc.resource), []);
    });
  }

  it('lists ClusterExternalSecrets from the cache without a request', async () => {
    api.requests.length = 0;
    assert.deepEqual((await cache.clusterExternalSecrets()).map((c) => c.metadata.name), ['everywhere']);
    assert.deepEqual(api.requests, []);
  });

  it('reports synced and sets the cache_synced gauge for all six resources', async () => {
    assert.equal(cache.hasSynced(), true);
    assert.deepEqual(cache.syncState(), { namespaces: true, serviceaccounts: true, externalsecrets: true, secretstores: true, clustersecretstores: true, clusterexternalsecrets: true });
    const text = await metrics.registry.metrics();
    for (const r of ['namespaces', 'serviceaccounts', 'externalsecrets', 'secretstores', 'clustersecretstores', 'clusterexternalsecrets']) {
      assert.match(text, new RegExp(`ack_secret_injector_cache_synced\\{resource="${r}"\\} 1`));
    }
  });

  it('drops managedFields from listed objects and keeps everything else', async () => {
    const got = (await cache.serviceAccount('team-a', 'app')) as FakeObject | undefined;
    assert.equal(got?.metadata.managedFields, undefined);
    assert.deepEqual(got?.metadata.annotations, { 'ack.alibabacloud.com/role-arn': 'acs:ram::123:role/app' });
  });

  it('does not serve an object of the same name from another namespace', async () => {
    api.requests.length = 0;
    assert.equal(await cache.serviceAccount('team-b', 'app'), undefined);
    assert.deepEqual(api.getsFor('serviceaccounts'), ['GET /api/v1/namespaces/team-b/serviceaccounts/app']);
  });

  const missCases: Array<{ name: string; resource: string; key: string; obj?: FakeObject; read: (c: ClusterCache) => Promise<unknown>; path: string }> = [
    { name: 'an external secret created a moment ago is found by one direct GET', resource: 'externalsecrets', key: 'externalsecrets/team-a/fresh', obj: es('team-a', 'fresh'), read: (c) => c.externalSecret('team-a', 'fresh'), path: 'GET /apis/alibabacloud.com/v1alpha1/namespaces/team-a/externalsecrets/fresh' },
    { name: 'a service account created a moment ago is found by one direct GET', resource: 'serviceaccounts', key: 'serviceaccounts/team-a/fresh', obj: sa('team-a', 'fresh'), read: (c) => c.serviceAccount('team-a', 'fresh'), path: 'GET /api/v1/namespaces/team-a/serviceaccounts/fresh' },
    { name: 'a cluster secret store created a moment ago is found by one direct GET', resource: 'clustersecretstores', key: 'clustersecretstores//fresh', obj: css('fresh'), read: (c) => c.clusterSecretStore('fresh'), path: 'GET /apis/alibabacloud.com/v1alpha1/clustersecretstores/fresh' },
    { name: 'a namespace that does not exist is undefined after one direct GET', resource: 'namespaces', key: 'namespaces//ghost', read: (c) => c.namespace('ghost'), path: 'GET /api/v1/namespaces/ghost' },
    { name: 'a secret store that does not exist is undefined after one direct GET', resource: 'secretstores', key: 'secretstores/team-a/ghost', read: (c) => c.secretStore('team-a', 'ghost'), path: 'GET /apis/alibabacloud.com/v1alpha1/namespaces/team-a/secretstores/ghost' },
  ];
  for (const tc of missCases) {
    it(tc.name, async () => {
      if (tc.obj !== undefined) api.onlyByGet.set(tc.key, tc.obj);
      api.requests.length = 0;
      const got = (await tc.read(cache)) as FakeObject | undefined;
      assert.equal(got?.metadata.name, tc.obj?.metadata.name);
      assert.deepEqual(api.getsFor(tc.resource), [tc.path]);
    });
  }

  it('turns a failing direct GET into a retryable E_KUBE error naming the object', async () => {
    api.failingGets.add('externalsecrets/team-a/broken');
    await assert.rejects(cache.externalSecret('team-a', 'broken'), (err: unknown) => {
      assert.ok(err instanceof InjectorError);
      assert.equal(err.code, ErrorCode.KUBE);
      assert.equal(err.retryable, true);
      assert.match(err.message, /externalsecrets team-a\/broken/);
      assert.match(err.message, /HTTP 500/);
      return true;
    });
    assert.match(await metrics.registry.metrics(), /cache_fallback_gets_total\{resource="externalsecrets",result="error"\} 1/);
  });

  it('sees an object added through the watch that a direct GET would not find', async () => {
    await until(() => api.watching('externalsecrets') > 0, 'the externalsecrets watch');
    api.requests.length = 0;
    api.push('externalsecrets', 'ADDED', es('team-b', 'watched'));
    // The API's direct GET would answer 404 for this object: only the watch can deliver it.
    let got: unknown;
    await until(() => {
      void cache.externalSecret('team-b', 'watched').then((v) => (got = v));
      return got !== undefined;
    }, 'the watched object');
    assert.equal((got as FakeObject).metadata.name, 'watched');
  });

  it('drops managedFields from objects that arrive through the watch', async () => {
    await until(() => api.watching('serviceaccounts') > 0, 'the serviceaccounts watch');
    api.push('serviceaccounts', 'ADDED', sa('team-b', 'watched-sa'));
    let got: FakeObject | undefined;
    await until(() => {
      void cache.serviceAccount('team-b', 'watched-sa').then((v) => (got = v as FakeObject | undefined));
      return got !== undefined;
    }, 'the watched service account');
    assert.equal(got?.metadata.managedFields, undefined);
    assert.equal(got?.metadata.namespace, 'team-b');
  });
});

describe('ClusterCache when the CRDs are not installed yet', () => {
  it('stays unready, logs which CRD is missing, retries and syncs once the CRDs appear', async () => {
    const api = new FakeKubeApi();
    seed(api);
    api.crdsInstalled = false;
    await api.start();
    const sink = logSink();
    const cache = new ClusterCache({ kubeConfig: api.kubeConfig(), logger: createLogger({ name: 't' }, sink), retryBaseMs: 20, retryMaxMs: 40 });
    try {
      cache.start();
      await until(() => cache.syncState().namespaces && cache.syncState().serviceaccounts, 'core resources to sync');
      await until(() => sink.lines.some((l) => l.includes('clustersecretstores.alibabacloud.com')), 'the missing-CRD log line');
      assert.equal(cache.hasSynced(), false);
      assert.equal(cache.syncState().externalsecrets, false);
      const warn = JSON.parse(sink.lines.find((l) => l.includes(' externalsecrets.alibabacloud.com'))!) as { level: number; msg: string; err: string };
      assert.equal(warn.level, 40, 'logged at warn');
      assert.match(warn.msg, /CustomResourceDefinition externalsecrets\.alibabacloud\.com \(v1alpha1\) is not installed yet/);
      assert.match(warn.err, /HTTP 404/);
      const listsBefore = api.requests.filter((r) => r === 'GET /apis/alibabacloud.com/v1alpha1/externalsecrets').length;
      await until(() => api.requests.filter((r) => r === 'GET /apis/alibabacloud.com/v1alpha1/externalsecrets').length > listsBefore, 'a retry');
      const missingLogs = sink.lines.filter((l) => l.includes(' externalsecrets.alibabacloud.com')).length;
      assert.equal(missingLogs, 1, 'the missing CRD is logged once per outage, not on every retry');
      api.crdsInstalled = true;
      await cache.whenSynced();
      assert.equal(cache.hasSynced(), true);
      assert.equal(((await cache.externalSecret('team-a', 'db')) as FakeObject | undefined)?.metadata.name, 'db');
    } finally {
      cache.stop();
      await api.close();
    }
  });
});
