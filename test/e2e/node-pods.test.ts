/**
 * End to end on a REAL node: the injected pods run under kubelet v1.36 + containerd 2.x + runc,
 * from the image the project's Dockerfile builds (with local stand-in base images; docs/e2e.md),
 * against the cloud emulator reached the production way (hostAliases → bridge address, port 443,
 * CA trusted through settings.extraCaPem). What is asserted comes from the kubelet (pod status,
 * `kubectl logs` through the API server) and from the kernel (/proc and cgroups of the containers'
 * processes), never from a stand-in. After the suite the machine must be as before.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { paths } from './node/configs.ts';
import { nodeSupport } from './node/node.ts';
import { containerStatus, onNode, podLog, prepareNamespace, startNodeStack, waitForPod, type NodeStack } from './node/node-stack.ts';
import { eventually, createExternalSecret, createTenant, optedInPod, rotateSecret, seedParameter, seedSecret, type Tenant } from './stack.ts';

const INIT = 'ack-secret-injector-init';
const AGENT = 'ack-secret-injector-agent';
const MOUNT = '/var/run/secrets/alibabacloud';
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Host PIDs whose command line contains every one of `parts` (e.g. the agent of one pod). */
function hostPids(...parts: string[]): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const cmd = readFileSync(join('/proc', e, 'cmdline'), 'utf8').split('\0').join(' ');
      if (parts.every((p) => cmd.includes(p))) out.push(Number(e));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** `Uid:`/`Gid:`/`Seccomp:`/`NoNewPrivs:` of /proc/<pid>/status, and the v1 memory cgroup limit. */
function processFacts(pid: number): { uid: string; gid: string; seccomp: string; noNewPrivs: string; memoryLimit: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): string => (status.match(new RegExp(`^${name}:\\s+(\\S+)`, 'm')) ?? [])[1] ?? '?';
  const memoryPath = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => /:memory:/.test(l))?.split(':')[2] ?? '';
  const memoryLimit = Number(readFileSync(join('/sys/fs/cgroup/memory', memoryPath, 'memory.limit_in_bytes'), 'utf8'));
  return { uid: field('Uid'), gid: field('Gid'), seccomp: field('Seccomp'), noNewPrivs: field('NoNewPrivs'), memoryLimit };
}

/** GET a path of the API server as the admin (for the node proxy, which client-node has no typed call for). */
async function rawGet(ns: NodeStack, path: string): Promise<string> {
  const user = ns.stack.cp.kubeConfig.getCurrentUser();
  const res = await httpsGetClient(`${ns.stack.cp.url}${path}`, { ca: ns.stack.cp.caPem, cert: Buffer.from(user?.certData ?? '', 'base64').toString(), key: Buffer.from(user?.keyData ?? '', 'base64').toString() });
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${res.body.slice(0, 300)}`);
  return res.body;
}

function httpsGetClient(url: string, tls: { ca: string; cert: string; key: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https.get(url, { ...tls, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

/** The pod's files volume as the kubelet made it on the node (an emptyDir, medium Memory). */
function filesVolume(ns: NodeStack, podUid: string): string {
  return join(paths(ns.node.layout).kubeletRoot, 'pods', podUid, 'volumes', 'kubernetes.io~empty-dir', 'ack-secret-injector-files');
}

/** An app loop printing `sha256 <hash>` of `file` whenever it changes (a hash: logs never hold the value). */
const watchScript = (file: string): string =>
  `last=; trap "exit 0" TERM; while true; do h=$(sha256sum ${file} 2>/dev/null | cut -d' ' -f1); if [ "$h" != "$last" ]; then echo "sha256 $h"; last=$h; fi; sleep 1; done`;

/**
 * What the issue 17 tests read, in tenant A's namespace (`node-a/` secrets): a
 * ClusterExternalSecret selecting the namespace by its `tenant` label and providing `shared-db`;
 * a 1 s `token` and a 1 h `cert` ExternalSecret (per-ExternalSecret `rotationInterval`); an OOS
 * parameter with two versions, read pinned (`versionId: "1"`) and latest.
 */
async function seedIssue17(ns: NodeStack, t: Tenant): Promise<void> {
  await seedSecret(ns.stack, 'node-a/shared-db', JSON.stringify({ password: 'pw-shared-node-4411' }));
  await ns.stack.custom.createClusterCustomObject({
    group: 'alibabacloud.com', version: 'v1alpha1', plural: 'clusterexternalsecrets',
    body: {
      apiVersion: 'alibabacloud.com/v1alpha1', kind: 'ClusterExternalSecret', metadata: { name: 'shared-db-everywhere' },
      spec: {
        externalSecretName: 'shared-db',
        conditions: [{ namespaceSelector: { matchLabels: { tenant: t.namespace } } }],
        externalSecretSpec: { provider: 'kms', data: [{ key: 'node-a/shared-db', name: 'db.json', jmesPath: [{ path: 'password', objectAlias: 'password' }] }] },
      },
    },
  });
  await seedSecret(ns.stack, 'node-a/token', 'token-gen-1-node-aaaa');
  await seedSecret(ns.stack, 'node-a/cert', 'cert-gen-1-node-bbbb');
  await createExternalSecret(ns.stack, t.namespace, 'token', { data: [{ key: 'node-a/token', name: 'token' }], rotationInterval: '1s' });
  await createExternalSecret(ns.stack, t.namespace, 'cert', { data: [{ key: 'node-a/cert', name: 'cert' }], rotationInterval: '1h' });
  await seedParameter(ns.stack, 'node-a/smtp-password', 'smtp-v1-node-cccc');
  await seedParameter(ns.stack, 'node-a/smtp-password', 'smtp-v2-node-dddd');
  await createExternalSecret(ns.stack, t.namespace, 'smtp', { provider: 'oos', data: [{ key: 'node-a/smtp-password', name: 'pinned', versionId: '1' }, { key: 'node-a/smtp-password', name: 'latest' }] });
}

const missing = nodeSupport();

describe('real node: kubelet + containerd + runc run the injected pods from the built image', { skip: missing.length > 0 && `this machine cannot run the node: ${missing.join('; ')}`, timeout: 1_200_000 }, () => {
  let ns: NodeStack;
  let tenantA: Tenant;
  let tenantB: Tenant;
  const dbValue = JSON.stringify({ username: 'shop_rw', password: 'pw-A-node-5c1e9a' });
  let dbCurrent = dbValue;

  before(async () => {
    const t0 = Date.now();
    ns = await startNodeStack({ progress: (l) => process.stdout.write(`node e2e: ${l}\n`) });
    process.stdout.write(`node e2e: images, control plane, webhook and node ready in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    const { versions, images } = ns.node;
    process.stdout.write(`node e2e: ran on kubelet ${versions.kubelet}, ${versions.containerd}, ${versions.runc}; kube-apiserver ${ns.stack.cp.version}; image ${images.injector.ref}\n`);
    tenantA = await createTenant(ns.stack, 'node-a', 'node-a/');
    await prepareNamespace(ns, tenantA.namespace);
    await seedSecret(ns.stack, 'node-a/db', dbValue);
    await createExternalSecret(ns.stack, tenantA.namespace, 'db', { provider: 'kms', data: [{ key: 'node-a/db', name: 'db.json' }] });
    await seedSecret(ns.stack, 'node-a/api-key', 'ak-node-A-77f0c2d1');
    await createExternalSecret(ns.stack, tenantA.namespace, 'api', { provider: 'kms', data: [{ key: 'node-a/api-key', name: 'api-key' }] });
    await seedParameter(ns.stack, 'node-a/smtp', 'user: mailer\npassword: smtp-A-node-91ab\nport: 587\n');
    await createExternalSecret(ns.stack, tenantA.namespace, 'mixed', {
      provider: 'kms',
      data: [{ key: 'node-a/db', name: 'db', jmesPath: [{ path: 'username', objectAlias: 'username' }] }],
      dataProcess: [{ extract: { key: 'node-a/db' }, replaceRule: [{ source: '^(.*)$', target: 'x_$1' }] }],
    });
    await createExternalSecret(ns.stack, tenantA.namespace, 'mail', { provider: 'oos', dataProcess: [{ extract: { key: 'node-a/smtp' } }] });
    await seedSecret(ns.stack, 'node-a/worker-key', 'wk-node-A-3c4d5e');
    await createExternalSecret(ns.stack, tenantA.namespace, 'worker', { provider: 'kms', data: [{ key: 'node-a/worker-key', name: 'worker-key' }] });
    await seedIssue17(ns, tenantA);
    tenantB = await createTenant(ns.stack, 'node-b', 'node-b/');
    await prepareNamespace(ns, tenantB.namespace);
    await seedSecret(ns.stack, 'node-b/db', JSON.stringify({ username: 'crm', password: 'pw-B-node-1d2e3f' }));
    await createExternalSecret(ns.stack, tenantB.namespace, 'db', { provider: 'kms', data: [{ key: 'node-b/db', name: 'db.json' }] });
    // B's own ExternalSecret naming A's secret: admission allows it (B's role), the cloud must refuse it.
    await createExternalSecret(ns.stack, tenantB.namespace, 'steal', { provider: 'kms', data: [{ key: 'node-a/db', name: 'loot' }] });
  });

  /** The current value of node-a/db (the native test rotates it). */
  const currentDbValue = async (): Promise<string> => dbCurrent;
  /** Creates an opted-in pod on the node and returns its name. */
  const create = async (t: Tenant, name: string, es: string, annotations: Record<string, string>, scripts: Record<string, string>, spec: Record<string, unknown> = {}, containers = ['app']): Promise<string> => {
    const base = optedInPod(name, t.serviceAccount, es, annotations, containers);
    base.spec = { ...base.spec, containers: base.spec?.containers ?? [], ...spec };
    const created = await ns.stack.core.createNamespacedPod({ namespace: t.namespace, body: onNode(ns, base, scripts) });
    return created.metadata?.name ?? '';
  };
  const allReady = (p: V1Pod): boolean => p.status?.phase === 'Running' && (p.status.containerStatuses ?? []).every((c) => c.ready);

  // Each test's pods go when it ends (2 cores: idle agents still cost), without waiting for them.
  // Their containers' logs are kept first, for the final scan for secret values.
  const logs: string[] = [];
  afterEach(async () => {
    for (const t of [tenantA, tenantB]) {
      if (t === undefined) continue;
      for (const pod of (await ns.stack.core.listNamespacedPod({ namespace: t.namespace })).items) {
        for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
          logs.push(await podLog(ns, t.namespace, pod.metadata?.name ?? '', c.name).catch(() => ''));
        }
      }
      await ns.stack.core.deleteCollectionNamespacedPod({ namespace: t.namespace, gracePeriodSeconds: 1 }).catch(() => undefined);
    }
  });

  after(async () => {
    if (ns === undefined) return;
    const left = await ns.stop();
    assert.deepEqual(left, [], `the node left the machine changed: ${left.join('; ')}`);
  });

  test('init + native sidecar: the init container writes the files, the startupProbe holds the app back, the app reads them from a read-only tmpfs', async () => {
    const script = `set -e; f=${MOUNT}/db/db.json; test -s "$f"; echo "sha256 $(sha256sum "$f" | cut -d' ' -f1)"; grep " ${MOUNT} " /proc/mounts; id; trap "exit 0" TERM; while true; do sleep 1; done`;
    const created = await ns.stack.core.createNamespacedPod({ namespace: tenantA.namespace, body: onNode(ns, optedInPod('native', tenantA.serviceAccount, 'db', { 'refresh-interval': '1s' }), { app: `${script.replace(/; trap.*$/, '')}; ${watchScript(`${MOUNT}/db/db.json`)}` }) });
    const name = created.metadata?.name ?? '';
    const pod = await waitForPod(ns, tenantA.namespace, name, 'Running with every container ready', (p) => p.status?.phase === 'Running' && (p.status.containerStatuses ?? []).every((c) => c.ready));
    // The kubelet ran what the webhook injected, from the built image.
    const init = containerStatus(pod, INIT);
    const agent = containerStatus(pod, AGENT);
    const app = containerStatus(pod, 'app');
    assert.equal(init?.state?.terminated?.exitCode, 0, JSON.stringify(init));
    assert.equal(agent?.started, true);
    assert.equal(init?.image, ns.node.images.injector.ref);
    assert.match(init?.imageID ?? '', /^sha256:[0-9a-f]{64}$/);
    process.stdout.write(`node e2e: the injector containers ran image ${init?.image} (${init?.imageID})\n`);
    // Order: init finished before the agent started, and the app only after the agent's startupProbe passed.
    const initDone = Date.parse(String(init?.state?.terminated?.finishedAt));
    const agentStart = Date.parse(String(agent?.state?.running?.startedAt));
    const appStart = Date.parse(String(app?.state?.running?.startedAt));
    assert.ok(initDone <= agentStart && agentStart <= appStart, `order init ${initDone} ≤ agent ${agentStart} ≤ app ${appStart}`);
    // What the app saw, through `kubectl logs`: the file, a read-only tmpfs, no secret in the log.
    const log = await podLog(ns, tenantA.namespace, name, 'app');
    assert.match(log, new RegExp(`sha256 ${sha256(JSON.stringify({ username: 'shop_rw', password: 'pw-A-node-5c1e9a' }))}`));
    assert.match(log, new RegExp(`^tmpfs ${MOUNT} tmpfs ro,`, 'm'));
    // The kernel's view of the agent: uid/gid 65532, seccomp filter, no_new_privs, 96Mi memory limit.
    const pids = hostPids('/app/dist/cli.mjs', 'agent');
    assert.equal(pids.length, 1, `one agent process on the node, found ${pids.length}`);
    const facts = processFacts(pids[0] as number);
    assert.deepEqual({ uid: facts.uid, gid: facts.gid, seccomp: facts.seccomp, noNewPrivs: facts.noNewPrivs }, { uid: '65532', gid: '65532', seccomp: '2', noNewPrivs: '1' });
    assert.equal(facts.memoryLimit, 96 * 1024 * 1024);
    const logs = [await podLog(ns, tenantA.namespace, name, INIT), await podLog(ns, tenantA.namespace, name, AGENT), log].join('\n');
    assert.match(logs, /init complete/);
    for (const s of ns.stack.secrets) assert.ok(!logs.includes(s), `a container log holds a seeded secret value (${s.length} chars)`);
    // Rotation reaches the running app's file (the agent swaps the folder atomically).
    const rotated = JSON.stringify({ username: 'shop_rw', password: 'pw-A-node-rotated-77' });
    await rotateSecret(ns.stack, 'node-a/db', rotated);
    dbCurrent = rotated;
    await eventually('the app to see the rotated file', async () => ((await podLog(ns, tenantA.namespace, name, 'app')).includes(`sha256 ${sha256(rotated)}`) ? true : undefined), 30_000);
  });

  test('classic sidecar (native-sidecar: false): the agent runs beside the app and the app reads the files', async () => {
    const name = await create(tenantA, 'classic', 'api', { 'native-sidecar': 'false' }, { app: watchScript(`${MOUNT}/api/api-key`) });
    const pod = await waitForPod(ns, tenantA.namespace, name, 'Running with every container ready', allReady);
    assert.deepEqual((pod.spec?.containers ?? []).map((c) => c.name), ['app', AGENT]);
    assert.equal(containerStatus(pod, INIT)?.state?.terminated?.exitCode, 0);
    await eventually('the app to read the api key', async () => ((await podLog(ns, tenantA.namespace, name, 'app')).includes(`sha256 ${sha256('ak-node-A-77f0c2d1')}`) ? true : undefined), 20_000);
  });

  test('init-only Job pod: the init container fetches once, the app reads and the pod Succeeds', async () => {
    const name = await create(tenantA, 'job-once', 'api', { mode: 'init-only' }, { app: `set -e; test "$(cat ${MOUNT}/api/api-key | sha256sum | cut -d' ' -f1)" = "${sha256('ak-node-A-77f0c2d1')}"; echo read-ok` }, { restartPolicy: 'Never' });
    const pod = await waitForPod(ns, tenantA.namespace, name, 'Succeeded', (p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed');
    assert.equal(pod.status?.phase, 'Succeeded', JSON.stringify(pod.status?.containerStatuses));
    assert.deepEqual((pod.spec?.initContainers ?? []).map((c) => c.name), [INIT]);
    assert.match(await podLog(ns, tenantA.namespace, name, 'app'), /read-ok/);
  });

  test('a non-root app reads 0440 files through fsGroup: the injector writes them as group 2000', async () => {
    const script = `set -e; f=${MOUNT}/api/api-key; echo "id $(id -u):$(id -g) groups $(id -G)"; echo "stat $(stat -L -c '%a %g' $f)"; cat $f > /dev/null && echo readable; trap "exit 0" TERM; while true; do sleep 1; done`;
    const name = await create(tenantA, 'nonroot', 'api', { 'file-mode': '0440' }, { app: script }, { securityContext: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 2000 } });
    await waitForPod(ns, tenantA.namespace, name, 'Running with every container ready', allReady);
    const log = await eventually('the app to report', async () => {
      const l = await podLog(ns, tenantA.namespace, name, 'app');
      return l.includes('readable') ? l : undefined;
    }, 20_000);
    assert.match(log, /^id 1000:1000 groups 1000 2000$/m);
    assert.match(log, /^stat 440 2000$/m);
  });

  test('notify-signal: the agent signals the app container across uids in the shared process namespace, once per change', async () => {
    const file = `${MOUNT}/api/api-key`;
    const script = `trap 'echo "SIGHUP $(sha256sum ${file} | cut -d" " -f1)"' HUP; trap "exit 0" TERM; echo started; while true; do sleep 1 & wait $!; done`;
    const name = await create(tenantA, 'notify', 'api', { 'notify-signal': 'SIGHUP', 'refresh-interval': '1s' }, { app: script }, { securityContext: { runAsUser: 1000, runAsGroup: 1000 } });
    const pod = await waitForPod(ns, tenantA.namespace, name, 'Running with every container ready', allReady);
    assert.equal(pod.spec?.shareProcessNamespace, true);
    await new Promise((r) => setTimeout(r, 3_000)); // unchanged refreshes: no signal
    assert.doesNotMatch(await podLog(ns, tenantA.namespace, name, 'app'), /SIGHUP/);
    await rotateSecret(ns.stack, 'node-a/api-key', 'ak-node-A-rotated-5e6f');
    await eventually('the SIGHUP after the rotation', async () => ((await podLog(ns, tenantA.namespace, name, 'app')).includes(`SIGHUP ${sha256('ak-node-A-rotated-5e6f')}`) ? true : undefined), 30_000);
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal((await podLog(ns, tenantA.namespace, name, 'app')).match(/SIGHUP/g)?.length, 1, 'exactly one signal for one change');
    // The agent's own account: one delivery to the app's main process, counted once (its health port on the pod IP).
    const deliveries = (await podLog(ns, tenantA.namespace, name, AGENT)).split('\n').filter((l) => l.includes('signalled the app of changed files')).map((l) => JSON.parse(l) as { container: string; signal: string; changed: string[] });
    assert.deepEqual(deliveries.map((d) => [d.container, d.signal, d.changed]), [['app', 'SIGHUP', ['api']]]);
    const running = await ns.stack.core.readNamespacedPod({ namespace: tenantA.namespace, name });
    const metrics = await (await fetch(`http://${running.status?.podIP}:9488/metrics`)).text();
    assert.match(metrics, /^secret_injector_notifications_total\{method="signal",result="delivered"\} 1$/m);
    assert.doesNotMatch(metrics, /^secret_injector_notifications_total\{method="signal",result="failed"\} [1-9]/m);
  });

  test('classic sidecar with two app containers: only the notify-container main process is signalled, as its uid', async () => {
    const file = `${MOUNT}/worker/worker-key`;
    const hup = `trap 'echo "SIGHUP $(sha256sum ${file} | cut -d" " -f1)"' HUP; trap "exit 0" TERM; while true; do sleep 1 & wait $!; done`;
    const base = optedInPod('notify-two', tenantA.serviceAccount, 'worker', { 'notify-signal': 'HUP', 'notify-container': 'worker', 'native-sidecar': 'false', 'refresh-interval': '1s' }, ['web', 'worker']);
    base.spec = { ...base.spec, containers: (base.spec?.containers ?? []).map((c) => ({ ...c, securityContext: { runAsUser: c.name === 'web' ? 1000 : 2000 } })) };
    const created = await ns.stack.core.createNamespacedPod({ namespace: tenantA.namespace, body: onNode(ns, base, { web: hup, worker: hup }) });
    const name = created.metadata?.name ?? '';
    const pod = await waitForPod(ns, tenantA.namespace, name, 'Running with every container ready', allReady);
    assert.equal(pod.spec?.containers?.find((c) => c.name === AGENT)?.securityContext?.runAsUser, 2000, 'the agent runs as the worker uid');
    await rotateSecret(ns.stack, 'node-a/worker-key', 'wk-node-A-rotated-6f70');
    await eventually('the worker SIGHUP', async () => ((await podLog(ns, tenantA.namespace, name, 'worker')).includes(`SIGHUP ${sha256('wk-node-A-rotated-6f70')}`) ? true : undefined), 30_000)
      .catch(async (err: unknown) => assert.fail(`${String(err)}\nagent log:\n${(await podLog(ns, tenantA.namespace, name, AGENT)).split("\n").filter((l) => !l.includes("\"changed\":[]")).join("\n").slice(-4000)}`));
    await new Promise((r) => setTimeout(r, 2_000));
    assert.doesNotMatch(await podLog(ns, tenantA.namespace, name, 'web'), /SIGHUP/, 'the other container is never signalled');
  });

  test('skip-init: the native sidecar startupProbe alone holds the app back, and notify-url reaches the app on the pod loopback once per change', async () => {
    // busybox httpd serves a CGI that records each call; the app prints the records (its log is the evidence).
    const cgi = '#!/bin/sh\necho "call $REQUEST_METHOD" >> /tmp/calls\nprintf "Content-Type: text/plain\\r\\n\\r\\nreloaded"\n';
    const script = `set -e; test -s ${MOUNT}/api/api-key; echo files-present-at-start; mkdir -p /tmp/www/cgi-bin; printf '${cgi}' > /tmp/www/cgi-bin/reload; chmod 755 /tmp/www/cgi-bin/reload; touch /tmp/calls; httpd -p 127.0.0.1:8080 -h /tmp/www; trap "exit 0" TERM; tail -f /tmp/calls & wait $!`;
    const name = await create(tenantA, 'skip-init', 'api', { 'skip-init': 'true', 'refresh-interval': '1s', 'notify-url': 'http://127.0.0.1:8080/cgi-bin/reload' }, { app: script });
    const pod = await waitForPod(ns, tenantA.namespace, name, 'Running with every container ready', allReady);
    assert.deepEqual((pod.spec?.initContainers ?? []).map((c) => c.name), [AGENT]);
    const log = (): Promise<string> => podLog(ns, tenantA.namespace, name, 'app');
    assert.match(await log(), /files-present-at-start/);
    await new Promise((r) => setTimeout(r, 2_500)); // unchanged refreshes: no call
    assert.doesNotMatch(await log(), /call /);
    await rotateSecret(ns.stack, 'node-a/api-key', 'ak-node-A-rotated-0b1c');
    await eventually('the notify-url call', async () => ((await log()).includes('call POST') ? true : undefined), 30_000);
    await new Promise((r) => setTimeout(r, 2_500));
    assert.equal((await log()).match(/call /g)?.length, 1, 'exactly one call for one change');
  });

  test('several ExternalSecrets (KMS jmesPath, dataProcess extract + replaceRule, OOS YAML) land in the pod tmpfs as the rules say', async () => {
    const name = await create(tenantA, 'mixed', 'mixed,mail', {}, {});
    const pod = await waitForPod(ns, tenantA.namespace, name, 'Running with every container ready', allReady);
    const volume = filesVolume(ns, pod.metadata?.uid ?? '');
    const read = (es: string, key: string): string => readFileSync(join(volume, es, key), 'utf8');
    const keys = (es: string): string[] => readdirSync(join(volume, es)).filter((n) => !n.startsWith('..')).sort();
    assert.equal(read('mixed', 'username'), 'shop_rw');
    assert.deepEqual(keys('mail'), ['password', 'port', 'user']);
    assert.equal(read('mail', 'port'), '587\n', 'a non-string extracted from YAML is YAML-marshalled, as yaml.v3 does');
    assert.deepEqual(keys('mixed'), ['username', 'x_password', 'x_username'], 'replaceRule renames the extracted keys');
    // The volume is a tmpfs the kubelet made (emptyDir medium Memory).
    const mount = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.split(' ')[4] === volume);
    assert.match(mount ?? '', / - tmpfs /);
  });

  test('templates: inline, literal and ConfigMap templates render in the pod; the kubelet syncs an edited ConfigMap and the agent re-renders it', async () => {
    await ns.stack.core.createNamespacedConfigMap({ namespace: tenantA.namespace, body: { metadata: { name: 'app-templates' }, data: { 'database-config': 'user: {{ .username }}\n' } } });
    await createExternalSecret(ns.stack, tenantA.namespace, 'tpl', {
      provider: 'kms',
      data: [{ key: 'node-a/db', name: 'db.json', jmesPath: [{ path: 'username', objectAlias: 'username' }, { path: 'password', objectAlias: 'password' }] }],
      target: { template: {
        data: { dsn: 'postgresql://{{ .username }}:{{ .password }}@db.internal:5432/shop' },
        templateFrom: [
          { configMap: { name: 'app-templates', items: [{ key: 'database-config', templateAs: 'Values' }] } },
          { literal: 'APP_ENV={{ .environment | default "production" }}' },
        ],
      } },
    });
    const name = await create(tenantA, 'tpl', 'tpl', { 'refresh-interval': '1s' }, {});
    const pod = await waitForPod(ns, tenantA.namespace, name, 'Running with every container ready', allReady);
    // The template ConfigMap is mounted into the injector containers only, never into the app.
    assert.deepEqual((pod.spec?.volumes ?? []).filter((v) => v.name.startsWith('ack-secret-injector-tpl-')).map((v) => v.configMap?.name), ['app-templates']);
    assert.ok(!(pod.spec?.containers?.find((c) => c.name === 'app')?.volumeMounts ?? []).some((m) => m.name.startsWith('ack-secret-injector-tpl-')));
    const volume = filesVolume(ns, pod.metadata?.uid ?? '');
    const read = (key: string): string => readFileSync(join(volume, 'tpl', key), 'utf8');
    const { username, password } = JSON.parse(await currentDbValue()) as { username: string; password: string };
    assert.deepEqual(readdirSync(join(volume, 'tpl')).filter((n) => !n.startsWith('..')).sort(), ['database-config', 'dsn', 'literal']);
    assert.equal(read('dsn'), `postgresql://${username}:${password}@db.internal:5432/shop`);
    assert.equal(read('database-config'), `user: ${username}\n`);
    assert.equal(read('literal'), 'APP_ENV=production');
    await ns.stack.core.replaceNamespacedConfigMap({ namespace: tenantA.namespace, name: 'app-templates', body: { metadata: { name: 'app-templates' }, data: { 'database-config': 'USER={{ .username | upper }}\n' } } });
    await eventually('the kubelet to sync the ConfigMap and the agent to re-render', async () => (read('database-config') === `USER=${username.toUpperCase()}\n` ? true : undefined), 120_000);
  });

  test('issue 17, init-only: the init container writes a ClusterExternalSecret\'s files and the pinned OOS parameter version beside the latest', async () => {
    const files = ['shared-db/password', 'smtp/pinned', 'smtp/latest'];
    const script = `set -e; for f in ${files.join(' ')}; do echo "sha256 $f $(sha256sum ${MOUNT}/$f | cut -d' ' -f1)"; done`;
    const name = await create(tenantA, 'ces-oos', 'shared-db,smtp', { mode: 'init-only' }, { app: script }, { restartPolicy: 'Never' });
    const pod = await waitForPod(ns, tenantA.namespace, name, 'Succeeded', (p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed');
    assert.equal(pod.status?.phase, 'Succeeded', JSON.stringify(pod.status?.containerStatuses));
    const log = await podLog(ns, tenantA.namespace, name, 'app');
    const expected: Record<string, string> = { 'shared-db/password': 'pw-shared-node-4411', 'smtp/pinned': 'smtp-v1-node-cccc', 'smtp/latest': 'smtp-v2-node-dddd' };
    for (const f of files) assert.match(log, new RegExp(`^sha256 ${f} ${sha256(expected[f] ?? '')}$`, 'm'), `${f} holds the expected value`);
  });

  test('issue 17, rotationInterval: the agent follows the 1s token through rotations while the 1h certificate is not fetched again', async () => {
    const name = await create(tenantA, 'rotation', 'token,cert', {}, {});
    const pod = await waitForPod(ns, tenantA.namespace, name, 'Running with every container ready', allReady);
    const volume = filesVolume(ns, pod.metadata?.uid ?? '');
    const read = (es: string): string => readFileSync(join(volume, es, es), 'utf8');
    assert.deepEqual([read('token'), read('cert')], ['token-gen-1-node-aaaa', 'cert-gen-1-node-bbbb']);
    await rotateSecret(ns.stack, 'node-a/cert', 'cert-gen-2-node-bbbb');
    for (const gen of ['token-gen-2-node-aaaa', 'token-gen-3-node-aaaa']) {
      await rotateSecret(ns.stack, 'node-a/token', gen);
      await eventually(`the agent to write ${gen}`, async () => (read('token') === gen ? true : undefined), 20_000);
    }
    assert.equal(read('cert'), 'cert-gen-1-node-bbbb', 'the 1h ExternalSecret was not refreshed');
  });

  test('the kubelet restarts a killed agent and the files stay in the tmpfs meanwhile', async () => {
    const name = await create(tenantA, 'restart', 'api', {}, {});
    const pod = await waitForPod(ns, tenantA.namespace, name, 'Running with every container ready', allReady);
    const volume = filesVolume(ns, pod.metadata?.uid ?? '');
    const before = readFileSync(join(volume, 'api', 'api-key'), 'utf8');
    const pids = hostPids('/app/dist/cli.mjs', 'agent').filter((pid) => readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(pod.metadata?.uid?.replace(/-/g, '_') ?? '') || readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(pod.metadata?.uid ?? ''));
    assert.equal(pids.length, 1, 'the agent process of this pod');
    process.kill(pids[0] as number, 'SIGKILL');
    const restarted = await waitForPod(ns, tenantA.namespace, name, 'the agent restarted and started again', (p) => (containerStatus(p, AGENT)?.restartCount ?? 0) >= 1 && containerStatus(p, AGENT)?.started === true);
    assert.equal(containerStatus(restarted, AGENT)?.lastState?.terminated?.exitCode, 137);
    assert.equal(readFileSync(join(volume, 'api', 'api-key'), 'utf8'), before);
    assert.equal(containerStatus(restarted, 'app')?.restartCount, 0, 'the app kept running');
  });

  test('tenant isolation: tenant B reads its own secret; its init container is refused tenant A secret by the cloud, visibly', async () => {
    const own = await create(tenantB, 'b-own', 'db', { mode: 'init-only' }, { app: `test -s ${MOUNT}/db/db.json && echo read-ok` }, { restartPolicy: 'Never' });
    const ok = await waitForPod(ns, tenantB.namespace, own, 'finished', (p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed');
    assert.equal(ok.status?.phase, 'Succeeded');
    const steal = await create(tenantB, 'b-steal', 'steal', { mode: 'init-only' }, {}, { restartPolicy: 'Never' });
    const refused = await waitForPod(ns, tenantB.namespace, steal, 'Failed', (p) => p.status?.phase === 'Failed', 180_000);
    assert.notEqual(containerStatus(refused, INIT)?.state?.terminated?.exitCode, 0);
    const log = await podLog(ns, tenantB.namespace, steal, INIT);
    assert.match(log, /steal/);
    assert.match(log, /NoPermission/);
    assert.equal(containerStatus(refused, 'app')?.state?.running, undefined, 'the app never started');
  });

  test('the agent\'s memory as the kubelet reports it (Summary API) stays well under its 96Mi limit', async () => {
    const name = await create(tenantA, 'rss', 'api', {}, {});
    await waitForPod(ns, tenantA.namespace, name, 'Running with every container ready', allReady);
    interface Summary { pods?: Array<{ podRef: { name: string }; containers?: Array<{ name: string; memory?: { rssBytes?: number; workingSetBytes?: number } }> }> }
    const memory = await eventually('the agent in the kubelet Summary API', async () => {
      const summary = JSON.parse(await rawGet(ns, `/api/v1/nodes/${ns.node.name}/proxy/stats/summary`)) as Summary;
      const m = summary.pods?.find((p) => p.podRef.name === name)?.containers?.find((c) => c.name === AGENT)?.memory;
      return m?.rssBytes === undefined ? undefined : m;
    }, 60_000);
    const mib = (b: number | undefined): string => ((b ?? 0) / 1048576).toFixed(1);
    // The kernel's per-process view beside it (the house rule: RssAnon next to RSS).
    const uid = (await ns.stack.core.readNamespacedPod({ namespace: tenantA.namespace, name })).metadata?.uid ?? '';
    const pid = hostPids('/app/dist/cli.mjs', 'agent').find((p) => readFileSync(`/proc/${p}/cgroup`, 'utf8').includes(uid));
    const status = pid === undefined ? '' : readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string): number => Number((status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm')) ?? [])[1] ?? 0) * 1024;
    process.stdout.write(`node e2e: agent memory per the kubelet: rss ${mib(memory.rssBytes)} MiB, working set ${mib(memory.workingSetBytes)} MiB; per /proc: VmRSS ${mib(kib('VmRSS'))} MiB, RssAnon ${mib(kib('RssAnon'))} MiB (limit 96 MiB)\n`);
    assert.ok(kib('RssAnon') > 0 && kib('RssAnon') <= kib('VmRSS'), 'the agent process was found on the node');
    assert.ok((memory.rssBytes ?? 0) > 0 && (memory.rssBytes ?? 0) < 80 * 1048576, `agent RSS ${memory.rssBytes} bytes`);
  });

  test('a memory limit too small for the injector fails visibly: the kernel OOM-kills the init container and the kubelet says so', async () => {
    const name = await create(tenantA, 'tiny', 'api', { mode: 'init-only', 'memory-request': '8Mi', 'memory-limit': '8Mi' }, {}, { restartPolicy: 'Never' });
    const pod = await waitForPod(ns, tenantA.namespace, name, 'Failed', (p) => p.status?.phase === 'Failed', 120_000);
    assert.equal(containerStatus(pod, INIT)?.state?.terminated?.reason, 'OOMKilled', JSON.stringify(containerStatus(pod, INIT)));
  });

  test('no log of the webhook or of any container on the node holds a seeded secret value or a token', () => {
    const all = [ns.stack.webhookLog(), ...logs].join('\n');
    assert.ok(logs.length > 10 && all.includes('refresh done'), 'the pods above left logs');
    for (const s of ns.stack.secrets) assert.ok(!all.includes(s), `a log holds a seeded secret value (${s.length} chars)`);
  });
});
