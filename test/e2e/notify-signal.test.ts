/**
 * End to end: notify-by-signal (annotations `notify-signal` + `notify-container`, issue 8). A real
 * kube-apiserver stores the pod the real webhook mutated (`shareProcessNamespace: true`, injector
 * containers running as the target container's uid); the pod runner then runs it the way the
 * kubelet and a runtime do: a sandbox PID namespace, each container joining it with its own mount
 * namespace, `/proc`, `/dev` and the kubelet's termination-message bind mount. The app containers
 * are small local processes that record every SIGHUP. The agent must find the right container's
 * main process through `/proc` (injector/container-process.ts) and signal it exactly once per
 * change. See docs/e2e.md "The pod runner".
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { freeLoopbackPort } from './control-plane.ts';
import { canUseMountNamespaces, readPod, runPod, AGENT_NAME, INIT_NAME, type PodRun } from './pod-runner.ts';
import { createExternalSecret, createTenant, eventually, optedInPod, rotateSecret, seedSecret, startStack, type Stack, type Tenant } from './stack.ts';

/** Where the webhook mounts the files in app containers by default (docs/annotations.md `mount-path`). */
const MOUNT_PATH = '/var/run/secrets/alibabacloud';
/** A non-root uid for the app: the webhook denies notify-signal without one. */
const APP_UID = 1000;
const WORKER_UID = 2000;

/**
 * The app container's stand-in: records its own PID and PPID as seen inside the pod's PID
 * namespace, then one line per SIGHUP with the sha256 of the file it watches at that moment (a
 * hash, so the record never holds the secret). argv: <record file> <watched file>.
 */
const SIGHUP_RECORDER = `
const fs = require('node:fs');
const crypto = require('node:crypto');
const [, record, watched] = process.argv;
let n = 0;
const write = (o) => fs.appendFileSync(record, JSON.stringify(o) + '\\n');
process.on('SIGHUP', () => {
  n += 1;
  let sha256 = 'unreadable';
  try { sha256 = crypto.createHash('sha256').update(fs.readFileSync(watched)).digest('hex'); } catch {}
  write({ n, sha256 });
});
process.on('SIGTERM', () => process.exit(0));
write({ n: 0, pid: process.pid, ppid: process.ppid });
setInterval(() => {}, 1 << 30);
`;

interface AppRecord {
  readonly n: number;
  readonly pid?: number;
  readonly ppid?: number;
  readonly sha256?: string;
}

async function readRecord(file: string): Promise<AppRecord[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as AppRecord);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The value of one sample of a Prometheus text exposition, or undefined when absent. */
function sample(metrics: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of metrics.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const have = (m[2] ?? '').split(',');
    if (wanted.every((w) => have.includes(w))) return Number(m[3]);
  }
  return undefined;
}

function withSecurity(pod: V1Pod, uids: Record<string, number>): V1Pod {
  const containers = (pod.spec?.containers ?? []).map((c): V1Container => (uids[c.name] === undefined ? c : { ...c, securityContext: { runAsUser: uids[c.name] as number } }));
  return { ...pod, spec: { ...pod.spec, containers } };
}

describe('end to end: notify-signal delivered through the shared PID namespace of a runner-played pod', { timeout: 600_000, skip: !canUseMountNamespaces() && 'needs unshare --mount (root)' }, () => {
  let stack: Stack;
  let tenant: Tenant;
  let healthPort: number;
  let scratch: string;
  const runs: PodRun[] = [];
  const env = (): Record<string, string> => ({ ...stack.emu.clientEnv(), SECRET_INJECTOR_TEST_LOOPBACK_ENDPOINT: stack.emu.endpoint });
  // Agents here share the host's network: stop the previous pod before running the next.
  const run = async (pod: V1Pod, apps: Record<string, readonly string[]>): Promise<PodRun> => {
    for (const r of runs) await r.stop();
    const r = await runPod(stack, pod, { env: env(), apps });
    runs.push(r);
    return r;
  };
  const metrics = async (): Promise<string> => (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();
  const recorder = (record: string, watched: string): string[] => [process.execPath, '-e', SIGHUP_RECORDER, record, watched];

  before(async () => {
    // A health port of its own, so this file and webhook.test.ts never contend for the default 9488.
    healthPort = await freeLoopbackPort();
    stack = await startStack({ settings: { healthPort } });
    scratch = await mkdtemp(join(tmpdir(), 'notify-signal-'));
    tenant = await createTenant(stack, 'signal-a', 'signal-a/');
    await seedSecret(stack, 'signal-a/api-key', 'ak-S-3e9f11c0d2');
    await seedSecret(stack, 'signal-a/worker-key', 'wk-S-77b0a4e9f1');
    await createExternalSecret(stack, tenant.namespace, 'app', { provider: 'kms', data: [{ key: 'signal-a/api-key', name: 'api-key' }] });
    await createExternalSecret(stack, tenant.namespace, 'worker', { provider: 'kms', data: [{ key: 'signal-a/worker-key', name: 'worker-key' }] });
  });

  after(async () => {
    for (const r of runs) await r.stop();
    await stack?.stop();
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  });

  test('admission: notify-signal makes the pod share its PID namespace and runs both injector containers as the target container uid', async () => {
    const cases: Array<{ name: string; pod: V1Pod; uid: number }> = [
      {
        name: 'uid-from-the-only-container',
        pod: withSecurity(optedInPod('adm-single', tenant.serviceAccount, 'app', { 'notify-signal': 'SIGHUP', 'refresh-interval': '1s' }), { app: APP_UID }),
        uid: APP_UID,
      },
      {
        name: 'uid-from-the-named-container-of-two',
        pod: withSecurity(optedInPod('adm-two', tenant.serviceAccount, 'worker', { 'notify-signal': 'HUP', 'notify-container': 'worker' }, ['web', 'worker']), { web: APP_UID, worker: WORKER_UID }),
        uid: WORKER_UID,
      },
    ];
    for (const c of cases) {
      const created = await stack.core.createNamespacedPod({ namespace: tenant.namespace, dryRun: 'All', body: c.pod });
      assert.equal(created.spec?.shareProcessNamespace, true, c.name);
      const injected = [...(created.spec?.initContainers ?? []), ...(created.spec?.containers ?? [])].filter((x) => x.name === INIT_NAME || x.name === AGENT_NAME);
      assert.deepEqual(injected.map((x) => x.name).sort(), [AGENT_NAME, INIT_NAME], c.name);
      for (const x of injected) assert.equal(x.securityContext?.runAsUser, c.uid, `${c.name}: ${x.name} runs as the target uid`);
    }
  });

  test('native sidecar: the agent finds the app main process (PPID 0) and sends exactly one SIGHUP per change, after the files changed', async () => {
    const created = await stack.core.createNamespacedPod({
      namespace: tenant.namespace,
      body: withSecurity(optedInPod('signal-native', tenant.serviceAccount, 'app', { 'notify-signal': 'SIGHUP', 'notify-container': 'app', 'refresh-interval': '1s' }), { app: APP_UID }),
    });
    const stored = await readPod(stack, tenant.namespace, created.metadata?.name ?? '');
    assert.equal(stored.spec?.shareProcessNamespace, true);
    for (const c of stored.spec?.initContainers ?? []) assert.equal(c.securityContext?.runAsUser, APP_UID, `${c.name} runs as the app's uid`);
    const record = join(scratch, 'native.jsonl');
    const pod = await run(stored, { app: recorder(record, `${MOUNT_PATH}/app/api-key`) });
    assert.equal(pod.initExitCode, 0, pod.output());
    assert.ok(pod.nativeAgent && pod.sandboxPid !== undefined);

    // 1. The app started and sees itself as a container main process: parent outside the namespace.
    const [start] = await eventually('the app to start', async () => ((await readRecord(record)).length > 0 ? readRecord(record) : undefined), 20_000);
    assert.equal(start?.ppid, 0, 'the app main process has PPID 0 inside the shared PID namespace');
    // 2. Two unchanged refreshes (counted by the agent itself) → no signal.
    const unchanged = async (): Promise<number> => sample(await metrics(), 'secret_injector_writes_total', { external_secret: 'app', result: 'unchanged' }) ?? 0;
    await eventually('two unchanged refreshes', async () => ((await unchanged()) >= 2 ? true : undefined), 20_000);
    assert.deepEqual((await readRecord(record)).filter((r) => r.n > 0), [], 'no signal for unchanged refreshes');
    // 3. A rotation → the file changes, then exactly one SIGHUP that already sees the new file.
    await rotateSecret(stack, 'signal-a/api-key', 'ak-S-rotated-5a6b7c');
    await eventually('the agent to write the rotated key', async () => ((await pod.readFile('app', 'api-key')) === 'ak-S-rotated-5a6b7c' ? true : undefined), 20_000);
    await eventually('the SIGHUP', async () => ((await readRecord(record)).some((r) => r.n > 0) ? true : undefined), 10_000);
    // 4. Two more unchanged refreshes after the change → still one signal.
    const before = await unchanged();
    await eventually('two more unchanged refreshes', async () => ((await unchanged()) >= before + 2 ? true : undefined), 20_000);
    assert.deepEqual((await readRecord(record)).filter((r) => r.n > 0), [{ n: 1, sha256: sha256('ak-S-rotated-5a6b7c') }], 'exactly one SIGHUP, sent after the file changed');
    // 5. One log line and one metric for the delivery, naming the PID the app has in the namespace.
    const m = await metrics();
    assert.equal(sample(m, 'secret_injector_notifications_total', { method: 'signal', result: 'delivered' }), 1, m);
    assert.equal(sample(m, 'secret_injector_notifications_total', { method: 'signal', result: 'failed' }) ?? 0, 0, m);
    const deliveries = (pod.agent?.output() ?? '').split('\n').filter((l) => l.includes('signalled the app of changed files')).map((l) => JSON.parse(l) as { container: string; signal: string; pids: number[]; changed: string[] });
    assert.deepEqual(deliveries.map((d) => ({ container: d.container, signal: d.signal, pids: d.pids, changed: d.changed })), [{ container: 'app', signal: 'SIGHUP', pids: [start?.pid], changed: ['app'] }]);
  });

  test('classic sidecar with two app containers: only the notify-container main process is signalled', async () => {
    const created = await stack.core.createNamespacedPod({
      namespace: tenant.namespace,
      body: withSecurity(
        optedInPod('signal-two', tenant.serviceAccount, 'worker', { 'notify-signal': 'SIGHUP', 'notify-container': 'worker', 'refresh-interval': '1s', 'native-sidecar': 'false' }, ['web', 'worker']),
        { web: APP_UID, worker: WORKER_UID },
      ),
    });
    const stored = await readPod(stack, tenant.namespace, created.metadata?.name ?? '');
    assert.deepEqual((stored.spec?.containers ?? []).map((c) => c.name), ['web', 'worker', AGENT_NAME]);
    assert.equal(stored.spec?.shareProcessNamespace, true);
    const web = join(scratch, 'web.jsonl');
    const worker = join(scratch, 'worker.jsonl');
    const watched = `${MOUNT_PATH}/worker/worker-key`;
    const pod = await run(stored, { web: recorder(web, watched), worker: recorder(worker, watched) });
    assert.equal(pod.initExitCode, 0, pod.output());
    assert.equal(pod.nativeAgent, false);
    await eventually('both apps to start', async () => ((await readRecord(web)).length > 0 && (await readRecord(worker)).length > 0 ? true : undefined), 20_000);
    const unchanged = async (): Promise<number> => sample(await metrics(), 'secret_injector_writes_total', { external_secret: 'worker', result: 'unchanged' }) ?? 0;
    // The classic agent starts with the apps: rotate only after its first refresh, or the change would be its first write (never notified).
    await eventually('the agent first refresh', async () => ((await unchanged()) >= 1 ? true : undefined), 20_000);

    await rotateSecret(stack, 'signal-a/worker-key', 'wk-S-rotated-0d1e2f');
    await eventually('the agent to write the rotated key', async () => ((await pod.readFile('worker', 'worker-key')) === 'wk-S-rotated-0d1e2f' ? true : undefined), 20_000);
    await eventually('the SIGHUP to the worker', async () => ((await readRecord(worker)).some((r) => r.n > 0) ? true : undefined), 10_000);
    const settled = await unchanged();
    await eventually('two unchanged refreshes after the change', async () => ((await unchanged()) >= settled + 2 ? true : undefined), 20_000);
    assert.deepEqual((await readRecord(worker)).filter((r) => r.n > 0), [{ n: 1, sha256: sha256('wk-S-rotated-0d1e2f') }], 'the worker got exactly one SIGHUP');
    assert.deepEqual((await readRecord(web)).filter((r) => r.n > 0), [], 'the other app container got none');
    assert.equal(sample(await metrics(), 'secret_injector_notifications_total', { method: 'signal', result: 'delivered' }), 1);
  });

  test('no log of the webhook, of an injected container or of an app contains a seeded secret value or a token', () => {
    const logs = [stack.webhookLog(), ...runs.map((r) => r.output())].join('\n');
    assert.ok(runs.length >= 2 && logs.includes('signalled the app of changed files'), 'the runs above produced agent logs');
    for (const s of stack.secrets) assert.ok(!logs.includes(s), `a log contains a seeded secret value or token (${s.length} chars)`);
  });
});
