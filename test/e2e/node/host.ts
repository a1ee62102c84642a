/**
 * What a kubelet + containerd run changes on the machine, and how to put it back. Everything here
 * is synchronous (fs + spawnSync), so the same teardown runs from `stop()`, from the exit/signal
 * handler of a crashed run, and from the sweep of a stale run at the next start
 * (../shared/reference/real-node.md §3 "Side effects", §5 "Teardown").
 *
 * - The kubelet rewrites kernel tunables (its `setupKernelTunables`, protectKernelDefaults false):
 *   saved before start and written back after.
 * - Container processes live in `/kubepods/...` cgroups outside the cgroup of the test and are
 *   reparented away from it: they are killed through `cgroup.procs`, then the cgroups removed.
 * - containerd's shims are daemons: found by the run folder in their command line.
 * - Mounts (the kubelet's rshared root bind, rootfs overlays, tmpfs volumes, netns binds) all sit
 *   under the run folder: unmounted deepest first.
 * - Hard-coded paths the kubelet and containerd create (device-plugins, /var/log/containers ...)
 *   are removed again when they did not exist before.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, rmSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The tunables the kubelet's `setupKernelTunables` may write (kubelet pkg/kubelet/cm
 * container_manager_linux.go), plus ip_forward, which a CNI `isGateway` would switch on.
 */
export const KERNEL_TUNABLES = [
  'vm/overcommit_memory', 'vm/panic_on_oom', 'kernel/panic', 'kernel/panic_on_oops',
  'kernel/keys/root_maxkeys', 'kernel/keys/root_maxbytes', 'net/ipv4/ip_forward',
] as const;

/**
 * Fixed paths the kubelet or containerd create whatever their configured folders are: the
 * kubelet's device-plugin socket folder, the container log symlinks, and containerd's defaults
 * we configure away but check anyway.
 */
export const FIXED_PATHS = [
  '/var/lib/kubelet', '/var/log/containers', '/var/log/pods', '/var/run/netns', '/var/run/nri',
  '/opt/containerd', '/var/lib/containerd', '/run/containerd', '/var/run/cdi', '/etc/cdi', '/etc/cni/net.d',
] as const;

/** What is saved before a node starts, so teardown can restore it. Serialisable (state file). */
export interface HostSnapshot {
  readonly tunables: Readonly<Record<string, string>>;
  /** The {@link FIXED_PATHS} that existed before. */
  readonly existingPaths: readonly string[];
}

/** Everything teardown needs to find a run's leftovers; written to the run's state file. */
export interface RunRecord {
  readonly runDir: string;
  readonly bridge: string;
  /** The kubelet's pod-log folder (container log symlinks point into it). */
  readonly podLogsDir: string;
  readonly snapshot: HostSnapshot;
  /** The test process that owns the run (a dead owner marks a stale run). */
  readonly ownerPid: number;
}

const readTunable = (name: string): string => readFileSync(join('/proc/sys', name), 'utf8').trim();

/** Reads the tunables and which fixed paths exist. */
export function snapshotHost(): HostSnapshot {
  return {
    tunables: Object.fromEntries(KERNEL_TUNABLES.map((t) => [t, readTunable(t)])),
    existingPaths: FIXED_PATHS.filter((p) => existsSync(p)),
  };
}

/** Every v1 hierarchy's `kubepods` cgroup folder that exists (the kubelet makes one per controller). */
export function kubepodsCgroups(): string[] {
  const roots = readdirSync('/sys/fs/cgroup', { withFileTypes: true }).filter((d) => d.isDirectory());
  return roots.map((d) => join('/sys/fs/cgroup', d.name, 'kubepods')).filter((p) => existsSync(p));
}

/** Folders below (and including) `dir`, deepest first. */
function foldersDeepestFirst(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name));
    out.push(d);
  };
  walk(dir);
  return out;
}

/** A zombie has exited already: nothing to kill, it goes when its parent reaps it. */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return true;
  }
}

/** PIDs (not zombies) in any cgroup below the `kubepods` folders. */
function kubepodsPids(): number[] {
  const pids = new Set<number>();
  for (const root of kubepodsCgroups()) {
    for (const d of foldersDeepestFirst(root)) {
      const procs = (() => {
        try {
          return readFileSync(join(d, 'cgroup.procs'), 'utf8');
        } catch {
          return '';
        }
      })();
      for (const line of procs.split('\n')) if (/^\d+$/.test(line) && !isZombie(Number(line))) pids.add(Number(line));
    }
  }
  return [...pids];
}

/** PIDs whose command line mentions `needle` (containerd, its shims and the kubelet of one run). */
export function pidsMentioning(needle: string): number[] {
  const found: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      if (readFileSync(join('/proc', e, 'cmdline'), 'utf8').includes(needle)) found.push(Number(e));
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Blocks the thread for `ms` (teardown runs in exit handlers, where nothing async runs). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Kills `pids()` until it returns none, for at most `limitMs`; returns what is still alive. */
function killUntilGone(pids: () => number[], limitMs: number): number[] {
  const end = Date.now() + limitMs;
  for (;;) {
    const left = pids();
    if (left.length === 0 || Date.now() > end) return left;
    killAll(left);
    sleepSync(100);
  }
}

/** Mount points at or below `dir`, deepest first (from /proc/self/mountinfo, field 5). */
export function mountsUnder(dir: string): string[] {
  const points = readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .map((p) => p.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p) => p === dir || p.startsWith(`${dir}/`));
  return [...new Set(points)].sort((a, b) => b.split('/').length - a.split('/').length || b.length - a.length);
}

/** Unmounts everything under `dir`; a busy mount is detached lazily (`umount -l`). */
function unmountAll(dir: string): void {
  for (let round = 0; round < 5; round++) {
    const points = mountsUnder(dir);
    if (points.length === 0) return;
    for (const p of points) {
      if (spawnSync('umount', [p]).status !== 0) spawnSync('umount', ['-l', p]);
    }
  }
}

/** Removes the `kubepods` cgroup trees, deepest first (rmdir of an empty cgroup). */
function removeKubepodsCgroups(): void {
  for (const root of kubepodsCgroups()) {
    for (const d of foldersDeepestFirst(root)) {
      try {
        rmdirSync(d);
      } catch {
        // a process still inside: reported by leftovers()
      }
    }
  }
}

/** Removes the container-log symlinks of this run (they point into its podLogsDir). */
function removeLogSymlinks(podLogsDir: string): void {
  if (!existsSync('/var/log/containers')) return;
  for (const name of readdirSync('/var/log/containers')) {
    const p = join('/var/log/containers', name);
    try {
      if (lstatSync(p).isSymbolicLink() && readlinkSync(p).startsWith(podLogsDir)) unlinkSync(p);
    } catch {
      // gone meanwhile
    }
  }
}

/**
 * Tears a run down, whatever state it is in (see the file comment), in this order:
 * 1. kill the run's processes (kubelet, containerd, shims) and every container process;
 * 2. unmount everything under the run folder; 3. remove the kubepods cgroups;
 * 4. delete the bridge; 5. restore the kernel tunables; 6. remove created fixed paths and the
 * run folder. Never throws: each step is best effort, leftovers() reports what stayed.
 */
export function teardownRun(run: RunRecord): void {
  const step = (f: () => void): void => {
    try {
      f();
    } catch {
      // best effort; leftovers() names what is left
    }
  };
  // 1.
  step(() => killUntilGone(() => [...pidsMentioning(run.runDir), ...kubepodsPids()], 10_000));
  // 2.
  step(() => unmountAll(run.runDir));
  // 3.
  step(() => removeKubepodsCgroups());
  // 4.
  step(() => {
    if (existsSync(join('/sys/class/net', run.bridge))) spawnSync('ip', ['link', 'del', run.bridge]);
  });
  // 5.
  for (const [name, value] of Object.entries(run.snapshot.tunables)) {
    step(() => {
      if (readTunable(name) !== value) writeFileSync(join('/proc/sys', name), value);
    });
  }
  // 6.
  step(() => removeLogSymlinks(run.podLogsDir));
  for (const p of FIXED_PATHS) {
    if (!run.snapshot.existingPaths.includes(p)) step(() => rmSync(p, { recursive: true, force: true }));
  }
  step(() => rmSync(run.runDir, { recursive: true, force: true }));
}

/**
 * What a finished run left on the machine, compared with `before`: processes, mounts, cgroups,
 * the bridge, changed tunables, fixed paths. Empty when the machine is as it was.
 */
export function leftovers(run: RunRecord): string[] {
  const found: string[] = [];
  const pids = pidsMentioning(run.runDir);
  if (pids.length > 0) found.push(`processes of the run still alive: ${pids.join(', ')}`);
  const mounts = mountsUnder(run.runDir);
  if (mounts.length > 0) found.push(`mounts left under ${run.runDir}: ${mounts.slice(0, 5).join(', ')}`);
  const cgroups = kubepodsCgroups();
  if (cgroups.length > 0) found.push(`kubepods cgroups left: ${cgroups.join(', ')}`);
  if (existsSync(join('/sys/class/net', run.bridge))) found.push(`bridge ${run.bridge} still exists`);
  for (const [name, value] of Object.entries(run.snapshot.tunables)) {
    const now = readTunable(name);
    if (now !== value) found.push(`${name.replace(/\//g, '.')} is ${now}, was ${value}`);
  }
  for (const p of FIXED_PATHS) if (!run.snapshot.existingPaths.includes(p) && existsSync(p)) found.push(`${p} was created and is still there`);
  if (existsSync(run.runDir)) found.push(`run folder ${run.runDir} still exists`);
  return found;
}
