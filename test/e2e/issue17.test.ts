/**
 * Issue 17 end to end on a real kube-apiserver (with the chart's CRDs, so every object passes the
 * API server's own schema): a ClusterExternalSecret provides an ExternalSecret to the namespaces
 * its conditions select; per-ExternalSecret `rotationInterval` lets one agent refresh a fast token
 * without refetching a slow certificate; an OOS `versionId` reads that parameter version. The
 * injected containers run for real against the emulator (pod runner, needs root for mounts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { parseInjectorConfig } from '../../contract/injector-config-schema.ts';
import { canUseMountNamespaces, readPod, runPod, INIT_NAME, type PodRun } from './pod-runner.ts';
import { apiErrorMessage, createExternalSecret, createTenant, eventually, optedInPod, rotateSecret, seedParameter, seedSecret, startStack, type Stack, type Tenant } from './stack.ts';

const needsRoot = { skip: !canUseMountNamespaces() && 'needs unshare --mount (root)' };

/** The injector config the webhook put into the stored pod's init container. */
function configOf(pod: V1Pod): ReturnType<typeof parseInjectorConfig> {
  const init = pod.spec?.initContainers?.find((c) => c.name === INIT_NAME);
  return parseInjectorConfig(init?.env?.find((e) => e.name === 'SECRET_INJECTOR_CONFIG')?.value);
}

describe('end to end: issue 17 (ClusterExternalSecret, rotationInterval, OOS versions)', { timeout: 600_000 }, () => {
  let stack: Stack;
  let a: Tenant;
  let c: Tenant;
  const runs: PodRun[] = [];
  const run = async (pod: V1Pod, options: Parameters<typeof runPod>[2] = {}): Promise<PodRun> => {
    for (const r of runs) await r.stop();
    const r = await runPod(stack, pod, { env: { ...stack.emu.clientEnv(), SECRET_INJECTOR_TEST_LOOPBACK_ENDPOINT: stack.emu.endpoint }, ...options });
    runs.push(r);
    return r;
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
    for (const r of runs) await r.stop();
    await stack?.stop();
  });

  test('a pod names a ClusterExternalSecret by its externalSecretName in a selected namespace', async () => {
    const created = await stack.core.createNamespacedPod({ namespace: a.namespace, body: optedInPod('ces', a.serviceAccount, 'shared-db', { mode: 'init-only' }) });
    const config = configOf(await readPod(stack, a.namespace, created.metadata?.name ?? ''));
    assert.deepEqual(config.externalSecrets.map((e) => [e.name, e.data[0]?.key]), [['shared-db', 'team-a/shared-db']]);
  });

  test('a namespace the ClusterExternalSecret does not select is denied, saying why', async () => {
    await assert.rejects(stack.core.createNamespacedPod({ namespace: c.namespace, body: optedInPod('ces-c', c.serviceAccount, 'shared-db') }), (err: unknown) => {
      assert.match(apiErrorMessage(err), /ExternalSecret team-c\/shared-db not found .*ClusterExternalSecret "shared-db-everywhere" does not admit namespace "team-c"/);
      return true;
    });
  });

  test('pod runner: the ClusterExternalSecret\'s files are written by init', needsRoot, async () => {
    const created = await stack.core.createNamespacedPod({ namespace: a.namespace, body: optedInPod('ces-run', a.serviceAccount, 'shared-db', { mode: 'init-only' }) });
    const pod = await run(await readPod(stack, a.namespace, created.metadata?.name ?? ''), { agent: false });
    assert.equal(pod.initExitCode, 0, pod.output());
    assert.equal(await pod.readFile('shared-db', 'password'), 'pw-shared-A-4411');
  });

  test('rotationInterval is carried per ExternalSecret into the stored pod', async () => {
    const created = await stack.core.createNamespacedPod({ namespace: a.namespace, body: optedInPod('rot-config', a.serviceAccount, 'token,cert') });
    const config = configOf(await readPod(stack, a.namespace, created.metadata?.name ?? ''));
    assert.deepEqual(config.externalSecrets.map((e) => [e.name, e.refreshIntervalSeconds]), [['token', 1], ['cert', 3600]]);
  });

  test('pod runner: the 1s token follows rotations while the 1h certificate is not fetched again', needsRoot, async () => {
    const created = await stack.core.createNamespacedPod({ namespace: a.namespace, body: optedInPod('rot-run', a.serviceAccount, 'token,cert') });
    const pod = await run(await readPod(stack, a.namespace, created.metadata?.name ?? ''));
    assert.equal(pod.initExitCode, 0, pod.output());
    await rotateSecret(stack, 'team-a/cert', 'cert-gen-2-bbbb');
    for (const gen of ['token-gen-2-aaaa', 'token-gen-3-aaaa']) {
      await rotateSecret(stack, 'team-a/token', gen);
      await eventually(`the agent to write ${gen}`, async () => ((await pod.readFile('token', 'token')) === gen ? true : undefined), 20_000);
    }
    assert.equal(await pod.readFile('cert', 'cert'), 'cert-gen-1-bbbb', 'the 1h ExternalSecret was not refreshed');
  });

  test('pod runner: an OOS versionId reads that parameter version', needsRoot, async () => {
    const created = await stack.core.createNamespacedPod({ namespace: a.namespace, body: optedInPod('oos-ver', a.serviceAccount, 'smtp', { mode: 'init-only' }) });
    const pod = await run(await readPod(stack, a.namespace, created.metadata?.name ?? ''), { agent: false });
    assert.equal(pod.initExitCode, 0, pod.output());
    assert.equal(await pod.readFile('smtp', 'pinned'), 'smtp-v1-cccc');
    assert.equal(await pod.readFile('smtp', 'latest'), 'smtp-v2-dddd');
  });

  test('no log of the webhook or of any injected container contains a seeded secret value', () => {
    const logs = [stack.webhookLog(), ...runs.map((r) => r.output())].join('\n');
    for (const s of stack.secrets) assert.ok(!logs.includes(s), `a log contains a seeded value (${s.length} chars)`);
  });
});
