/**
 * One node at a time on a machine: the kubelet hard-codes `/var/lib/kubelet/device-plugins` and
 * `/var/log/containers`, and every kubelet makes the same `/kubepods` cgroups, so the suite and
 * `npm run demo` take this lock before starting a node (../shared/reference/real-node.md §6).
 *
 * The lock is an flock(2) held by a `flock` child process: it prints a line once it holds the
 * lock, then waits on its stdin. When this process ends in any way, even by SIGKILL, the pipe
 * closes, the child exits and the kernel drops the lock, so a crashed run never blocks the next.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** The lock file and the folder of the runs' state files. */
export const NODE_STATE_DIR = '/run/ack-secret-injector-node';
export const NODE_LOCK_FILE = `${NODE_STATE_DIR}/node.lock`;

/** A held lock; `release()` lets the next run in. */
export interface NodeLock {
  release(): Promise<void>;
}

/**
 * Waits for the node lock. `onWait` is called once if another run holds it (the demo prints it),
 * and the wait gives up after `limitMs` with an error naming the lock file.
 */
export async function acquireNodeLock(onWait: (message: string) => void, limitMs = 30 * 60_000): Promise<NodeLock> {
  mkdirSync(dirname(NODE_LOCK_FILE), { recursive: true });
  const child = spawn('flock', ['--exclusive', NODE_LOCK_FILE, 'sh', '-c', 'echo locked; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const waitNotice = setTimeout(() => onWait(`another node run holds ${NODE_LOCK_FILE} (the suite or npm run demo); waiting for it`), 1_000);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`could not take the node lock ${NODE_LOCK_FILE} within ${limitMs / 1000} s; another run holds it`)), limitMs);
      child.stdout.once('data', () => {
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`flock ${NODE_LOCK_FILE} exited with ${code}: ${stderr.trim()}`));
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`could not run flock (util-linux) for the node lock: ${err.message}`));
      });
    });
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  } finally {
    clearTimeout(waitNotice);
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // The lock must not keep the event loop alive on its own.
  child.unref();
  for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as { unref?: () => void }).unref?.();
  return {
    release: async () => {
      child.ref(); // keep the loop alive until flock has exited and the lock is gone
      child.stdin.end();
      await exited;
    },
  };
}
