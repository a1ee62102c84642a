/**
 * A cgroup v1 memory cgroup for one benchmark process: the kernel enforces `memory.limit_in_bytes`
 * on it exactly as the kubelet's container limit is enforced (reclaim, then the OOM killer), so
 * `agent.minMemoryLimitMi` is found by running the agent under a real limit, not by arithmetic.
 *
 * Method: a child folder of the v1 memory hierarchy (`/sys/fs/cgroup/memory/ack-bench-<pid>-<n>`)
 * gets the limit (and the same `memory.memsw.limit_in_bytes` where swap accounting exists, so the
 * limit cannot be escaped into swap); the process is started through `/bin/sh`, which writes its
 * own pid into `cgroup.procs` and then `exec`s node, so every page the process ever touches is
 * charged to the cgroup from its first instruction. After the process has exited the folder is
 * removed, also when the run failed (`withMemoryCgroup`'s finally).
 *
 * What is charged: private memory, and page-cache pages this process is the first to fault in.
 * Pages of the node binary that other processes on the machine already hold in the page cache
 * stay charged to whoever read them first: the case of a node where the image already runs
 * (docs/benchmarks.md says so beside the figure).
 */
import { access, mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { join } from 'node:path';

/** The v1 memory hierarchy's root on this machine. */
export const MEMORY_CGROUP_ROOT = '/sys/fs/cgroup/memory';

/** Why a memory cgroup cannot be used here, or undefined when it can. */
export async function memoryCgroupUnavailable(root = MEMORY_CGROUP_ROOT): Promise<string | undefined> {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return 'not running as root (creating a cgroup needs it)';
  try {
    await access(join(root, 'memory.limit_in_bytes'), constants.W_OK);
    return undefined;
  } catch {
    return `${root} is not a writable cgroup v1 memory hierarchy`;
  }
}

/** What the cgroup recorded about one run. */
export interface CgroupRecord {
  /** memory.max_usage_in_bytes: the highest charge during the run, MiB. */
  peakChargeMb: number;
  /** memory.failcnt: how often the charge hit the limit (each time the kernel had to reclaim). */
  limitHits: number;
  /** oom_kill count from memory.oom_control (0 when the kernel does not report it). */
  oomKills: number;
}

let sequence = 0;

async function readNumber(file: string): Promise<number> {
  return Number((await readFile(file, 'utf8')).trim());
}

/** Removes an emptied cgroup folder, retrying briefly while the kernel finishes the exit. */
async function removeCgroup(dir: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rmdir(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code === 'EBUSY' && attempt === 10) {
        // A process of ours is still inside (a harness error before its exit): end it by pid.
        const pids = (await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '')).split('\n').filter((l) => /^\d+$/.test(l));
        for (const pid of pids) { try { process.kill(Number(pid), 'SIGKILL'); } catch { /* already gone */ } }
      }
      if (attempt >= 50) throw new Error(`could not remove the benchmark cgroup ${dir}: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * Runs `fn` with a fresh memory cgroup limited to `limitBytes`. `fn` gets the command prefix that
 * starts a program inside it (`[...prefix, node, ...args]`) and must wait for that process to
 * exit. Steps: 1. create the folder and set the limits; 2. run; 3. read the record; 4. remove the
 * folder, whatever happened.
 */
export async function withMemoryCgroup<T>(limitBytes: number, fn: (prefix: string[]) => Promise<T>, root = MEMORY_CGROUP_ROOT): Promise<{ result: T; record: CgroupRecord }> {
  // 1.
  const dir = join(root, `ack-bench-${process.pid}-${++sequence}`);
  await mkdir(dir);
  try {
    await writeFile(join(dir, 'memory.limit_in_bytes'), String(limitBytes));
    // Without swap accounting this file is absent or refuses the write; no swap, nothing to close.
    await writeFile(join(dir, 'memory.memsw.limit_in_bytes'), String(limitBytes)).catch(() => undefined);
    // 2.
    const prefix = ['/bin/sh', '-c', `echo $$ > ${join(dir, 'cgroup.procs')} && exec "$@"`, 'sh'];
    const result = await fn(prefix);
    // 3.
    const oomControl = await readFile(join(dir, 'memory.oom_control'), 'utf8').catch(() => '');
    const record: CgroupRecord = {
      peakChargeMb: (await readNumber(join(dir, 'memory.max_usage_in_bytes'))) / 1048576,
      limitHits: await readNumber(join(dir, 'memory.failcnt')),
      oomKills: Number(/^oom_kill (\d+)$/m.exec(oomControl)?.[1] ?? 0),
    };
    return { result, record };
  } finally {
    // 4.
    await removeCgroup(dir);
  }
}
