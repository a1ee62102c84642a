/**
 * Finds the main process of a named container of this pod through `/proc`, so the agent can send
 * it a signal after a refresh. This needs `shareProcessNamespace: true` on the pod (then every
 * container's processes are visible, https://kubernetes.io/docs/tasks/configure-pod-container/share-process-namespace/).
 *
 * How a process is tied to a container NAME, using only what the kubelet itself sets up: the
 * kubelet bind-mounts each container's termination-message file from
 * `/var/lib/kubelet/pods/<pod-uid>/containers/<container-name>/<id>` (kubelet
 * `makeMounts`/`terminationMessagePath`, default `/dev/termination-log`), and the source path of
 * a bind mount appears as the "root" field (4th) of `/proc/<pid>/mountinfo`
 * (https://man7.org/linux/man-pages/man5/proc_pid_mountinfo.5.html). So a process whose mount
 * table has a root containing `/containers/<name>/` belongs to that container. Process names and
 * cgroup ids were rejected: names are not unique, and cgroup paths carry runtime container IDs,
 * not names. The container's MAIN process is the one whose parent is outside the shared PID
 * namespace (PPID 0: started by the runtime, not by another process of the pod).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The PPID field of `/proc/<pid>/stat` (after the parenthesised, possibly spaced, comm). */
export function parentPid(statText: string): number | undefined {
  const close = statText.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = statText.slice(close + 2).split(' ');
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}

/** True when `mountinfo` text shows a bind mount from the kubelet's folder for `container`. */
export function mountinfoNamesContainer(mountinfo: string, container: string): boolean {
  const marker = `/containers/${container}/`;
  for (const line of mountinfo.split('\n')) {
    const root = line.split(' ')[3];
    if (root !== undefined && root.includes(marker)) return true;
  }
  return false;
}

/**
 * PIDs of the main process(es) of `container` (normally exactly one; empty when the container is
 * not running or its processes are not visible). `procRoot` is a parameter so tests use a fake tree.
 */
export async function findContainerMainPids(container: string, procRoot = '/proc'): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir(procRoot)) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      // 1. Main processes only: the parent is outside the namespace.
      if (parentPid(await readFile(join(procRoot, entry, 'stat'), 'utf8')) !== 0) continue;
      // 2. Of the named container: the kubelet's per-container bind-mount source.
      if (mountinfoNamesContainer(await readFile(join(procRoot, entry, 'mountinfo'), 'utf8'), container)) found.push(pid);
    } catch {
      // The process exited between readdir and read, or its files are not readable: not ours to signal.
    }
  }
  return found.sort((a, b) => a - b);
}
