/**
 * `npm run demo`: the whole product on this machine with no cloud account. On Linux as root it
 * runs on a real node (demo/node-demo.ts: kubelet + containerd + runc, the image built from the
 * Dockerfile); elsewhere it says what is missing and runs the story below instead. A real kube-apiserver
 * calls the real webhook; the injected containers run (test/e2e/pod-runner.ts) against the local
 * Alibaba Cloud emulator with ServiceAccount tokens minted by the API server. Two tenants, each
 * with its own RAM role, get their own secrets as files; a rotation shows up in the running pod;
 * one tenant cannot read the other's secrets, neither at admission nor in the cloud.
 */
import { stringify } from 'yaml';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { nodeSupport } from '../test/e2e/node/node.ts';
import { readPod, runPod, type PodRun } from '../test/e2e/pod-runner.ts';
import { runNodeDemo } from './node-demo.ts';
import {
  apiErrorMessage, createExternalSecret, createTenant, eventually, optedInPod, rotateSecret, seedParameter, seedSecret, startStack, type Stack,
} from '../test/e2e/stack.ts';

const started = Date.now();
const bold = (s: string): string => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
function step(title: string): void {
  process.stdout.write(`\n${bold(`== ${title}`)}  (${((Date.now() - started) / 1000).toFixed(1)}s)\n`);
}
function say(line: string): void {
  process.stdout.write(`   ${line}\n`);
}

/** The injected part of a pod, as a short YAML excerpt (the config env is summarised, not dumped). */
function injectedExcerpt(pod: V1Pod): string {
  const short = (c: V1Container): Record<string, unknown> => ({
    name: c.name,
    command: c.command,
    ...(c.restartPolicy === undefined ? {} : { restartPolicy: c.restartPolicy }),
    ...(c.startupProbe === undefined ? {} : { startupProbe: c.startupProbe.httpGet }),
    env: (c.env ?? []).map((e) => ({ name: e.name, value: `<injector config: ${e.value?.length ?? 0} bytes, names only, no secret values>` })),
    volumeMounts: c.volumeMounts,
    securityContext: { runAsNonRoot: c.securityContext?.runAsNonRoot, readOnlyRootFilesystem: c.securityContext?.readOnlyRootFilesystem },
  });
  const ours = (c: V1Container): boolean => c.name.startsWith('ack-secret-injector');
  return stringify({
    metadata: { annotations: pod.metadata?.annotations },
    spec: {
      initContainers: (pod.spec?.initContainers ?? []).filter(ours).map(short),
      containers: (pod.spec?.containers ?? []).map((c) => (ours(c) ? short(c) : { name: c.name, volumeMounts: c.volumeMounts?.filter((m) => m.name.startsWith('ack-secret-injector')) })),
      volumes: (pod.spec?.volumes ?? []).filter((v) => v.name.startsWith('ack-secret-injector')),
    },
  });
}

async function showFiles(run: PodRun, folders: string[]): Promise<void> {
  for (const es of folders) {
    for (const key of await run.listKeys(es)) {
      const value = await run.readFile(es, key);
      // The demo's values are made up, so showing them is the point; the product never logs them.
      say(`${es}/${key} = ${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)}`);
    }
  }
}

async function main(): Promise<void> {
  step('1. Local control plane, Alibaba Cloud emulator and the webhook (registered from the Helm chart)');
  const stack: Stack = await startStack({ progress: say });
  const runs: PodRun[] = [];
  const env = { ...stack.emu.clientEnv(), SECRET_INJECTOR_TEST_LOOPBACK_ENDPOINT: stack.emu.endpoint };
  try {
    step('2. Two tenants: namespace + ServiceAccount + a RAM role that trusts only that ServiceAccount');
    const shop = await createTenant(stack, 'shop', 'shop/', 'web');
    const crm = await createTenant(stack, 'crm', 'crm/', 'api');
    say(`shop/web → ${shop.roleArn}`);
    say(`crm/api  → ${crm.roleArn}`);
    await seedSecret(stack, 'shop/db', JSON.stringify({ username: 'shop_rw', password: 'S3cr3t-shop-v1', port: 5432 }));
    await seedParameter(stack, 'shop/smtp', 'host: smtp.example.com\nuser: mailer\npassword: smtp-shop-v1\n');
    await seedSecret(stack, 'crm/api-token', 'crm-token-v1');
    say('seeded KMS secrets shop/db, crm/api-token and OOS parameter shop/smtp');

    step('3. ExternalSecrets (ack-secret-manager CRDs): jmesPath, dataProcess.extract, replaceRule, OOS');
    await createExternalSecret(stack, 'shop', 'db', {
      provider: 'kms',
      data: [{ key: 'shop/db', name: 'db', jmesPath: [{ path: 'username', objectAlias: 'username' }, { path: 'password', objectAlias: 'password' }] }],
    });
    await createExternalSecret(stack, 'shop', 'mail', { provider: 'oos', dataProcess: [{ extract: { key: 'shop/smtp' }, replaceRule: [{ source: '^(.*)$', target: 'smtp_$1' }] }] });
    await createExternalSecret(stack, 'crm', 'api', { provider: 'kms', data: [{ key: 'crm/api-token', name: 'token' }] });
    await createExternalSecret(stack, 'crm', 'peek', { provider: 'kms', data: [{ key: 'shop/db', name: 'stolen' }] });
    say('shop: db (jmesPath username/password), mail (OOS, extract + replaceRule); crm: api, peek (names shop/db)');

    step('4. Create the pods; the API server calls the webhook, validates and stores the mutated pods');
    await stack.core.createNamespacedPod({ namespace: 'shop', body: optedInPod('storefront', 'web', 'db,mail', { 'refresh-interval': '2s' }) });
    await stack.core.createNamespacedPod({ namespace: 'crm', body: optedInPod('crm-api', 'api', 'api', { mode: 'init-only' }) });
    const storefront = await readPod(stack, 'shop', 'storefront');
    say('stored pod shop/storefront (the injected part):');
    process.stdout.write(injectedExcerpt(storefront).replace(/^/gm, '      '));

    step('5. Run the injected containers (init, then the native sidecar until its startupProbe passes)');
    const shopRun = await runPod(stack, storefront, { env });
    runs.push(shopRun);
    say(`shop/storefront: init exited ${String(shopRun.initExitCode)}, agent ready; the app would now see /var/run/secrets/alibabacloud/:`);
    await showFiles(shopRun, ['db', 'mail']);

    step('6. Rotate shop/db in KMS; the running agent swaps the folder atomically');
    await rotateSecret(stack, 'shop/db', JSON.stringify({ username: 'shop_rw', password: 'S3cr3t-shop-v2', port: 5432 }));
    const t0 = Date.now();
    await eventually('the rotated password', async () => ((await shopRun.readFile('db', 'password')) === 'S3cr3t-shop-v2' ? true : undefined), 20_000);
    say(`db/password changed to "S3cr3t-shop-v2" after ${((Date.now() - t0) / 1000).toFixed(1)}s (refresh-interval 2s)`);
    await shopRun.stop();

    step('7. Tenant isolation');
    const crmRun = await runPod(stack, await readPod(stack, 'crm', 'crm-api'), { env, agent: false });
    runs.push(crmRun);
    say(`crm/crm-api (init-only): init exited ${String(crmRun.initExitCode)}`);
    await showFiles(crmRun, ['api']);
    await stack.core.createNamespacedPod({ namespace: 'crm', body: optedInPod('crm-peek', 'api', 'peek', { mode: 'init-only' }) });
    const peek = await runPod(stack, await readPod(stack, 'crm', 'crm-peek'), { env, agent: false });
    runs.push(peek);
    const refusal = peek.output().split('\n').find((l) => l.includes('failed:')) ?? peek.output().trim().split('\n').pop() ?? '';
    say(`crm/crm-peek asks for shop/db with crm's role: init exited ${String(peek.initExitCode)}, the cloud refused it:`);
    say(`  ${refusal.trim()}`);
    await stack.core.createNamespacedServiceAccount({ namespace: 'crm', body: { metadata: { name: 'borrowed', annotations: { 'ack.alibabacloud.com/role-arn': shop.roleArn } } } });
    await stack.core.createNamespacedPod({ namespace: 'crm', body: optedInPod('crm-borrow', 'borrowed', 'peek', { mode: 'init-only' }) });
    const borrow = await runPod(stack, await readPod(stack, 'crm', 'crm-borrow'), { env, agent: false });
    runs.push(borrow);
    const trust = borrow.output().split('\n').find((l) => l.includes('failed:')) ?? '';
    say(`crm/crm-borrow annotates its ServiceAccount with shop's role ARN: init exited ${String(borrow.initExitCode)}, STS refused the token:`);
    say(`  ${trust.trim()}`);
    try {
      await createExternalSecret(stack, 'crm', 'cross', { provider: 'kms', data: [{ key: 'shop/db', name: 'x', secretStoreRef: { name: 'shop-store', namespace: 'shop' } }] });
      await stack.core.createNamespacedPod({ namespace: 'crm', body: optedInPod('crm-cross', 'api', 'cross') });
      say('UNEXPECTED: the cross-namespace SecretStore pod was admitted');
      process.exitCode = 1;
    } catch (err) {
      say('crm/crm-cross points at a SecretStore in namespace shop: the API server returned the webhook denial:');
      say(`  ${apiErrorMessage(err)}`);
    }
    if (shopRun.initExitCode !== 0 || crmRun.initExitCode !== 0 || peek.initExitCode === 0 || borrow.initExitCode === 0) process.exitCode = 1;
  } finally {
    step('8. Clean up');
    for (const r of runs) await r.stop();
    await stack.stop();
    say('stopped the webhook, the emulator, kube-apiserver and etcd; removed the temp folders');
  }
  process.stdout.write(`\n${bold(`demo ${process.exitCode === 1 ? 'FAILED' : 'finished'} in ${((Date.now() - started) / 1000).toFixed(1)}s`)}\n`);
}

const missing = process.env['ACK_SI_DEMO_POD_RUNNER'] === '1' ? ['(ACK_SI_DEMO_POD_RUNNER=1 asks for the pod runner)'] : nodeSupport();
if (missing.length === 0) {
  if (!(await runNodeDemo(step, say))) process.exitCode = 1;
  process.stdout.write(`\n${bold(`demo on the real node ${process.exitCode === 1 ? 'FAILED' : 'finished'} in ${((Date.now() - started) / 1000).toFixed(1)}s`)}\n`);
} else {
  process.stdout.write(`The real-node demo cannot run here; missing: ${missing.join('; ')}.\n` +
    'Running the pod-runner demo instead: the injected containers run as local processes (as root, no image, host network).\n');
  await main();
}
