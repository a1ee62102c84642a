/**
 * Benchmark 2: time from process start to exit of `ack-secret-injector init` from the shipped
 * bundle (dist/cli.mjs), fetching 10 values (8 KMS, 2 OOS; jmesPath, extract and replaceRule
 * applied) against the emulator and writing them, next to `node -e 0` on the same Node in the
 * same run: the floor any Node program pays.
 *
 * The two are interleaved run by run, so a burst of load from other work on the machine hits
 * both alike. One unmeasured run of each first fills the page cache.
 */
import { access, mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
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
  log: (line: string) => void;
}

/** What results.json records. */
export interface InitResults {
  injector: { initMs: number; initMinMs: number; initMaxMs: number; runs: number; secrets: number; kmsSecrets: number; oosParameters: number; callsPerRun: Record<string, number>; bundle: string };
  baseline: { nodeStartMs: number; nodeStartMinMs: number; runs: number };
  /** initMs / nodeStartMs; target ≤ 5. */
  initToNodeStartRatio: number;
}

/** Files that must exist after every init run: one per ExternalSecret and rule kind. */
const EXPECTED_FILES = ['db/user', 'db/password', 'db/ca.pem', 'db/ssl_mode', 'app/redis-password', 'app/webhook-hmac', 'api/payments-key', 'api/mail-key'];

/**
 * Steps: 1. start the world; 2. warm-up run of each; 3. `runs` interleaved pairs, each init into
 * a fresh mount folder (a new pod) and checked: exit 0, expected files, exactly one STS call and
 * one call per value; 4. medians.
 */
export async function runInitBenchmark(o: InitBenchOptions): Promise<InitResults> {
  // 1.
  const world = await startCloudWorld();
  try {
    const initOnce = async (label: string): Promise<number> => {
      const dir = await mkdtemp(join(o.workDir, `init-${label}-`));
      const config = await world.config(dir);
      await world.emu.resetCounts();
      const run = await timedRun(process.execPath, [o.bundle, 'init'], { ...world.env(dir), SECRET_INJECTOR_CONFIG: JSON.stringify(config) }, ROOT_DIR);
      if (run.code !== 0) throw new Error(`init run ${label} exited ${run.code}: ${run.output.slice(-3000)}`);
      for (const f of EXPECTED_FILES) {
        await access(join(config.mountPath, f)).catch(() => { throw new Error(`init run ${label}: ${f} was not written; output: ${run.output.slice(-2000)}`); });
      }
      const { actions } = await world.emu.counts();
      const want = { AssumeRoleWithOIDC: 1, GetSecretValue: KMS_SECRET_COUNT, GetSecretParameter: OOS_PARAMETER_COUNT };
      for (const [action, n] of Object.entries(want)) {
        if (actions[action] !== n) throw new Error(`init run ${label}: ${action} called ${actions[action] ?? 0} times, expected ${n} (all calls: ${JSON.stringify(actions)})`);
      }
      return run.wallMs;
    };
    const nodeOnce = async (label: string): Promise<number> => {
      const run = await timedRun(process.execPath, ['-e', '0'], { PATH: process.env.PATH ?? '' }, ROOT_DIR);
      if (run.code !== 0) throw new Error(`node -e 0 (${label}) exited ${run.code}: ${run.output}`);
      return run.wallMs;
    };
    // 2.
    await nodeOnce('warm-up');
    await initOnce('warm-up');
    // 3.
    const init: number[] = [];
    const node: number[] = [];
    for (let i = 0; i < o.runs; i++) {
      node.push(await nodeOnce(String(i)));
      init.push(await initOnce(String(i)));
    }
    // 4.
    const initMs = round2(median(init));
    const nodeStartMs = round2(median(node));
    o.log(`injector init: median ${initMs} ms over ${o.runs} runs; node -e 0: ${nodeStartMs} ms`);
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
      },
      baseline: { nodeStartMs, nodeStartMinMs: round2(Math.min(...node)), runs: o.runs },
      initToNodeStartRatio: round2(initMs / nodeStartMs),
    };
  } finally {
    await world.close();
  }
}
