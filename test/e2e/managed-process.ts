/**
 * A long-running helper process (etcd, kube-apiserver) for end-to-end tests: started in its own
 * process group with its output in a log file, stoppable with SIGTERM → SIGKILL, and killed by an
 * exit handler if the test process ends without stopping it.
 *
 * Why a process group: kube-apiserver and etcd are spawned `detached`, so a terminal Ctrl-C does not
 * reach them directly; signalling the negative pid reaches the whole group (POSIX kill(2)), which
 * also covers anything they fork. The exit/signal handlers make sure nothing is left running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

/** How long a process gets to exit after SIGTERM before SIGKILL (envtest waits 20 s; we need less). */
const STOP_GRACE_MS = 10_000;

/** The lines of a log file shown in error messages — enough for a Go panic or a flag error. */
const LOG_TAIL_LINES = 60;

/** Synchronous cleanups (kill a group, remove a temp dir) still pending, run in insertion order. */
const cleanups = new Set<() => void>();
let handlersInstalled = false;

function runCleanupsSync(): void {
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch {
      // Best effort while exiting: one failed cleanup must not stop the others.
    }
  }
  cleanups.clear();
}

/**
 * Install once: on `exit` run every pending cleanup; on SIGINT/SIGTERM/SIGHUP do the same and
 * re-raise the signal so the process still ends the way the sender meant (the listener is `once`,
 * so the re-raised signal takes the default action).
 */
function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', runCleanupsSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      runCleanupsSync();
      process.kill(process.pid, signal);
    });
  }
}

/**
 * Register a synchronous cleanup to run if the process exits or is signalled before the returned
 * function is called to unregister it (call that after the normal, asynchronous cleanup ran).
 * Processes are registered before temp dirs, so they are killed before their dirs are removed.
 */
export function registerExitCleanup(cleanup: () => void): () => void {
  installExitHandlers();
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
  };
}

/** The last `lines` lines of a log file, or a note if it cannot be read. */
export function logTail(path: string, lines = LOG_TAIL_LINES): string {
  try {
    const all = readFileSync(path, 'utf8').trimEnd().split('\n');
    return all.slice(-lines).join('\n');
  } catch (err) {
    return `(log ${path} unreadable: ${(err as Error).message})`;
  }
}

/** A running child process in its own process group, logging stdout+stderr to `logPath`. */
export class ManagedProcess {
  readonly name: string;
  readonly logPath: string;
  readonly pid: number;
  readonly #child: ChildProcess;
  readonly #exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  #unregister: () => void = () => {};

  /** Spawn `command args` with stdout and stderr appended to `logPath` (environment: ours, or `env`). */
  constructor(name: string, command: string, args: readonly string[], logPath: string, env?: NodeJS.ProcessEnv) {
    this.name = name;
    this.logPath = logPath;
    const fd = openSync(logPath, 'a');
    try {
      this.#child = spawn(command, args, { detached: true, stdio: ['ignore', fd, fd], ...(env === undefined ? {} : { env }) });
    } finally {
      closeSync(fd); // the child holds its own copy of the descriptor
    }
    this.#exited = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => {
        this.#exitInfo = { code, signal };
        this.#unregister();
        resolve({ code, signal });
      });
      // A failed spawn (ENOENT, EACCES) emits 'error' and no 'exit'.
      this.#child.once('error', (err) => {
        this.#exitInfo = { code: null, signal: null };
        this.#unregister();
        resolve({ code: null, signal: null });
        this.spawnError = err;
      });
    });
    if (this.#child.pid === undefined) {
      this.pid = -1;
    } else {
      this.pid = this.#child.pid;
      this.#unregister = registerExitCleanup(() => this.killGroupSync('SIGKILL'));
    }
  }

  /** Set when the process could not be spawned at all. */
  spawnError: Error | undefined;

  /** Exit status once the process has ended, else undefined. */
  get exitInfo(): { code: number | null; signal: NodeJS.Signals | null } | undefined {
    return this.#exitInfo;
  }

  /** Resolves when the process has exited. */
  get exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.#exited;
  }

  /** Signal the whole process group; ignores "no such process" (already gone). */
  killGroupSync(signal: NodeJS.Signals): void {
    if (this.pid <= 0 || this.#exitInfo !== undefined) return;
    try {
      process.kill(-this.pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }

  /**
   * Stop the process: 1. SIGTERM to the group; 2. wait up to STOP_GRACE_MS; 3. SIGKILL the group
   * and wait for the exit. Resolves once the process is gone (its ports are then free).
   */
  async stop(): Promise<void> {
    if (this.#exitInfo !== undefined || this.pid <= 0) return;
    // 1.
    this.killGroupSync('SIGTERM');
    // 2.
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.#exited.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), STOP_GRACE_MS);
      }),
    ]);
    clearTimeout(timer);
    // 3.
    if (timedOut) {
      this.killGroupSync('SIGKILL');
      await this.#exited;
    }
  }

  /** A description of why the process is not running, with its log tail, for error messages. */
  describeFailure(): string {
    const how = this.spawnError
      ? `could not be started: ${this.spawnError.message}`
      : this.#exitInfo
        ? `exited with ${this.#exitInfo.code !== null ? `code ${this.#exitInfo.code}` : `signal ${this.#exitInfo.signal}`}`
        : 'is still running';
    return `${this.name} ${how}; last lines of ${this.logPath}:\n${logTail(this.logPath)}`;
  }
}
