/**
 * Benchmark 2: time from process start to exit of `ack-secret-injector init` from the shipped
 * bundle (dist/cli.mjs), fetching 10 values (8 KMS, 2 OOS; jmesPath, extract and replaceRule
 * applied) against the emulator and writing them, next to `node -e 0` on the same Node in the
 * same run: the floor any Node program pays.
 *
 * The two are interleaved run by run, so a burst of load from other work on the machine hits
 * both alike. One unmeasured run of each first fills the page cache.
 */
import { spawn } from 'node:child_process';
import { access, mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startCloudWorld, KMS_SECRET_COUNT, OOS_PARAMETER_COUNT, SECRET_COUNT } from './cloud-world.ts';
import { ROOT_DIR } from './fixtures.ts';
import { median, round2 } from './stats.ts';
import { timedRun } from './timed-process.ts';

/** Options of one run. */
export interface InitBenchOptions {
  workDir: string;
  runs: number;
  /** The bundle entry, dist/cli.mjs. */
  bundle: string;
  /** NODE_OPTIONS the webhook injects into the init container and the agent for the default limit. */
  initNodeOptions: string;
  agentNodeOptions: string;
  log: (line: string) => void;
}

/** Memory of `init` as it exits, read by the process itself (bench/exit-memory.mjs), MiB. */
export interface ExitMemory {
  rssMb: number;
  rssAnonMb: number;
  rssFileMb: number;
  /** VmHWM: the highest RSS of the run. */
  hwmMb: number;
}

/** What results.json records. */
export interface InitResults {
  injector: { initMs: number; initMinMs: number; initMaxMs: number; runs: number; secrets: number; kmsSecrets: number; oosParameters: number; callsPerRun: Record<string, number>; bundle: string; nodeOptions: string; exitMemory: ExitMemory };
  /** Spawn to the agent's first complete write with skip-init (no init before it): median, min, max, ms. */
  agentFirstReady: { firstReadyMs: number; firstReadyMinMs: number; firstReadyMaxMs: number; runs: number; nodeOptions: string };
  baseline: { nodeStartMs: number; nodeStartMinMs: number; runs: number };
  /** initMs / nodeStartMs; target ≤ 3. */
  initToNodeStartRatio: number;
}

/** Files that must exist after every init run: one per ExternalSecret and rule kind. */
const EXPECTED_FILES = ['db/user', 'db/password', 'db/ca.pem', 'db/ssl_mode', 'app/redis-password', 'app/webhook-hmac', 'api/payments-key', 'api/mail-key'];

/**
 * Starts the agent (skip-init: an empty mount folder, no init before it) and resolves the wall
 * time from just before spawn to its first `refresh done` log line, which it writes right after
 * marking itself ready (injector/agent-command.ts); then stops it with SIGTERM.
 */
function agentFirstReady(bundle: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [bundle, 'agent', '--health-address', '127.0.0.1'], { env, cwd: ROOT_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    let readyMs: number | undefined;
    child.stderr.on('data', (b: Buffer) => tail.push(b.toString('utf8')));
    createInterface({ input: child.stdout }).on('line', (line) => {
      tail.push(line);
      if (readyMs !== undefined || !line.includes('"refresh done"')) return;
      readyMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (!line.includes('"result":"success"')) reject(new Error(`the agent's first refresh did not succeed: ${line.slice(0, 500)}`));
      child.kill('SIGTERM');
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (readyMs !== undefined && code === 0) resolve(readyMs);
      else reject(new Error(`the agent exited (code ${code}, signal ${signal}) ${readyMs === undefined ? 'before its first refresh' : 'after its first refresh'}; output: ${tail.join('\n').slice(-2000)}`));
    });
  });
}

/**
 * Steps: 1. start the world; 2. warm-up run of each; 3. `runs` interleaved triples (node -e 0,
 * init, agent to first ready), each injector run into a fresh mount folder (a new pod); every init
 * checked: exit 0, expected files, exactly one STS call and one call per value; 4. one extra init
 * run with bench/exit-memory.mjs preloaded, for its memory at exit; 5. medians.
 */
export async function runInitBenchmark(o: InitBenchOptions): Promise<InitResults> {
  // 1.
  const world = await startCloudWorld();
  try {
    const injectorEnv = async (label: string, nodeOptions: string): Promise<{ env: NodeJS.ProcessEnv; mountPath: string }> => {
      const dir = await mkdtemp(join(o.workDir, `init-${label}-`));
      const config = await world.config(dir);
      return { env: { ...world.env(dir), NODE_OPTIONS: nodeOptions, SECRET_INJECTOR_CONFIG: JSON.stringify(config) }, mountPath: config.mountPath };
    };
    const initOnce = async (label: string, nodeArgs: string[] = []): Promise<{ wallMs: number; output: string }> => {
      const { env, mountPath } = await injectorEnv(label, o.initNodeOptions);
      await world.emu.resetCounts();
      const run = await timedRun(process.execPath, [...nodeArgs, o.bundle, 'init'], env, ROOT_DIR);
      if (run.code !== 0) throw new Error(`init run ${label} exited ${run.code}: ${run.output.slice(-3000)}`);
      for (const f of EXPECTED_FILES) {
        await access(join(mountPath, f)).catch(() => { throw new Error(`init run ${label}: ${f} was not written; output: ${run.output.slice(-2000)}`); });
      }
      const { actions } = await world.emu.counts();
      const want = { AssumeRoleWithOIDC: 1, GetSecretValue: KMS_SECRET_COUNT, GetSecretParameter: OOS_PARAMETER_COUNT };
      for (const [action, n] of Object.entries(want)) {
        if (actions[action] !== n) throw new Error(`init run ${label}: ${action} called ${actions[action] ?? 0} times, expected ${n} (all calls: ${JSON.stringify(actions)})`);
      }
      return run;
    };
    const nodeOnce = async (label: string): Promise<number> => {
      const run = await timedRun(process.execPath, ['-e', '0'], { PATH: process.env.PATH ?? '' }, ROOT_DIR);
      if (run.code !== 0) throw new Error(`node -e 0 (${label}) exited ${run.code}: ${run.output}`);
      return run.wallMs;
    };
    const agentOnce = async (label: string): Promise<number> => agentFirstReady(o.bundle, (await injectorEnv(`agent-${label}`, o.agentNodeOptions)).env);
    // 2.
    await nodeOnce('warm-up');
    await initOnce('warm-up');
    await agentOnce('warm-up');
    // 3.
    const init: number[] = [];
    const node: number[] = [];
    const ready: number[] = [];
    for (let i = 0; i < o.runs; i++) {
      node.push(await nodeOnce(String(i)));
      init.push((await initOnce(String(i))).wallMs);
      ready.push(await agentOnce(String(i)));
    }
    // 4.
    const probe = await initOnce('exit-memory', ['--import', join(ROOT_DIR, 'bench', 'exit-memory.mjs')]);
    const m = /^BENCH-EXIT-MEMORY (\{.*\})$/m.exec(probe.output);
    if (m === null) throw new Error(`init with bench/exit-memory.mjs printed no memory line; output: ${probe.output.slice(-2000)}`);
    const raw = JSON.parse(m[1] as string) as ExitMemory;
    const exitMemory: ExitMemory = { rssMb: round2(raw.rssMb), rssAnonMb: round2(raw.rssAnonMb), rssFileMb: round2(raw.rssFileMb), hwmMb: round2(raw.hwmMb) };
    // 5.
    const initMs = round2(median(init));
    const nodeStartMs = round2(median(node));
    const firstReadyMs = round2(median(ready));
    o.log(`injector init: median ${initMs} ms over ${o.runs} runs; node -e 0: ${nodeStartMs} ms; agent first ready (skip-init): ${firstReadyMs} ms; init at exit: RSS ${exitMemory.rssMb} MB, anon ${exitMemory.rssAnonMb} MB`);
    return {
      injector: {
        initMs,
        initMinMs: round2(Math.min(...init)),
        initMaxMs: round2(Math.max(...init)),
        runs: o.runs,
        secrets: SECRET_COUNT,
        kmsSecrets: KMS_SECRET_COUNT,
        oosParameters: OOS_PARAMETER_COUNT,
        callsPerRun: { AssumeRoleWithOIDC: 1, GetSecretValue: KMS_SECRET_COUNT, GetSecretParameter: OOS_PARAMETER_COUNT },
        bundle: 'dist/cli.mjs',
        nodeOptions: o.initNodeOptions,
        exitMemory,
      },
      agentFirstReady: { firstReadyMs, firstReadyMinMs: round2(Math.min(...ready)), firstReadyMaxMs: round2(Math.max(...ready)), runs: o.runs, nodeOptions: o.agentNodeOptions },
      baseline: { nodeStartMs, nodeStartMinMs: round2(Math.min(...node)), runs: o.runs },
      initToNodeStartRatio: round2(initMs / nodeStartMs),
    };
  } finally {
    await world.close();
  }
}
