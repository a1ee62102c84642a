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
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nodeSupport } from './node/node.ts';
import { containerStatus, onNode, podLog, prepareNamespace, startNodeStack, waitForPod, type NodeStack } from './node/node-stack.ts';
import { createExternalSecret, createTenant, optedInPod, seedSecret, type Tenant } from './stack.ts';

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

const missing = nodeSupport();

describe('real node: kubelet + containerd + runc run the injected pods from the built image', { skip: missing.length > 0 && `this machine cannot run the node: ${missing.join('; ')}`, timeout: 1_200_000 }, () => {
  let ns: NodeStack;
  let tenantA: Tenant;
  const dbValue = JSON.stringify({ username: 'shop_rw', password: 'pw-A-node-5c1e9a' });

  before(async () => {
    ns = await startNodeStack({ progress: (l) => process.stdout.write(`node e2e: ${l}\n`) });
    const { versions, images } = ns.node;
    process.stdout.write(`node e2e: ran on kubelet ${versions.kubelet}, ${versions.containerd}, ${versions.runc}; kube-apiserver ${ns.stack.cp.version}; image ${images.injector.ref}\n`);
    tenantA = await createTenant(ns.stack, 'node-a', 'node-a/');
    await prepareNamespace(ns, tenantA.namespace);
    await seedSecret(ns.stack, 'node-a/db', dbValue);
    await createExternalSecret(ns.stack, tenantA.namespace, 'db', { provider: 'kms', data: [{ key: 'node-a/db', name: 'db.json' }, { key: 'node-a/db', name: 'password', jmesPath: [{ path: 'password', objectAlias: 'password' }] }] });
  });

  after(async () => {
    if (ns === undefined) return;
    const left = await ns.stop();
    assert.deepEqual(left, [], `the node left the machine changed: ${left.join('; ')}`);
  });

  test('init + native sidecar: the init container writes the files, the startupProbe holds the app back, the app reads them from a read-only tmpfs', async () => {
    const script = `set -e; f=${MOUNT}/db/db.json; test -s "$f"; echo "sha256 $(sha256sum "$f" | cut -d' ' -f1)"; grep " ${MOUNT} " /proc/mounts; id; trap "exit 0" TERM; while true; do sleep 1; done`;
    const created = await ns.stack.core.createNamespacedPod({ namespace: tenantA.namespace, body: onNode(ns, optedInPod('native', tenantA.serviceAccount, 'db'), { app: script }) });
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
    // The kernel's view of the agent: uid/gid 65532, seccomp filter, no_new_privs, 128Mi memory limit.
    const pids = hostPids('/app/dist/cli.mjs', 'agent');
    assert.equal(pids.length, 1, `one agent process on the node, found ${pids.length}`);
    const facts = processFacts(pids[0] as number);
    assert.deepEqual({ uid: facts.uid, gid: facts.gid, seccomp: facts.seccomp, noNewPrivs: facts.noNewPrivs }, { uid: '65532', gid: '65532', seccomp: '2', noNewPrivs: '1' });
    assert.equal(facts.memoryLimit, 128 * 1024 * 1024);
    const logs = [await podLog(ns, tenantA.namespace, name, INIT), await podLog(ns, tenantA.namespace, name, AGENT), log].join('\n');
    assert.match(logs, /init complete/);
    for (const s of ns.stack.secrets) assert.ok(!logs.includes(s), `a container log holds a seeded secret value (${s.length} chars)`);
  });
});
