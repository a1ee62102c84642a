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
 * - `secret` and `configMap` volumes → the object's keys read from the API (`optional: true` and a
 *   missing object → an empty folder); `resyncVolumes()` re-reads them, as the kubelet's periodic
 *   sync does, so an edited ConfigMap reaches a running pod;
 * - every container gets its own `/dev` (a tmpfs with the OCI default devices, as runc builds it)
 *   and, like the kubelet's `makeMounts`, its termination-message file bind-mounted from
 *   `<pod dir>/containers/<container name>/<random id>` at its `terminationMessagePath`
 *   (default `/dev/termination-log`), so the host's `/dev` is never written to.
 *
 * With `shareProcessNamespace: true` the runner also builds the pod sandbox: a PID namespace whose
 * PID 1 is a pause-like `sleep` (`unshare --pid --fork --mount-proc`). Each container joins it
 * with `nsenter --pid` (which forks, so the container's main process has PPID 0 inside the
 * namespace, as under a real runtime) and remounts `/proc` for it in its own mount namespace.
 *
 * Like the kubelet, init containers run in order and must exit 0; a restartable init container
 * (native sidecar) is started and its startupProbe polled until it passes before the next one; a
 * classic sidecar starts with the app containers. App containers run only when the caller names a
 * local command for them (`RunOptions.apps`; their images are not runnable here); otherwise the
 * test reads what they would see from the volume folder.
 *
 * The one thing a node does that this runner stands in for is DNS: the injector's endpoints stay
 * the production host names (`sts-vpc.<region>.aliyuncs.com`, ...) and the test-only loopback
 * redirect (injector/environment.ts) plus the emulator's CA take the place of the VPC network.
 * Processes run as root here (no user namespace), so `runAsUser` is not applied.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1Container, V1Pod, V1Volume } from '@kubernetes/client-node';
import { parentPid } from '../../injector/container-process.ts';
import { eventually, type Stack } from './stack.ts';

export const INIT_NAME = 'ack-secret-injector-init';
export const AGENT_NAME = 'ack-secret-injector-agent';

/** A started container process and its output. */
export interface ContainerProcess {
  readonly name: string;
  /** The spawned launcher: the container's main process itself, or `nsenter` in front of it in a shared PID namespace. */
  readonly child: ChildProcess;
  /** Exit code of the main process (`null` when a signal ended it). */
  readonly exited: Promise<number | null>;
  /**
   * Signals the container's main process, as the runtime does on stop. `child.kill` would reach
   * only `nsenter` in a shared PID namespace, and `nsenter` does not forward signals.
   */
  kill(signal: NodeJS.Signals): void;
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
  /** App containers started with a local command (RunOptions.apps), by container name. */
  readonly apps: ReadonlyMap<string, ContainerProcess>;
  /** Host PID of the pod sandbox's PID 1 when the pod shares its process namespace. */
  readonly sandboxPid: number | undefined;
  /** Reads `<volume of the app mount>/<externalSecret>/<key>` as the app would see it. */
  readFile(externalSecret: string, key: string): Promise<string>;
  /** Keys present for one ExternalSecret (visible names, no `..` entries). */
  listKeys(externalSecret: string): Promise<string[]>;
  /** Re-reads the pod's ConfigMap and Secret volumes from the API (the kubelet's periodic sync). */
  resyncVolumes(): Promise<void>;
  /** Every process's output so far. */
  output(): string;
  /** Stops every container (SIGTERM, SIGKILL after 10 s), then the sandbox, and removes the folders. */
  stop(): Promise<void>;
}

/** How to run a pod: which containers to start, extra environment, timeouts. */
export interface RunOptions {
  /** Start the agent too (default true). */
  readonly agent?: boolean;
  /** Extra environment for the injected containers (e.g. the emulator's client env). */
  readonly env?: Record<string, string>;
  /** How long the init container may take (default 60 s). */
  readonly initTimeoutMs?: number;
  /**
   * Local commands standing in for app containers' images, by container name (e.g.
   * `{ app: [process.execPath, '-e', script] }`). Each runs with its container's env and volume
   * mounts after the init containers, as the kubelet starts app containers; unnamed app
   * containers are not run.
   */
  readonly apps?: Readonly<Record<string, readonly string[]>>;
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

/** Runs the injected containers of a stored pod (and the app containers named in `options.apps`); see the file comment. */
export async function runPod(stack: Stack, stored: V1Pod, options: RunOptions = {}): Promise<PodRun> {
  if (!canUseMountNamespaces()) {
    throw new Error('the pod runner needs `unshare --mount` (root with util-linux) to mount volumes at their container paths');
  }
  const podName = stored.metadata?.name ?? '';
  const inits = stored.spec?.initContainers ?? [];
  const containers = stored.spec?.containers ?? [];
  const apps = Object.entries(options.apps ?? {});
  const appNames = containers.filter((c) => c.name !== AGENT_NAME).map((c) => c.name);
  const unknownApps = apps.map(([name]) => name).filter((name) => !appNames.includes(name));
  if (unknownApps.length > 0) {
    throw new Error(`runPod options.apps names ${unknownApps.map((n) => JSON.stringify(n)).join(', ')}, which pod ${podName} has no app container of; accepted: ${appNames.map((n) => JSON.stringify(n)).join(', ')}`);
  }
  const dir = await mkdtemp(join(tmpdir(), `pod-${podName}-`));
  const processes: ContainerProcess[] = [];
  let sandbox: Sandbox | undefined;
  try {
    // 1. Volumes.
    const volumes = new Map<string, string>();
    for (const v of stored.spec?.volumes ?? []) {
      const host = join(dir, 'volumes', v.name);
      await mkdir(host, { recursive: true });
      await materialiseVolume(stack, stored, v, host);
      volumes.set(v.name, host);
    }
    // 2. The pod sandbox, when the containers share one PID namespace.
    if (stored.spec?.shareProcessNamespace === true) sandbox = await startSandbox();
    const initContainer = inits.find((c) => c.name === INIT_NAME);
    const nativeAgent = inits.find((c) => c.name === AGENT_NAME && c.restartPolicy === 'Always');
    const classicAgent = containers.find((c) => c.name === AGENT_NAME);
    const runAgent = options.agent ?? true;

    const start = async (c: V1Container, argv?: readonly string[]): Promise<ContainerProcess> => {
      const p = startContainer(c, { volumes, extraEnv: options.env ?? {}, pod: stored, podDir: dir, sandboxPid: sandbox?.pid1, terminationLog: await createTerminationLog(dir, c.name), ...(argv === undefined ? {} : { argv }) });
      processes.push(p);
      return p;
    };

    // 3. Init containers in order (only ours run; app init containers are the app's business).
    let init: ContainerProcess | undefined;
    let initExitCode: number | null | undefined;
    let agent: ContainerProcess | undefined;
    for (const c of inits) {
      if (c.name === INIT_NAME) {
        const started = await start(c);
        init = started;
        const r = await Promise.race([started.exited, sleep(options.initTimeoutMs ?? 60_000, undefined, { ref: false }).then(() => 'timeout' as const)]);
        if (r === 'timeout') {
          started.kill('SIGKILL');
          throw new Error(`init container did not finish:\n${started.output()}`);
        }
        initExitCode = r;
        if (initExitCode !== 0) break; // the kubelet would restart it; the test looks at the failure
      } else if (c === nativeAgent && runAgent) {
        agent = await start(c);
        await waitForStartupProbe(c, agent);
      }
    }
    // 4. App containers and a classic sidecar start together once the init containers succeeded.
    const runApps = initExitCode === 0 || initContainer === undefined;
    if (classicAgent !== undefined && runAgent && runApps) agent = await start(classicAgent);
    const appProcesses = new Map<string, ContainerProcess>();
    if (runApps) {
      for (const [name, argv] of apps) {
        const c = containers.find((x) => x.name === name) as V1Container;
        appProcesses.set(name, await start(c, argv));
      }
    }

    const appMount = containers.find((c) => c.name !== AGENT_NAME)?.volumeMounts?.find((m) => m.name === 'ack-secret-injector-files');
    const filesHost = volumes.get(appMount?.name ?? 'ack-secret-injector-files') ?? join(dir, 'missing');
    const podSandbox = sandbox;
    return {
      pod: stored,
      volumes,
      init,
      initExitCode,
      agent,
      nativeAgent: nativeAgent !== undefined,
      apps: appProcesses,
      sandboxPid: podSandbox?.pid1,
      readFile: (es, key) => readFile(join(filesHost, es, key), 'utf8'),
      listKeys: async (es) => (await readdir(join(filesHost, es))).filter((n) => !n.startsWith('..')).sort(),
      resyncVolumes: async () => {
        for (const v of stored.spec?.volumes ?? []) if (v.configMap !== undefined || v.secret !== undefined) await materialiseVolume(stack, stored, v, volumes.get(v.name) as string);
      },
      output: () => processes.map((p) => `--- ${p.name}\n${p.output()}`).join('\n'),
      stop: () => stopPod(processes, podSandbox, dir),
    };
  } catch (err) {
    await stopPod(processes, sandbox, dir);
    throw err;
  }
}

/**
 * Stops a pod as the kubelet does: SIGTERM to every container's main process, SIGKILL to what
 * is left after a grace period, then the sandbox (its PID 1 ending kills anything left in the
 * namespace, pid_namespaces(7)), then removes the pod folder. Calling it twice is harmless.
 */
async function stopPod(processes: readonly ContainerProcess[], sandbox: Sandbox | undefined, dir: string): Promise<void> {
  const running = (p: ContainerProcess): boolean => p.child.exitCode === null && p.child.signalCode === null;
  // 1. Graceful stop (10 s stands in for terminationGracePeriodSeconds, default 30 s).
  for (const p of processes) if (running(p)) p.kill('SIGTERM');
  await Promise.race([Promise.all(processes.map((p) => p.exited)), sleep(10_000, undefined, { ref: false })]);
  // 2. Forced stop (SIGKILL cannot be caught; 5 s only bounds the wait for the exit events).
  for (const p of processes) if (running(p)) p.kill('SIGKILL');
  await Promise.race([Promise.all(processes.map((p) => p.exited)), sleep(5_000, undefined, { ref: false })]);
  // 3. The sandbox, then the folders.
  await sandbox?.stop();
  await rm(dir, { recursive: true, force: true });
}

/** A pod sandbox: the PID namespace that `shareProcessNamespace: true` containers join. */
interface Sandbox {
  /** Host PID of the namespace's PID 1 (the pause-like process); `nsenter --target` uses it. */
  readonly pid1: number;
  stop(): Promise<void>;
}

/** Host PIDs whose parent is `pid` (the /proc scan works without CONFIG_PROC_CHILDREN). */
async function childPids(pid: number): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(join('/proc', entry, 'stat'), 'utf8').catch(() => '');
    if (parentPid(stat) === pid) found.push(Number(entry));
  }
  return found;
}

/**
 * Starts the sandbox as the runtime starts a pod's pause container: `unshare --pid --fork`
 * makes a PID namespace whose PID 1 is the forked `sleep infinity` (`--mount-proc` gives it a
 * matching /proc; `--kill-child` ends it if the `unshare` parent dies). The pause container of
 * a real sandbox also reaps orphans; nothing here leaves any.
 */
async function startSandbox(): Promise<Sandbox> {
  // 1. Start it.
  const child = spawn('unshare', ['--pid', '--fork', '--kill-child', '--mount-proc', 'sleep', 'infinity'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const parent = child.pid;
  if (parent === undefined) throw new Error('could not start the pod sandbox (`unshare --pid --fork`)');
  // 2. Its PID 1 is the forked child of `unshare`.
  const pid1 = await eventually('the pod sandbox PID 1', async () => {
    if (child.exitCode !== null) throw new Error(`the pod sandbox exited with ${child.exitCode}: ${stderr}`);
    return (await childPids(parent))[0];
  }, 10_000);
  return {
    pid1,
    stop: async () => {
      // 3. SIGKILL to PID 1 tears the namespace down; `unshare` then exits too.
      try {
        process.kill(pid1, 'SIGKILL');
      } catch {
        // already gone
      }
      await Promise.race([exited, sleep(5_000, undefined, { ref: false })]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/**
 * Creates a container's termination-message file where the kubelet does:
 * `<pod dir>/containers/<name>/<random id>`. kubelet `pkg/kubelet/kuberuntime/kuberuntime_container.go`
 * `makeMounts` creates a fresh file per container start under
 * `/var/lib/kubelet/pods/<uid>/containers/<name>/`, named by `makeUID()` (`%08x` of a random
 * uint32, hence 4 random bytes here). Returns its host path.
 */
async function createTerminationLog(podDir: string, container: string): Promise<string> {
  const folder = join(podDir, 'containers', container);
  await mkdir(folder, { recursive: true });
  const file = join(folder, randomBytes(4).toString('hex'));
  await writeFile(file, '', { mode: 0o666 });
  return file;
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
    const secret = await readOptional(() => stack.core.readNamespacedSecret({ namespace: ns, name: v.secret?.secretName ?? '' }), v.secret.optional === true);
    for (const [k, b64] of Object.entries(secret?.data ?? {})) {
      const value = Buffer.from(b64, 'base64');
      stack.secrets.add(value.toString('utf8'));
      await writeAtomically(host, k, value);
    }
  } else if (v.configMap !== undefined) {
    const cm = await readOptional(() => stack.core.readNamespacedConfigMap({ namespace: ns, name: v.configMap?.name ?? '' }), v.configMap.optional === true);
    for (const [k, text] of Object.entries(cm?.data ?? {})) await writeAtomically(host, k, Buffer.from(text, 'utf8'));
  }
}

/** An object of an optional volume: undefined when it does not exist (the kubelet mounts an empty folder). */
async function readOptional<T>(read: () => Promise<T>, optional: boolean): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    if (optional && (err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

/** Replaces a volume file in one rename, so a reader never sees half of it (the kubelet swaps `..data`). */
async function writeAtomically(host: string, key: string, value: Buffer): Promise<void> {
  const tmp = join(host, `.${key}.${randomBytes(4).toString('hex')}`);
  await writeFile(tmp, value, { mode: 0o644 });
  await rename(tmp, join(host, key));
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The devices a runtime creates in every container's `/dev` (OCI runtime spec, "Default Devices":
 * https://github.com/opencontainers/runtime-spec/blob/main/config-linux.md#default-devices), bound
 * here from the host's, as rootless runc does.
 */
const DEFAULT_DEVICES = ['null', 'zero', 'full', 'random', 'urandom', 'tty'] as const;
/** The symlinks runc adds to `/dev` (runc `libcontainer/rootfs_linux.go` `setupDevSymlinks`). */
const DEV_SYMLINKS: ReadonlyArray<readonly [string, string]> = [['fd', '/proc/self/fd'], ['stdin', '/proc/self/fd/0'], ['stdout', '/proc/self/fd/1'], ['stderr', '/proc/self/fd/2'], ['ptmx', 'pts/ptmx']];
/** The kubelet's default `terminationMessagePath` (core/v1 `TerminationMessagePathDefault`). */
const DEFAULT_TERMINATION_MESSAGE_PATH = '/dev/termination-log';

/**
 * Shell lines that give the container its own `/dev` and its termination-message mount, all
 * inside its private mount namespace so the host is never written to:
 * 1. a tmpfs staging folder becomes the new `/dev`: default devices bound from the host, a new
 *    devpts instance, a tmpfs `/dev/shm`, runc's symlinks;
 * 2. the termination-message file is bound at `terminationMessagePath` (under `/dev` it is
 *    created in the new tmpfs; elsewhere an overlay on the nearest existing folder holds the mount
 *    point, so no host folder is touched);
 * 3. `mount --move` puts the staging tmpfs at `/dev`.
 */
function devAndTerminationLogScript(c: V1Container, stage: string, terminationLog: string): string[] {
  const target = c.terminationMessagePath ?? DEFAULT_TERMINATION_MESSAGE_PATH;
  const q = shellQuote;
  // 1.
  const lines = [
    `mount -t tmpfs -o mode=755,nosuid tmpfs ${q(stage)}`,
    ...DEFAULT_DEVICES.flatMap((d) => [`touch ${q(join(stage, d))}`, `mount --bind /dev/${d} ${q(join(stage, d))}`]),
    `mkdir ${q(join(stage, 'pts'))} ${q(join(stage, 'shm'))}`,
    `mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts ${q(join(stage, 'pts'))}`,
    `mount -t tmpfs -o mode=1777,nosuid,nodev shm ${q(join(stage, 'shm'))}`,
    ...DEV_SYMLINKS.map(([name, to]) => `ln -s ${q(to)} ${q(join(stage, name))}`),
  ];
  // 2.
  if (target.startsWith('/dev/')) {
    const inStage = join(stage, target.slice('/dev/'.length));
    lines.push(`mkdir -p ${q(dirname(inStage))}`, `touch ${q(inStage)}`, `mount --bind ${q(terminationLog)} ${q(inStage)}`, `mount --move ${q(stage)} /dev`);
  } else {
    lines.push(`mount --move ${q(stage)} /dev`);
    let existing = dirname(target);
    while (!existsSync(existing)) existing = dirname(existing);
    if (!existsSync(target)) {
      const overlay = `${stage}-overlay`;
      lines.push(
        `mkdir -p ${q(overlay)}`,
        `mount -t tmpfs tmpfs ${q(overlay)}`,
        `mkdir ${q(join(overlay, 'upper'))} ${q(join(overlay, 'work'))}`,
        `mount -t overlay overlay -o ${q(`lowerdir=${existing},upperdir=${join(overlay, 'upper')},workdir=${join(overlay, 'work')}`)} ${q(existing)}`,
        `mkdir -p ${q(dirname(target))}`,
        `touch ${q(target)}`,
      );
    }
    lines.push(`mount --bind ${q(terminationLog)} ${q(target)}`);
  }
  return lines;
}

/** How to start one container (see {@link startContainer}). */
interface ContainerStart {
  readonly volumes: ReadonlyMap<string, string>;
  readonly extraEnv: Record<string, string>;
  readonly pod: V1Pod;
  readonly podDir: string;
  /** Host PID of the sandbox's PID 1 to join, when the pod shares its process namespace. */
  readonly sandboxPid: number | undefined;
  /** Host path of this container's termination-message file. */
  readonly terminationLog: string;
  /** A local command instead of the container's `command`/`args` (app images are not runnable here). */
  readonly argv?: readonly string[];
}

/**
 * Starts one container:
 * 1. with a sandbox, `nsenter --pid` into it (nsenter forks, so the main process has PPID 0 in
 *    the namespace), then `unshare --mount` for a private mount namespace;
 * 2. in it, `/proc` for the PID namespace, a container `/dev` with the termination-message mount,
 *    each volume bound at its mountPath (read-only when asked);
 * 3. exec the command with the container's env.
 */
function startContainer(c: V1Container, s: ContainerStart): ContainerProcess {
  const mounts = (c.volumeMounts ?? []).filter((m) => s.volumes.has(m.name));
  const stage = join(s.podDir, 'containers', c.name, 'dev');
  const script = [
    'set -e',
    // 2.
    ...(s.sandboxPid === undefined ? [] : ['mount -t proc proc /proc']),
    `mkdir -p ${shellQuote(stage)}`,
    ...devAndTerminationLogScript(c, stage, s.terminationLog),
    ...mounts.flatMap((m) => {
      const host = s.volumes.get(m.name) as string;
      const lines = [`mkdir -p ${shellQuote(m.mountPath)}`, `mount --bind ${shellQuote(host)} ${shellQuote(m.mountPath)}`];
      if (m.readOnly === true) lines.push(`mount -o remount,bind,ro ${shellQuote(m.mountPath)}`);
      return lines;
    }),
    // 3.
    'exec "$@"',
  ].join('\n');
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/tmp', ...s.extraEnv };
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[e.name] = s.pod.metadata?.name ?? '';
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[e.name] = s.pod.metadata?.namespace ?? '';
  }
  const argv = s.argv ?? [...(c.command ?? []), ...(c.args ?? [])];
  // 1.
  const inMountNs = ['unshare', '--mount', '--propagation', 'private', '--', '/bin/sh', '-c', script, 'sh', ...argv];
  const launcher = s.sandboxPid === undefined ? inMountNs : ['nsenter', '--target', String(s.sandboxPid), '--pid', '--', ...inMountNs];
  const chunks: Buffer[] = [];
  const child = spawn(launcher[0] as string, launcher.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (b: Buffer) => chunks.push(b));
  child.stderr?.on('data', (b: Buffer) => chunks.push(b));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const kill = (signal: NodeJS.Signals): void => {
    if (s.sandboxPid === undefined || child.pid === undefined) {
      child.kill(signal);
      return;
    }
    // nsenter's only child is the container's main process (unshare and sh exec into it).
    void childPids(child.pid).then((pids) => {
      if (pids.length === 0) child.kill(signal);
      for (const pid of pids) {
        try {
          process.kill(pid, signal);
        } catch {
          // it exited meanwhile
        }
      }
    });
  };
  return { name: c.name, child, exited, kill, output: () => Buffer.concat(chunks).toString('utf8') };
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
