/**
 * Resident memory of another process, read from `/proc/<pid>/status` (`VmRSS`, in kB; proc(5)).
 * RSS is what the kubelet's memory limit and the OOM killer see for the container, so it is the
 * figure the sidecar's memory request must cover.
 */
import { readFile } from 'node:fs/promises';

/** VmRSS of `pid` in MiB; throws when the process is gone or the field is missing (not Linux). */
export async function residentMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (m === null) throw new Error(`/proc/${pid}/status has no VmRSS line`);
  return Number(m[1]) / 1024;
}

/** RssAnon of `pid` in MiB: the anonymous (heap) part of RSS, without mapped files such as the Node binary. */
export async function anonymousMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const m = /^RssAnon:\s+(\d+)\s+kB$/m.exec(status);
  if (m === null) throw new Error(`/proc/${pid}/status has no RssAnon line`);
  return Number(m[1]) / 1024;
}
