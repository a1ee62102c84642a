/**
 * Issue 17 end to end on a real kube-apiserver (with the chart's CRDs, so every object passes the
 * API server's own schema): a ClusterExternalSecret provides an ExternalSecret to the namespaces
 * its conditions select, and its denial elsewhere says why; per-ExternalSecret `rotationInterval`
 * and an OOS `versionId` are carried into the stored pod's injector config. These tests are
 * admission only: the injected containers run on the real node in node-pods.test.ts (the
 * ClusterExternalSecret's files, the 1 s token refreshed while the 1 h certificate is not, the
 * pinned parameter version), which needs root.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { parseInjectorConfig } from '../../contract/injector-config-schema.ts';
import { apiErrorMessage, createExternalSecret, createTenant, optedInPod, seedParameter, seedSecret, startStack, type Stack, type Tenant } from './stack.ts';

const INIT_NAME = 'ack-secret-injector-init';

/** The injector config the webhook put into the stored pod's init container. */
function configOf(pod: V1Pod): ReturnType<typeof parseInjectorConfig> {
  const init = pod.spec?.initContainers?.find((c) => c.name === INIT_NAME);
  return parseInjectorConfig(init?.env?.find((e) => e.name === 'SECRET_INJECTOR_CONFIG')?.value);
}

describe('end to end: issue 17 (ClusterExternalSecret, rotationInterval, OOS versions)', { timeout: 600_000 }, () => {
  let stack: Stack;
  let a: Tenant;
  let c: Tenant;
  /** The stored pod, as the webhook patched it. */
  const created = async (namespace: string, body: V1Pod): Promise<V1Pod> => {
    const pod = await stack.core.createNamespacedPod({ namespace, body });
    return stack.core.readNamespacedPod({ namespace, name: pod.metadata?.name ?? '' });
  };

  before(async () => {
    stack = await startStack();
    a = await createTenant(stack, 'team-a', 'team-a/');
    c = await createTenant(stack, 'team-c', 'team-c/');
    await seedSecret(stack, 'team-a/shared-db', JSON.stringify({ password: 'pw-shared-A-4411' }));
    // One ClusterExternalSecret for every namespace labelled tenant=team-a (the tenant label createTenant sets).
    await stack.custom.createClusterCustomObject({
      group: 'alibabacloud.com', version: 'v1alpha1', plural: 'clusterexternalsecrets',
      body: {
        apiVersion: 'alibabacloud.com/v1alpha1', kind: 'ClusterExternalSecret', metadata: { name: 'shared-db-everywhere' },
        spec: {
          externalSecretName: 'shared-db',
          conditions: [{ namespaceSelector: { matchLabels: { tenant: 'team-a' } } }],
          externalSecretSpec: { provider: 'kms', data: [{ key: 'team-a/shared-db', name: 'db.json', jmesPath: [{ path: 'password', objectAlias: 'password' }] }] },
        },
      },
    });
    await seedSecret(stack, 'team-a/token', 'token-gen-1-aaaa');
    await seedSecret(stack, 'team-a/cert', 'cert-gen-1-bbbb');
    await createExternalSecret(stack, a.namespace, 'token', { data: [{ key: 'team-a/token', name: 'token' }], rotationInterval: '1s' });
    await createExternalSecret(stack, a.namespace, 'cert', { data: [{ key: 'team-a/cert', name: 'cert' }], rotationInterval: '1h' });
    await seedParameter(stack, 'team-a/smtp-password', 'smtp-v1-cccc');
    await seedParameter(stack, 'team-a/smtp-password', 'smtp-v2-dddd');
    await createExternalSecret(stack, a.namespace, 'smtp', { provider: 'oos', data: [{ key: 'team-a/smtp-password', name: 'pinned', versionId: '1' }, { key: 'team-a/smtp-password', name: 'latest' }] });
  });

  after(async () => {
    await stack?.stop();
  });

  test('a pod names a ClusterExternalSecret by its externalSecretName in a selected namespace', async () => {
    const config = configOf(await created(a.namespace, optedInPod('ces', a.serviceAccount, 'shared-db', { mode: 'init-only' })));
    assert.deepEqual(config.externalSecrets.map((e) => [e.name, e.data[0]?.key]), [['shared-db', 'team-a/shared-db']]);
  });

  test('a namespace the ClusterExternalSecret does not select is denied, saying why', async () => {
    await assert.rejects(stack.core.createNamespacedPod({ namespace: c.namespace, body: optedInPod('ces-c', c.serviceAccount, 'shared-db') }), (err: unknown) => {
      assert.match(apiErrorMessage(err), /ExternalSecret team-c\/shared-db not found .*ClusterExternalSecret "shared-db-everywhere" does not admit namespace "team-c"/);
      return true;
    });
  });

  test('rotationInterval is carried per ExternalSecret into the stored pod', async () => {
    const config = configOf(await created(a.namespace, optedInPod('rot-config', a.serviceAccount, 'token,cert')));
    assert.deepEqual(config.externalSecrets.map((e) => [e.name, e.refreshIntervalSeconds]), [['token', 1], ['cert', 3600]]);
  });

  test('an OOS versionId is carried into the stored pod, beside a sibling reading the latest version', async () => {
    const config = configOf(await created(a.namespace, optedInPod('oos-ver', a.serviceAccount, 'smtp', { mode: 'init-only' })));
    assert.deepEqual(config.externalSecrets[0]?.data.map((d) => [d.name, d.versionId]), [['pinned', '1'], ['latest', undefined]]);
  });

  test('no webhook log line contains a seeded secret value', () => {
    const log = stack.webhookLog();
    assert.ok(log.length > 0, 'the webhook logged');
    for (const s of stack.secrets) assert.ok(!log.includes(s), `the webhook log contains a seeded value (${s.length} chars)`);
  });
});
