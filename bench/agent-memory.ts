/**
 * Benchmark 3: the refreshing sidecar over many cycles: its resident memory after the first 100
 * refreshes and at the end (growth = a leak per cycle), and the cloud calls the emulator counted
 * (KMS+OOS must be exactly secrets × refreshes: no duplicate fetches; STS only when the cached
 * credentials near expiry).
 *
 * The real agent from the bundle runs with the benchmark-only `--interval-ms` and
 * `--calls-per-second` flags (injector/agent-command.ts). The emulator issues short-lived STS credentials
 * (`stsSettings.credentialLifetimeSeconds`), so a run of a minute crosses several renewals: the
 * injector renews when 20 % of the lifetime is left (injector/cloud/credentials.ts refreshMarginMs),
 * so the expected STS count is 1 + floor(run time / (0.8 × lifetime)).
 *
 * Refresh cycles are counted from the agent's own "refresh done" log lines, which it writes just
 * before it starts waiting for the next cycle, so the stop signal lands in the wait and the run
 * ends on a whole cycle; the agent's /metrics counter is polled during the run as a cross-check.
 */
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startCloudWorld, withTemplates, KMS_SECRET_COUNT, OOS_PARAMETER_COUNT, SECRET_COUNT } from './cloud-world.ts';
import { ROOT_DIR } from './fixtures.ts';
import { processCpuMs, processMemory, type ProcessMemory } from './process-memory.ts';
import { round2 } from './stats.ts';

/**
 * Call rate for the run (`--calls-per-second`): high enough that the per-pod limit (10/s by
 * default, injector/cloud/rate-limit.ts) never paces the cycles; the limiter itself still runs.
 */
export const CALLS_PER_SECOND = 10_000;

/** Options of one run. */
export interface AgentBenchOptions {
  workDir: string;
  bundle: string;
  /** Refresh cycles to run (issue 7: at least 1000). */
  refreshes: number;
  /** Cycles after which the first RSS sample is taken (issue 7: 100). */
  baselineAfter: number;
  intervalMs: number;
  /** STS credential lifetime the emulator grants. */
  credentialLifetimeSeconds: number;
  /** Node flags before the bundle (none by default: the agent as the webhook starts it). */
  nodeArgs?: string[];
  /** Extra environment for the agent (e.g. allocator settings when investigating RSS). */
  env?: Record<string, string>;
  /** Render target.template on two ExternalSecrets every refresh (cloud-world.ts withTemplates). */
  templates?: boolean;
  /** A command that starts the agent inside something (bench/memory-cgroup.ts); it must `exec`. */
  spawnPrefix?: string[];
  log: (line: string) => void;
}

/** What results.json records. */
export interface AgentResults {
  /** NODE_OPTIONS the agent ran with (those the webhook injects for the default limit). */
  nodeOptions: string;
  rssMb: number;
  /** Private (anonymous) resident memory at the end: what each pod adds to a node. */
  rssAnonMb: number;
  /** File-backed resident memory at the end: shared by every pod of the same image on a node. */
  rssFileMb: number;
  rssAfterBaselineMb: number;
  rssGrowthMb: number;
  rssAnonAfterBaselineMb: number;
  rssAnonGrowthMb: number;
  /** CPU (user + system) per refresh between the first sample and the end: the price of the heap and JIT options. */
  cpuMsPerRefresh: number;
  /** Every `baselineAfter` cycles: [refreshes, RSS MB, RssAnon MB, RssFile MB] (a plateau or a climb). */
  memorySamplesMb: Array<[number, number, number, number]>;
  refreshes: number;
  refreshesByMetrics: number;
  baselineAfterRefreshes: number;
  secrets: number;
  backendCalls: number;
  expectedBackendCalls: number;
  kmsCalls: number;
  oosCalls: number;
  stsCalls: number;
  expectedStsCalls: number;
  credentialLifetimeSeconds: number;
  intervalMs: number;
  runSeconds: number;
}

/** The sum of `secret_injector_refreshes_total` over its labels in a Prometheus text page. */
function refreshesFromMetrics(text: string): number {
  let sum = 0;
  for (const m of text.matchAll(/^secret_injector_refreshes_total\{[^}]*\} (\d+(?:\.\d+)?)$/gm)) sum += Number(m[1]);
  return sum;
}

/**
 * Steps: 1. world, short STS lifetime, counters reset; 2. start the agent; 3. follow its log:
 * health port, each successful refresh; RSS after `baselineAfter`; 4. at `refreshes`, sample RSS
 * and send SIGTERM; 5. wait for exit, read the emulator's counts; 6. check and report.
 */
export async function runAgentBenchmark(o: AgentBenchOptions): Promise<AgentResults> {
  // 1.
  const world = await startCloudWorld();
  try {
    const dir = await mkdtemp(join(o.workDir, 'agent-'));
    const config = o.templates === true ? await withTemplates(await world.config(dir), dir) : await world.config(dir);
    await world.emu.stsSettings({ credentialLifetimeSeconds: o.credentialLifetimeSeconds });
    await world.emu.resetCounts();
    // 2.
    const command = [...(o.spawnPrefix ?? []), process.execPath];
    const child = spawn(command[0] as string, [...command.slice(1), ...(o.nodeArgs ?? []), o.bundle, 'agent', '--health-address', '127.0.0.1', '--interval-ms', String(o.intervalMs), '--calls-per-second', String(CALLS_PER_SECOND)], {
      cwd: ROOT_DIR,
      env: { ...world.env(dir), ...(o.env ?? {}), SECRET_INJECTOR_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pid = child.pid;
    if (pid === undefined) throw new Error('the agent did not start');
    const tail: string[] = [];
    child.stderr.on('data', (b: Buffer) => { tail.push(b.toString('utf8')); if (tail.length > 50) tail.shift(); });
    let exitSignal: string | null = null;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => { exitSignal = signal; resolve(code); }));
    const started = performance.now();
    let port: number | undefined;
    let refreshes = 0;
    let failedRefreshes = 0;
    let stoppedAt: number | undefined;
    let baseline: ProcessMemory | undefined;
    let cpuAtBaseline: number | undefined;
    let cpuAtEnd: number | undefined;
    let end: ProcessMemory | undefined;
    const samples: Array<[number, number, number, number]> = [];
    let stopLogRefreshes: number | undefined;
    let refreshesByMetrics = 0;
    // Polls /metrics once a second: the agent's own cycle counter, for the cross-check.
    const poll = setInterval(() => {
      if (port === undefined || stoppedAt !== undefined) return;
      fetch(`http://127.0.0.1:${port}/metrics`).then(async (r) => { refreshesByMetrics = Math.max(refreshesByMetrics, refreshesFromMetrics(await r.text())); }, () => undefined);
    }, 1000);
    // 3. + 4.
    const done = new Promise<void>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        tail.push(line);
        if (tail.length > 50) tail.shift();
        let entry: { msg?: string; port?: number; result?: string; refreshes?: number };
        try { entry = JSON.parse(line) as typeof entry; } catch { return; }
        if (entry.msg === 'health server listening' && typeof entry.port === 'number') port = entry.port;
        else if (entry.msg === 'agent stopping (SIGTERM); the last files stay in place') stopLogRefreshes = entry.refreshes;
        else if (entry.msg === 'refresh done' && stoppedAt === undefined) {
          if (entry.result !== 'success') { failedRefreshes++; return; }
          refreshes++;
          if (refreshes % o.baselineAfter === 0 && refreshes < o.refreshes) {
            const at = refreshes;
            if (at === o.baselineAfter) processCpuMs(pid).then((ms) => { cpuAtBaseline = ms; }, reject);
            processMemory(pid).then((m) => {
              samples.push([at, round2(m.rssMb), round2(m.rssAnonMb), round2(m.rssFileMb)]);
              if (at === o.baselineAfter) baseline = m;
              o.log(`agent: ${at} refreshes, RSS ${round2(m.rssMb)} MB (anon ${round2(m.rssAnonMb)}, file ${round2(m.rssFileMb)})`);
            }, reject);
          }
          if (refreshes === o.refreshes) {
            stoppedAt = performance.now();
            Promise.all([processMemory(pid), processCpuMs(pid)]).then(([m, ms]) => { end = m; cpuAtEnd = ms; child.kill('SIGTERM'); resolve(); }, reject);
          }
        }
      });
      void exited.then((code) => { if (stoppedAt === undefined) reject(new Error(`the agent exited (code ${code}, signal ${exitSignal}) after ${refreshes} refreshes; output: ${tail.join('\n').slice(-3000)}`)); });
    });
    try {
      await done;
    } finally {
      clearInterval(poll);
    }
    // 5.
    const code = await exited;
    const { actions } = await world.emu.counts();
    // 6.
    if (code !== 0) throw new Error(`the agent exited ${code} on SIGTERM; output: ${tail.join('\n').slice(-3000)}`);
    if (failedRefreshes > 0) throw new Error(`${failedRefreshes} refresh cycles did not succeed; output: ${tail.join('\n').slice(-3000)}`);
    if (baseline === undefined || end === undefined || cpuAtBaseline === undefined || cpuAtEnd === undefined) throw new Error('RSS or CPU was not sampled');
    if (stopLogRefreshes !== undefined && stopLogRefreshes !== refreshes) {
      throw new Error(`the agent reports ${stopLogRefreshes} refreshes at exit, its log shows ${refreshes} (the stop signal landed inside a cycle)`);
    }
    const runSeconds = ((stoppedAt ?? performance.now()) - started) / 1000;
    const kmsCalls = actions.GetSecretValue ?? 0;
    const oosCalls = actions.GetSecretParameter ?? 0;
    const stsCalls = (actions.AssumeRoleWithOIDC ?? 0) + (actions.AssumeRole ?? 0);
    const result: AgentResults = {
      nodeOptions: o.env?.NODE_OPTIONS ?? '',
      rssMb: round2(end.rssMb),
      rssAnonMb: round2(end.rssAnonMb),
      rssFileMb: round2(end.rssFileMb),
      rssAfterBaselineMb: round2(baseline.rssMb),
      rssGrowthMb: round2(end.rssMb - baseline.rssMb),
      rssAnonAfterBaselineMb: round2(baseline.rssAnonMb),
      rssAnonGrowthMb: round2(end.rssAnonMb - baseline.rssAnonMb),
      cpuMsPerRefresh: round2((cpuAtEnd - cpuAtBaseline) / (refreshes - o.baselineAfter)),
      memorySamplesMb: [...samples.sort((a, b) => a[0] - b[0]), [refreshes, round2(end.rssMb), round2(end.rssAnonMb), round2(end.rssFileMb)]],
      refreshes,
      refreshesByMetrics,
      baselineAfterRefreshes: o.baselineAfter,
      secrets: SECRET_COUNT,
      backendCalls: kmsCalls + oosCalls,
      expectedBackendCalls: SECRET_COUNT * refreshes,
      kmsCalls,
      oosCalls,
      stsCalls,
      expectedStsCalls: 1 + Math.floor(runSeconds / (0.8 * o.credentialLifetimeSeconds)),
      credentialLifetimeSeconds: o.credentialLifetimeSeconds,
      intervalMs: o.intervalMs,
      runSeconds: round2(runSeconds),
    };
    if (kmsCalls !== KMS_SECRET_COUNT * refreshes || oosCalls !== OOS_PARAMETER_COUNT * refreshes) {
      o.log(`agent: backend calls ${kmsCalls} KMS + ${oosCalls} OOS, expected ${KMS_SECRET_COUNT * refreshes} + ${OOS_PARAMETER_COUNT * refreshes}`);
    }
    o.log(`agent: ${refreshes} refreshes in ${result.runSeconds} s; RSS ${result.rssMb} MB, anon ${result.rssAnonMb} MB, file ${result.rssFileMb} MB (growth ${result.rssGrowthMb} MB since refresh ${o.baselineAfter}); CPU ${result.cpuMsPerRefresh} ms/refresh; backend ${result.backendCalls}/${result.expectedBackendCalls}; STS ${stsCalls} (expected ${result.expectedStsCalls})`);
    return result;
  } finally {
    await world.close();
  }
}
