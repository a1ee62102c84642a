/**
 * Memory of another process, read from `/proc/<pid>/status` (proc(5), values in kB):
 * - `VmRSS`: all resident pages. What `top` shows and what the OOM killer scores.
 * - `RssAnon`: resident private anonymous pages (V8's heap, malloc, JIT code, stacks). No other
 *   process shares them, so this is what each pod adds to a node, and the part of a container's
 *   memory cgroup charge that cannot be reclaimed without swap.
 * - `RssFile`: resident file-backed pages (the node binary, shared libraries, the bundle and its
 *   compile cache). Every pod running the same image on a node maps the same page-cache pages,
 *   and the kernel can drop and re-read them under pressure.
 * - `RssShmem`: shared memory (tmpfs, SysV); normally zero for Node.
 */
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';

/** The resident memory of one process, in MiB. */
export interface ProcessMemory {
  rssMb: number;
  rssAnonMb: number;
  rssFileMb: number;
  rssShmemMb: number;
}

/** Parses the text of a `/proc/<pid>/status` file; throws when a field is missing (not Linux). */
export function parseProcStatus(status: string, where: string): ProcessMemory {
  const field = (name: string): number => {
    const m = new RegExp(`^${name}:\\s+(\\d+)\\s+kB$`, 'm').exec(status);
    if (m === null) throw new Error(`${where} has no ${name} line`);
    return Number(m[1]) / 1024;
  };
  return { rssMb: field('VmRSS'), rssAnonMb: field('RssAnon'), rssFileMb: field('RssFile'), rssShmemMb: field('RssShmem') };
}

/** The memory of `pid`; throws when the process is gone. */
export async function processMemory(pid: number): Promise<ProcessMemory> {
  return parseProcStatus(await readFile(`/proc/${pid}/status`, 'utf8'), `/proc/${pid}/status`);
}

/** The memory of the calling process, synchronously (for an `exit` handler). */
export function ownMemorySync(): ProcessMemory {
  return parseProcStatus(readFileSync('/proc/self/status', 'utf8'), '/proc/self/status');
}

/** VmRSS of `pid` in MiB; throws when the process is gone or the field is missing (not Linux). */
export async function residentMb(pid: number): Promise<number> {
  return (await processMemory(pid)).rssMb;
}

/**
 * CPU time `pid` has used so far (user + system), in ms: fields 14 and 15 of `/proc/<pid>/stat`,
 * in clock ticks of 10 ms (USER_HZ is 100 on Linux; proc(5)). The command name (field 2) may hold
 * spaces, so fields are counted from its closing parenthesis.
 */
export async function processCpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** RssAnon of `pid` in MiB: the anonymous (heap) part of RSS, without mapped files such as the Node binary. */
export async function anonymousMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const m = /^RssAnon:\s+(\d+)\s+kB$/m.exec(status);
  if (m === null) throw new Error(`/proc/${pid}/status has no RssAnon line`);
  return Number(m[1]) / 1024;
}
