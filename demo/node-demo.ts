/**
 * `npm run demo` on a real node (Linux, root): the same story as demo.ts, but the injected pods
 * run under kubelet + containerd + runc from the image the project's Dockerfile builds
 * (test/e2e/node/), reaching the emulator the production way. The demo takes the same node lock
 * as the suite, so both can be started at once on one machine; the second waits.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { containerStatus, onNode, podLog, prepareNamespace, startNodeStack, waitForPod, type NodeStack } from '../test/e2e/node/node-stack.ts';
import { apiErrorMessage, createExternalSecret, createTenant, eventually, optedInPod, rotateSecret, seedSecret } from '../test/e2e/stack.ts';

const MOUNT = '/var/run/secrets/alibabacloud';
/** The demo's app prints the files whenever they change: the values are made up, showing them is the point. */
const SHOW = `last=; trap "exit 0" TERM; while true; do h=$(cat ${MOUNT}/db/* 2>/dev/null | md5sum); if [ "$h" != "$last" ]; then for f in ${MOUNT}/db/*; do echo "$f = $(cat $f)"; done; last=$h; fi; sleep 1; done`;

/** Runs the demo steps on the node; `step`/`say` print progress. Returns false when something was not as expected. */
export async function runNodeDemo(step: (title: string) => void, say: (line: string) => void): Promise<boolean> {
  step('1. Images, a local control plane, the emulator, the webhook, and a real node (kubelet + containerd + runc)');
  const ns: NodeStack = await startNodeStack({ progress: say });
  let ok = true;
  try {
    const v = ns.node.versions;
    say(`node ${ns.node.name}: kubelet ${v.kubelet}, ${v.containerd}, ${v.runc}; image ${ns.node.images.injector.ref}`);
    step('2. Two tenants, each with a RAM role that trusts only its ServiceAccount, and their secrets');
    const shop = await createTenant(ns.stack, 'shop', 'shop/', 'web');
    const crm = await createTenant(ns.stack, 'crm', 'crm/', 'api');
    for (const t of [shop, crm]) await prepareNamespace(ns, t.namespace);
    await seedSecret(ns.stack, 'shop/db', JSON.stringify({ username: 'shop_rw', password: 'S3cr3t-shop-v1' }));
    await createExternalSecret(ns.stack, 'shop', 'db', { provider: 'kms', data: [{ key: 'shop/db', name: 'db', jmesPath: [{ path: 'username', objectAlias: 'username' }, { path: 'password', objectAlias: 'password' }] }] });
    await createExternalSecret(ns.stack, 'crm', 'peek', { provider: 'kms', data: [{ key: 'shop/db', name: 'stolen' }] });
    say('shop: ExternalSecret db (KMS shop/db, jmesPath username/password); crm: peek (names shop/db)');

    step('3. Create shop/storefront; the webhook injects init + native sidecar; the kubelet runs them');
    await ns.stack.core.createNamespacedPod({ namespace: 'shop', body: onNode(ns, optedInPod('storefront', 'web', 'db', { 'refresh-interval': '2s' }), { app: SHOW }) });
    const pod = await waitForPod(ns, 'shop', 'storefront', 'Running', (p: V1Pod) => p.status?.phase === 'Running' && (p.status.containerStatuses ?? []).every((c) => c.ready));
    const init = containerStatus(pod, 'ack-secret-injector-init');
    say(`init container exited ${String(init?.state?.terminated?.exitCode)} (image ${init?.imageID ?? '?'}); the agent passed its startupProbe; the app started and printed (kubectl logs):`);
    for (const l of (await podLog(ns, 'shop', 'storefront', 'app')).trim().split('\n')) say(`  ${l}`);

    step('4. Rotate shop/db in KMS: the running app sees the new value');
    await rotateSecret(ns.stack, 'shop/db', JSON.stringify({ username: 'shop_rw', password: 'S3cr3t-shop-v2' }));
    const t0 = Date.now();
    await eventually('the rotated value in the app', async () => ((await podLog(ns, 'shop', 'storefront', 'app')).includes('S3cr3t-shop-v2') ? true : undefined), 30_000);
    say(`the app printed password = S3cr3t-shop-v2 after ${((Date.now() - t0) / 1000).toFixed(1)}s`);

    step('5. Tenant isolation: crm asks for shop/db with its own role');
    await ns.stack.core.createNamespacedPod({ namespace: 'crm', body: onNode(ns, { ...optedInPod('crm-peek', 'api', 'peek', { mode: 'init-only' }), spec: { ...optedInPod('crm-peek', 'api', 'peek').spec, containers: [{ name: 'app', image: 'x' }], restartPolicy: 'Never' } }) });
    const peek = await waitForPod(ns, 'crm', 'crm-peek', 'Failed', (p) => p.status?.phase === 'Failed', 180_000);
    const refusal = (await podLog(ns, 'crm', 'crm-peek', 'ack-secret-injector-init')).split('\n').find((l) => l.includes('NoPermission')) ?? '';
    say(`crm/crm-peek: init exited ${String(containerStatus(peek, 'ack-secret-injector-init')?.state?.terminated?.exitCode)}, the pod is ${peek.status?.phase}; the cloud refused it:`);
    say(`  ${refusal.slice(0, 400)}`);
    try {
      await createExternalSecret(ns.stack, 'crm', 'cross', { provider: 'kms', data: [{ key: 'shop/db', name: 'x', secretStoreRef: { name: 'shop-store', namespace: 'shop' } }] });
      await ns.stack.core.createNamespacedPod({ namespace: 'crm', body: optedInPod('crm-cross', 'api', 'cross') });
      say('UNEXPECTED: the cross-namespace SecretStore pod was admitted');
      ok = false;
    } catch (err) {
      say(`crm/crm-cross names a SecretStore in namespace shop; denied at admission: ${apiErrorMessage(err)}`);
    }
    if (init?.state?.terminated?.exitCode !== 0 || refusal === '') ok = false;
  } finally {
    step('6. Clean up: pods, kubelet, containerd, cgroups, mounts, bridge, kernel settings');
    const left = await ns.stop();
    if (left.length > 0) {
      say(`the machine is NOT as before: ${left.join('; ')}`);
      ok = false;
    } else {
      say('the machine is as before (no processes, mounts, cgroups, bridge or changed kernel settings left)');
    }
  }
  return ok;
}
