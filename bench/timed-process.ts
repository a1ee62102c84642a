/**
 * Runs one process and measures its wall time from just before spawn to its exit event: what a
 * user waits for (for the init container, the time the pod's app containers wait to start).
 */
import { spawn } from 'node:child_process';

/** The outcome of one timed run. */
export interface TimedRun {
  wallMs: number;
  code: number | null;
  output: string;
}

/** Spawns `command args` with `env`, keeps stdout+stderr, resolves at exit. */
export function timedRun(command: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string): Promise<TimedRun> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (b: Buffer) => chunks.push(b));
    child.stderr.on('data', (b: Buffer) => chunks.push(b));
    child.once('error', reject);
    child.once('exit', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      // The exit event can precede the last 'data' events; the wall time is taken at exit, the
      // output once the pipes close.
      child.once('close', () => resolve({ wallMs, code, output: Buffer.concat(chunks).toString('utf8') }));
    });
  });
}
