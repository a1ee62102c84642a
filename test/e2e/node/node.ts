/**
 * A real Kubernetes node for the end-to-end suite and the demo: kubelet v1.36 + containerd 2.x +
 * runc, registered with the suite's kube-apiserver, running pods from images the project built.
 * Recipe and measured facts: ../shared/reference/real-node.md; docs/e2e.md says what is real.
 *
 * Lifecycle:
 * 1. {@link nodeSupport}: is this machine able to (Linux, root, cgroup v1 memory, runc, CNI, ...)?
 * 2. {@link prepareNode}: take the node lock, tear down stale runs, save the kernel tunables, write
 *    the run's state file, create the bridge, and register the synchronous teardown as an exit
 *    handler, so even a crashed run leaves nothing behind (the next run sweeps it otherwise).
 * 3. {@link startNode}: kubelet PKI, containerd + image import, kubelet, wait for Ready.
 * 4. `stop()`: delete the pods through the API (the kubelet stops them), stop kubelet and
 *    containerd, tear down (host.ts), report leftovers, release the lock.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api } from '@kubernetes/client-node';
import type { ControlPlane } from '../control-plane.ts';
import { freeLoopbackPort } from '../control-plane.ts';
import { ManagedProcess, registerExitCleanup } from '../managed-process.ts';
import { cniConflist, containerdConfig, kubeconfig, kubeletConfig, paths, type NodeLayout } from './configs.ts';
import { leftovers, snapshotHost, teardownRun, type RunRecord } from './host.ts';
import type { NodeImages } from './images.ts';
import { acquireNodeLock, NODE_STATE_DIR, type NodeLock } from './lock.ts';
import { bridgeName, createBridge, pickSubnet } from './network.ts';

/** What this machine lacks for a node; empty when it can run one. */
export function nodeSupport(): string[] {
  const missing: string[] = [];
  if (process.platform !== 'linux') return [`Linux (this is ${process.platform})`];
  if (process.getuid?.() !== 0) missing.push('root (the kubelet and containerd need it; run as uid 0)');
  if (!existsSync('/sys/fs/cgroup/memory') && !existsSync('/sys/fs/cgroup/cgroup.controllers')) missing.push('a cgroup filesystem at /sys/fs/cgroup');
  const onPath = (cmd: string): boolean => {
    try {
      execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  for (const [cmd, pkg] of [['runc', 'runc'], ['ip', 'iproute2'], ['flock', 'util-linux'], ['buildah', 'buildah'], ['mmdebstrap', 'mmdebstrap'], ['busybox', 'busybox-static'], ['gcc', 'gcc libc6-dev'], ['go', 'golang-go']] as const) {
    if (!onPath(cmd)) missing.push(`${cmd} (Debian package ${pkg})`);
  }
  if (!existsSync('/usr/lib/cni/bridge')) missing.push('the CNI plugins in /usr/lib/cni (Debian package containernetworking-plugins)');
  return missing;
}

/** A run whose lock is held and bridge exists; `finish()` tears it down and releases the lock. */
export interface PreparedNode {
  readonly layout: NodeLayout;
  readonly record: RunRecord;
  /** Tears the run down (host.ts) and returns what was left on the machine (empty = clean). */
  finish(): Promise<string[]>;
}

/** Tears down runs whose state files are left (their owner died); we hold the lock, so none is live. */
function sweepStaleRuns(say: (line: string) => void): void {
  if (!existsSync(NODE_STATE_DIR)) return;
  for (const f of readdirSync(NODE_STATE_DIR).filter((n) => n.endsWith('.json'))) {
    const file = join(NODE_STATE_DIR, f);
    const record = JSON.parse(readFileSync(file, 'utf8')) as RunRecord;
    say(`tearing down a stale node run left by pid ${record.ownerPid} (${record.runDir})`);
    teardownRun(record);
    rmSync(file, { force: true });
  }
}

/** Step 2 of the file comment. */
export async function prepareNode(say: (line: string) => void): Promise<PreparedNode> {
  const lock: NodeLock = await acquireNodeLock(say);
  try {
    sweepStaleRuns(say);
    const runDir = await mkdtemp(join(tmpdir(), 'ack-si-node-'));
    const { subnet, bridgeIp } = pickSubnet();
    const layout: NodeLayout = {
      runDir, subnet, bridgeIp, bridge: bridgeName(), nodeName: `ack-si-${randomBytes(3).toString('hex')}`, healthzPort: await freeLoopbackPort(),
    };
    const record: RunRecord = { runDir, bridge: layout.bridge, podLogsDir: paths(layout).podLogsDir, snapshot: snapshotHost(), ownerPid: process.pid };
    mkdirSync(NODE_STATE_DIR, { recursive: true });
    const stateFile = join(NODE_STATE_DIR, `${basename(runDir)}.json`);
    writeFileSync(stateFile, JSON.stringify(record));
    const unregister = registerExitCleanup(() => {
      teardownRun(record);
      rmSync(stateFile, { force: true });
    });
    createBridge(layout.bridge, bridgeIp);
    let finished: Promise<string[]> | undefined;
    return {
      layout,
      record,
      finish: () => {
        finished ??= (async () => {
          teardownRun(record);
          const left = leftovers(record);
          rmSync(stateFile, { force: true });
          unregister();
          await lock.release();
          return left;
        })();
        return finished;
      },
    };
  } catch (err) {
    await lock.release();
    throw err;
  }
}

/** A running node. */
export interface KubeNode {
  readonly layout: NodeLayout;
  readonly name: string;
  readonly versions: { readonly kubelet: string; readonly containerd: string; readonly runc: string; readonly kernel: string };
  readonly images: NodeImages;
  readonly kubeletLog: string;
  readonly containerdLog: string;
  /** Deletes every pod, stops the kubelet and containerd, tears down; returns the leftovers (empty = clean). */
  stop(): Promise<string[]>;
}

/** The binaries the node runs (containerd's folder also holds its shim and ctr). */
export interface NodeBinaries {
  readonly kubelet: string;
  readonly containerd: string;
}

/** Writes the kubelet's CA, serving certificate (bridge address) and `system:node:<name>` kubeconfig. */
async function writeKubeletPki(cp: ControlPlane, l: NodeLayout): Promise<void> {
  const p = paths(l);
  await mkdir(p.kubeletCertDir, { recursive: true });
  const [serving, client] = await Promise.all([
    cp.issueServingCertificate([l.bridgeIp, l.nodeName]),
    cp.issueClientCertificate(`system:node:${l.nodeName}`, ['system:nodes']),
  ]);
  await writeFile(p.caFile, cp.caPem);
  await writeFile(p.servingCert, serving.certPem);
  await writeFile(p.servingKey, serving.keyPem, { mode: 0o600 });
  await writeFile(p.kubeletKubeconfig, kubeconfig(cp.url, cp.caPem, client.certPem, client.keyPem, `system:node:${l.nodeName}`), { mode: 0o600 });
}

/** Starts containerd (its shim first on PATH) and waits for its socket to answer. */
async function startContainerd(l: NodeLayout, bin: string, pauseRef: string): Promise<{ process: ManagedProcess; ctr: (args: string[]) => string }> {
  const p = paths(l);
  await mkdir(dirname(p.containerdConfig), { recursive: true });
  await mkdir(p.cniConfDir, { recursive: true });
  await writeFile(p.containerdConfig, containerdConfig(l, pauseRef));
  await writeFile(join(p.cniConfDir, '10-ack-si-e2e.conflist'), cniConflist(l));
  const env = { ...process.env, PATH: `${dirname(bin)}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}` };
  const proc = new ManagedProcess('containerd', bin, ['--config', p.containerdConfig], join(l.runDir, 'containerd.log'), env);
  // stderr is captured (the error carries it): ctr repeats containerd's cgroup v1 deprecation warning.
  const ctr = (args: string[]): string => execFileSync(join(dirname(bin), 'ctr'), ['--address', p.containerdSocket, ...args], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  const end = Date.now() + 60_000;
  for (;;) {
    if (proc.exitInfo !== undefined) throw new Error(proc.describeFailure());
    try {
      ctr(['version']);
      return { process: proc, ctr };
    } catch (err) {
      if (Date.now() > end) throw new Error(`containerd did not answer on ${p.containerdSocket}: ${(err as Error).message}\n${proc.describeFailure()}`);
    }
    await sleep(200);
  }
}

/** Step 3 of the file comment. On failure the caller's `prepared.finish()` cleans up. */
export async function startNode(o: { cp: ControlPlane; prepared: PreparedNode; images: NodeImages; binaries: NodeBinaries; say: (line: string) => void }): Promise<KubeNode> {
  const l = o.prepared.layout;
  const p = paths(l);
  const core = o.cp.kubeConfig.makeApiClient(CoreV1Api);
  const processes: ManagedProcess[] = [];
  const stopProcesses = async (): Promise<void> => {
    for (const proc of [...processes].reverse()) await proc.stop();
  };
  try {
    await writeKubeletPki(o.cp, l);
    o.say(`starting containerd (${p.containerdSocket})`);
    const containerd = await startContainerd(l, o.binaries.containerd, o.images.pause.ref);
    processes.push(containerd.process);
    for (const image of [o.images.pause, o.images.app, o.images.injector]) containerd.ctr(['-n', 'k8s.io', 'images', 'import', image.tar]);
    o.say(`imported ${o.images.injector.ref}, ${o.images.app.ref}, ${o.images.pause.ref} into containerd`);
    await writeFile(p.kubeletConfig, kubeletConfig(l));
    o.say(`starting kubelet as node ${l.nodeName} on ${l.bridgeIp} (bridge ${l.bridge})`);
    const kubelet = new ManagedProcess('kubelet', o.binaries.kubelet, [
      `--config=${p.kubeletConfig}`, `--kubeconfig=${p.kubeletKubeconfig}`, `--root-dir=${p.kubeletRoot}`, `--cert-dir=${p.kubeletCertDir}`,
      `--hostname-override=${l.nodeName}`, `--node-ip=${l.bridgeIp}`, '--v=1',
    ], join(l.runDir, 'kubelet.log'));
    processes.push(kubelet);
    const node = await waitForReady(core, l.nodeName, [kubelet, containerd.process]);
    const info = node.status?.nodeInfo;
    const versions = {
      kubelet: info?.kubeletVersion ?? '?',
      containerd: info?.containerRuntimeVersion ?? '?',
      runc: execFileSync('runc', ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? '?',
      kernel: info?.kernelVersion ?? '?',
    };
    o.say(`node ${l.nodeName} is Ready: kubelet ${versions.kubelet}, ${versions.containerd}, ${versions.runc}`);
    let stopped: Promise<string[]> | undefined;
    return {
      layout: l, name: l.nodeName, versions, images: o.images,
      kubeletLog: kubelet.logPath, containerdLog: containerd.process.logPath,
      stop: () => {
        stopped ??= (async () => {
          await deleteAllPods(core);
          await stopProcesses();
          return o.prepared.finish();
        })();
        return stopped;
      },
    };
  } catch (err) {
    await stopProcesses();
    throw err;
  }
}

/** Polls the Node object until its Ready condition is True (the kubelet registers it itself). */
async function waitForReady(core: CoreV1Api, name: string, watch: readonly ManagedProcess[]): Promise<Awaited<ReturnType<CoreV1Api['readNode']>>> {
  const end = Date.now() + 120_000;
  for (;;) {
    for (const proc of watch) if (proc.exitInfo !== undefined) throw new Error(proc.describeFailure());
    const node = await core.readNode({ name }).catch(() => undefined);
    if (node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return node;
    if (Date.now() > end) throw new Error(`node ${name} not Ready after 120 s: ${JSON.stringify(node?.status?.conditions ?? 'not registered')}\n${watch.map((w) => w.describeFailure()).join('\n')}`);
    await sleep(250);
  }
}

/** Deletes every pod (1 s grace: the kubelet stops the containers) and waits up to 60 s for them to go. */
async function deleteAllPods(core: CoreV1Api): Promise<void> {
  const pods = await core.listPodForAllNamespaces().catch(() => undefined);
  for (const pod of pods?.items ?? []) {
    await core.deleteNamespacedPod({ namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', gracePeriodSeconds: 1 }).catch(() => undefined);
  }
  const end = Date.now() + 60_000;
  while (Date.now() < end) {
    const left = await core.listPodForAllNamespaces().catch(() => undefined);
    if ((left?.items.length ?? 0) === 0) return;
    await sleep(500);
  }
}
