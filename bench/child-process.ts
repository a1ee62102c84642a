/**
 * Starting the benchmark's helper processes with the pinned Node (the one running the benchmark,
 * `process.execPath`) and talking to them over IPC: wait for the first message with a deadline,
 * stop them by pid. Shared by the webhook and injector benchmarks.
 */
import { fork, type ChildProcess } from 'node:child_process';

/** Forks `script` with `args`; stdout is discarded (the real server logs a line per review), stderr kept for errors. */
export function forkQuiet(script: string, args: string[], env: NodeJS.ProcessEnv = process.env): { child: ChildProcess; stderr: () => string } {
  const chunks: Buffer[] = [];
  const child = fork(script, args, { execPath: process.execPath, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env });
  child.stderr?.on('data', (b: Buffer) => chunks.push(b));
  return { child, stderr: () => Buffer.concat(chunks).toString('utf8') };
}

/**
 * Resolves with the child's first IPC message; rejects when it exits first or `limitMs` passes,
 * quoting its stderr so a benchmark that could not run says why.
 */
export function firstMessage<T>(what: string, p: { child: ChildProcess; stderr: () => string }, limitMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => { cleanup(); reject(new Error(`${what}: no answer within ${limitMs} ms; stderr: ${p.stderr().slice(-2000)}`)); }, limitMs);
    const onMessage = (m: unknown): void => { cleanup(); resolve(m as T); };
    const onExit = (code: number | null, signal: string | null): void => { cleanup(); reject(new Error(`${what}: exited (code ${code}, signal ${signal}) before answering; stderr: ${p.stderr().slice(-2000)}`)); };
    const cleanup = (): void => { clearTimeout(timer); p.child.off('message', onMessage); p.child.off('exit', onExit); };
    p.child.on('message', onMessage);
    p.child.on('exit', onExit);
  });
}

/** Sends SIGTERM to the child (by its pid) and waits for it to exit, with SIGKILL after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
