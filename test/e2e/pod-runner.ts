/**
 * The pod runner: plays the kubelet for the containers the webhook injected, so the end-to-end
 * suite and the demo run them for real. It reads the stored (mutated) pod back from the API server
 * and, for each injected container, runs exactly its `command`, `args` and `env` as a local
 * process, with its volume mounts at the SAME container paths through a private mount namespace
 * (`unshare --mount` + bind mounts of per-pod temp folders), as a container runtime would:
 *
 * - `emptyDir` volumes → a temp folder per pod (the tmpfs the app containers would read);
 * - projected `serviceAccountToken` sources → a token minted through the TokenRequest API with the
 *   source's audience and expirationSeconds, bound to the pod (as the kubelet does), written at
 *   the source's `path`;
 * - `secret` volumes → the Secret's keys read from the API.
 *
 * Like the kubelet, init containers run in order and must exit 0; a restartable init container
 * (native sidecar) is started and its startupProbe polled until it passes before the next one; a
 * classic sidecar starts with the app containers. App containers are not run: the test reads
 * what they would see from the volume folder.
 *
 * The one thing a node does that this runner stands in for is DNS: the injector's endpoints stay
 * the production host names (`sts-vpc.<region>.aliyuncs.com`, ...) and the test-only loopback
 * redirect (injector/environment.ts) plus the emulator's CA take the place of the VPC network.
 * Processes run as root here (no user namespace), so `runAsUser` is not applied.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1Container, V1Pod, V1Volume } from '@kubernetes/client-node';
import { eventually, type Stack } from './stack.ts';

export const INIT_NAME = 'ack-secret-injector-init';
export const AGENT_NAME = 'ack-secret-injector-agent';

/** A started container process and its output. */
export interface ContainerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  output(): string;
}

/** A pod being run: its volume folders and the injected containers' processes. */
export interface PodRun {
  readonly pod: V1Pod;
  /** Host folder of each volume by name. */
  readonly volumes: ReadonlyMap<string, string>;
  /** Exit code of the init container, when the pod has one. */
  readonly initExitCode: number | null | undefined;
  readonly init: ContainerProcess | undefined;
  readonly agent: ContainerProcess | undefined;
  /** True when the agent is a native sidecar (restartable init container). */
  readonly nativeAgent: boolean;
  /** Reads `<volume of the app mount>/<externalSecret>/<key>` as the app would see it. */
  readFile(externalSecret: string, key: string): Promise<string>;
  /** Keys present for one ExternalSecret (visible names, no `..` entries). */
  listKeys(externalSecret: string): Promise<string[]>;
  /** Every process's output so far. */
  output(): string;
  /** Stops the agent (SIGTERM) and removes the folders. */
  stop(): Promise<void>;
}

export interface RunOptions {
  /** Start the agent too (default true). */
  readonly agent?: boolean;
  /** Extra environment for the injected containers (e.g. the emulator's client env). */
  readonly env?: Record<string, string>;
  /** How long the init container may take (default 60 s). */
  readonly initTimeoutMs?: number;
}

let unshareChecked: boolean | undefined;

/** True when this machine can make private mount namespaces (root, util-linux unshare). */
export function canUseMountNamespaces(): boolean {
  unshareChecked ??= spawnSync('unshare', ['--mount', '--propagation', 'private', 'true']).status === 0;
  return unshareChecked;
}

/** Reads the stored pod back from the API server. */
export async function readPod(stack: Stack, namespace: string, name: string): Promise<V1Pod> {
  return stack.core.readNamespacedPod({ namespace, name });
}

/** Runs the injected containers of a stored pod; see the file comment. */
export async function runPod(stack: Stack, stored: V1Pod, options: RunOptions = {}): Promise<PodRun> {
  if (!canUseMountNamespaces()) {
    throw new Error('the pod runner needs `unshare --mount` (root with util-linux) to mount volumes at their container paths');
  }
  const ns = stored.metadata?.namespace ?? 'default';
  const podName = stored.metadata?.name ?? '';
  const dir = await mkdtemp(join(tmpdir(), `pod-${podName}-`));
  const processes: ContainerProcess[] = [];
  // 1. Volumes.
  const volumes = new Map<string, string>();
  for (const v of stored.spec?.volumes ?? []) {
    const host = join(dir, 'volumes', v.name);
    await mkdir(host, { recursive: true });
    await materialiseVolume(stack, stored, v, host);
    volumes.set(v.name, host);
  }
  const inits = stored.spec?.initContainers ?? [];
  const containers = stored.spec?.containers ?? [];
  const initContainer = inits.find((c) => c.name === INIT_NAME);
  const nativeAgent = inits.find((c) => c.name === AGENT_NAME && c.restartPolicy === 'Always');
  const classicAgent = containers.find((c) => c.name === AGENT_NAME);
  const runAgent = options.agent ?? true;

  const start = (c: V1Container): ContainerProcess => {
    const p = startContainer(c, volumes, options.env ?? {}, stored);
    processes.push(p);
    return p;
  };

  // 2. Init containers in order (only ours run; app init containers are the app's business).
  let init: ContainerProcess | undefined;
  let initExitCode: number | null | undefined;
  let agent: ContainerProcess | undefined;
  for (const c of inits) {
    if (c.name === INIT_NAME) {
      init = start(c);
      initExitCode = await Promise.race([init.exited, sleep(options.initTimeoutMs ?? 60_000, undefined, { ref: false }).then(() => 'timeout' as const)]).then((r) => {
        if (r === 'timeout') {
          init?.child.kill('SIGKILL');
          throw new Error(`init container did not finish:\n${init?.output() ?? ''}`);
        }
        return r;
      });
      if (initExitCode !== 0) break; // the kubelet would restart it; the test looks at the failure
    } else if (c === nativeAgent && runAgent) {
      agent = start(c);
      await waitForStartupProbe(c, agent);
    }
  }
  // 3. Classic sidecar starts with the app containers.
  if (classicAgent !== undefined && runAgent && (initExitCode === 0 || initContainer === undefined)) agent = start(classicAgent);

  const appMount = containers.find((c) => c.name !== AGENT_NAME)?.volumeMounts?.find((m) => m.name === 'ack-secret-injector-files');
  const filesHost = volumes.get(appMount?.name ?? 'ack-secret-injector-files') ?? join(dir, 'missing');
  return {
    pod: stored,
    volumes,
    init,
    initExitCode,
    agent,
    nativeAgent: nativeAgent !== undefined,
    readFile: (es, key) => readFile(join(filesHost, es, key), 'utf8'),
    listKeys: async (es) => (await readdir(join(filesHost, es))).filter((n) => !n.startsWith('..')).sort(),
    output: () => processes.map((p) => `--- ${p.name}\n${p.output()}`).join('\n'),
    stop: async () => {
      for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
      await Promise.race([Promise.all(processes.map((p) => p.exited)), sleep(10_000, undefined, { ref: false })]);
      for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Fills a volume's host folder the way the kubelet would. */
async function materialiseVolume(stack: Stack, pod: V1Pod, v: V1Volume, host: string): Promise<void> {
  const ns = pod.metadata?.namespace ?? 'default';
  if (v.projected !== undefined) {
    for (const source of v.projected.sources ?? []) {
      const sat = source.serviceAccountToken;
      if (sat === undefined) continue; // kube-api-access-* ConfigMap/downwardAPI parts are not needed by the injector
      const tr = await stack.core.createNamespacedServiceAccountToken({
        namespace: ns,
        name: pod.spec?.serviceAccountName ?? 'default',
        body: {
          spec: {
            ...(sat.audience === undefined ? {} : { audiences: [sat.audience] }),
            expirationSeconds: sat.expirationSeconds ?? 3600,
            boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' },
          },
        },
      });
      const token = tr.status?.token ?? '';
      stack.secrets.add(token);
      await writeFile(join(host, sat.path), token, { mode: 0o644 });
    }
  } else if (v.secret !== undefined) {
    const secret = await stack.core.readNamespacedSecret({ namespace: ns, name: v.secret.secretName ?? '' });
    for (const [k, b64] of Object.entries(secret.data ?? {})) {
      const value = Buffer.from(b64, 'base64');
      stack.secrets.add(value.toString('utf8'));
      await writeFile(join(host, k), value, { mode: 0o644 });
    }
  }
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Starts one container: a private mount namespace with each volume bound at its mountPath, then exec. */
function startContainer(c: V1Container, volumes: ReadonlyMap<string, string>, extraEnv: Record<string, string>, pod: V1Pod): ContainerProcess {
  const mounts = (c.volumeMounts ?? []).filter((m) => volumes.has(m.name));
  const script = [
    'set -e',
    ...mounts.flatMap((m) => {
      const host = volumes.get(m.name) as string;
      const lines = [`mkdir -p ${shellQuote(m.mountPath)}`, `mount --bind ${shellQuote(host)} ${shellQuote(m.mountPath)}`];
      if (m.readOnly === true) lines.push(`mount -o remount,bind,ro ${shellQuote(m.mountPath)}`);
      return lines;
    }),
    'exec "$@"',
  ].join('\n');
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/tmp', ...extraEnv };
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[e.name] = pod.metadata?.name ?? '';
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[e.name] = pod.metadata?.namespace ?? '';
  }
  const argv = [...(c.command ?? []), ...(c.args ?? [])];
  const chunks: Buffer[] = [];
  const child = spawn('unshare', ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', script, 'sh', ...argv], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (b: Buffer) => chunks.push(b));
  child.stderr?.on('data', (b: Buffer) => chunks.push(b));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { name: c.name, child, exited, output: () => Buffer.concat(chunks).toString('utf8') };
}

/** Polls a container's startupProbe (httpGet on 127.0.0.1) like the kubelet until it passes. */
async function waitForStartupProbe(c: V1Container, p: ContainerProcess): Promise<void> {
  const probe = c.startupProbe?.httpGet;
  if (probe === undefined) return;
  const url = `http://127.0.0.1:${String(probe.port)}${probe.path ?? '/'}`;
  await eventually(`the startupProbe ${url} of ${c.name}`, async () => {
    if (p.child.exitCode !== null) throw new Error(`${c.name} exited with ${p.child.exitCode}:\n${p.output()}`);
    const res = await fetch(url).catch(() => undefined);
    return res?.status === 200 ? true : undefined;
  }, 60_000);
}
