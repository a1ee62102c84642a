/**
 * The fleet benchmark (issue 15): N simulated pods of one Deployment rolled out against the
 * emulator's rate limits, each running the injector's real code path (bench/fleet-worker.ts) in a
 * few worker processes, started all at once or `maxSurge` at a time. Reports, per scenario:
 * - the time until every pod has its files, and the rate-limit lower bound for that N: the
 *   quotas alone need max((N − STS burst) / STS rate, (N·S − KMS burst) / KMS rate) seconds;
 * - pods whose init would have failed (exited non-zero; each is restarted with the kubelet's
 *   backoff), STS and KMS calls by kind, throttled calls, STS exchanges per pod at start;
 * - a steady-state window of whole intervals starting one interval after the last pod was
 *   served: KMS calls per interval and the peak-to-mean ratio of KMS calls per second.
 *
 * Two scenarios run one after the other, each against a fresh emulator with the same limits:
 * `improved` (the injector's defaults: handoff, 600 s init budget, phase-spread refreshes) and
 * `baseline`, today's behaviour before issue 15 reproduced by the real code's configuration
 * switches: no handoff (the agent exchanges the token again and refetches at start), a 60 s init
 * budget, refreshPhaseSpread false (interval minus up to 10 % jitter after each refresh).
 *
 * Runnable alone: `node bench/fleet.ts [--pods N] [--secrets S] [--workers W] [--interval-seconds I]
 * [--steady-intervals K] [--max-surge M] [--scenario improved|baseline] [--out FILE]`; from
 * `npm run bench -- --only fleet` it writes the `fleet` key of bench/results.json.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { InjectorConfig } from '../contract/injector-config-schema.ts';
import { allowPolicy, rrsaTrustPolicy, startEmulator, type Emulator } from '../test/emulator/index.ts';
import { currentLoadAverage } from './machine.ts';

const NS = 'shop';
const SA = 'web';
const WORKER = fileURLToPath(new URL('./fleet-worker.ts', import.meta.url));

/** The rate limits a run is held to (the emulator's admin API `rateLimits`). */
export interface FleetLimits {
  sts: { limit: number; periodSeconds: number; burst: number };
  kms: { limit: number; periodSeconds: number; burst: number };
}

/** What a fleet run is. */
export interface FleetOptions {
  pods: number;
  secretsPerPod: number;
  workers: number;
  intervalSeconds: number;
  steadyIntervals: number;
  /** Pods started at once; the next starts when one is served (a Deployment's maxSurge). Default all. */
  maxSurge?: number;
  limits: FleetLimits;
  log: (line: string) => void;
}

/** One scenario's figures. */
export interface FleetScenario {
  /** Pods whose init exited non-zero at least once (a restarted init container in a real pod). */
  initFailures: number;
  /** Failed init runs in all (a pod restarted twice counts twice). */
  initFailedRuns: number;
  allServedSeconds: number;
  /** allServedSeconds / lowerBoundSeconds. */
  ratioToLowerBound: number;
  /** Successful STS AssumeRoleWithOIDC per pod from the start to the end of the steady window. */
  stsCallsAtStart: number;
  /** Calls answered by the emulator from the start to the end of the steady window, by action. */
  calls: Record<string, { ok: number; throttled: number; otherErrors: number }>;
  /** KMS GetSecretValue calls in each interval of the steady window. */
  steadyCallsPerInterval: number[];
  /** Peak-to-mean of KMS calls per second over the steady window. */
  steadyPeakToMean: number;
  steadyWindowSeconds: [number, number];
  pipelineErrors: string[];
}

/** Both scenarios side by side, as bench/results.json records them. */
export interface FleetResults {
  pods: number;
  secretsPerPod: number;
  workers: number;
  intervalSeconds: number;
  maxSurge: number;
  limits: FleetLimits;
  lowerBoundSeconds: number;
  initFailures: number;
  allServedSeconds: number;
  stsCallsAtStart: number;
  steadyCallsPerInterval: number[];
  steadyPeakToMean: number;
  improved: FleetScenario;
  baseline?: FleetScenario;
  loadAverage: { start: number[]; end: number[] };
  runSeconds: number;
}

/** The lower bound the quotas impose on serving every pod (seconds). */
export function lowerBoundSeconds(pods: number, secretsPerPod: number, limits: FleetLimits): number {
  const bound = (calls: number, l: FleetLimits['sts']): number => Math.max(0, (calls - l.burst) / (l.limit / l.periodSeconds));
  return Math.max(bound(pods, limits.sts), bound(pods * secretsPerPod, limits.kms));
}

/** max / mean of a series (1 for an empty or all-zero one). */
export function peakToMean(series: readonly number[]): number {
  const total = series.reduce((a, b) => a + b, 0);
  if (series.length === 0 || total === 0) return 1;
  return Math.max(...series) / (total / series.length);
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

/** The emulated account: an RRSA role for shop:web allowed shop/*, and S secrets. */
async function seedWorld(emu: Emulator, secrets: number): Promise<{ roleArn: string; providerArn: string }> {
  const { arn: providerArn } = await emu.defineOidcProvider({ name: 'ack-rrsa-fleet', issuerUrl: emu.issuer });
  const { arn: roleArn } = await emu.defineRole({
    name: 'shop-web',
    trustPolicy: rrsaTrustPolicy({ providerArn, issuer: emu.issuer, subject: `system:serviceaccount:${NS}:${SA}` }),
    policies: [allowPolicy('kms:GetSecretValue', `acs:kms:${emu.region}:${emu.accountId}:secret/shop/*`)],
  });
  for (let i = 0; i < secrets; i++) await emu.seedSecret({ name: `shop/secret-${i}`, value: JSON.stringify({ user: `app-${i}`, password: `fleet-bench-password-${i}` }) });
  return { roleArn, providerArn };
}

/** One pod's injector config: two ExternalSecrets sharing the pod's interval, S KMS secrets in all. */
function podConfig(dir: string, o: FleetOptions, world: { roleArn: string; providerArn: string; region: string }, improved: boolean): InjectorConfig {
  const keys = Array.from({ length: o.secretsPerPod }, (_, i) => `shop/secret-${i}`);
  const half = Math.ceil(keys.length / 2);
  const es = (name: string, ks: string[]): InjectorConfig['externalSecrets'][number] => ({
    name, provider: 'kms', dataProcess: [],
    data: ks.map((key, i) => ({ key, name: `${name}-${i}`, profile: 'pod', ...(i === 0 ? { jmesPath: [{ path: 'password', objectAlias: `${name}-password` }] } : {}) })),
  });
  return {
    version: 1,
    pod: { namespace: NS, serviceAccount: SA },
    region: world.region,
    mountPath: join(dir, 'mount'),
    tokenPath: join(dir, 'token'),
    refreshIntervalSeconds: o.intervalSeconds,
    fileMode: 0o440,
    healthPort: 0,
    endpoints: {},
    profiles: [{ id: 'pod', kind: 'rrsa', roleArn: world.roleArn, oidcProviderArn: world.providerArn, roleSessionName: 'fleet' }],
    externalSecrets: [es('db', keys.slice(0, half)), ...(keys.length > half ? [es('app', keys.slice(half))] : [])],
    // The switches between today's behaviour and issue 15's (see the module comment).
    ...(improved ? { handoffPath: join(dir, 'handoff', 'handoff.json') } : { initBudgetSeconds: 60, refreshPhaseSpread: false }),
  };
}

/** Per-second call counts by action and outcome, from the emulator's observer. */
class Timeline {
  readonly #t0: number;
  readonly ok = new Map<string, number[]>();
  readonly throttled = new Map<string, number[]>();
  readonly other = new Map<string, number[]>();

  constructor(t0: number) {
    this.#t0 = t0;
  }

  record(action: string, outcome: 'ok' | 'error' | 'throttled'): void {
    const map = outcome === 'ok' ? this.ok : outcome === 'throttled' ? this.throttled : this.other;
    const s = Math.max(0, Math.floor((Date.now() - this.#t0) / 1000));
    let series = map.get(action);
    if (series === undefined) map.set(action, (series = []));
    series[s] = (series[s] ?? 0) + 1;
  }

  /** The per-second counts of `action` over [from, to) seconds. */
  slice(map: Map<string, number[]>, action: string, from: number, to: number): number[] {
    const series = map.get(action) ?? [];
    return Array.from({ length: to - from }, (_, i) => series[from + i] ?? 0);
  }

  sum(map: Map<string, number[]>, action: string, to: number): number {
    return this.slice(map, action, 0, to).reduce((a, b) => a + b, 0);
  }
}

function forkWorker(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; stderr: () => string }> {
  const chunks: Buffer[] = [];
  const child = fork(WORKER, [], { execPath: process.execPath, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env });
  child.stderr?.on('data', (b: Buffer) => chunks.push(b));
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`fleet worker exited (code ${code}) before it was ready: ${Buffer.concat(chunks).toString('utf8').slice(-2000)}`));
    child.once('exit', onExit);
    child.once('message', () => { child.off('exit', onExit); resolve({ child, stderr: () => Buffer.concat(chunks).toString('utf8') }); });
  });
}

/**
 * One scenario. Steps:
 * 1. a fresh emulator with the limits, the role and the secrets; one folder, token and config per pod;
 * 2. the worker processes;
 * 3. start the pods (all, or maxSurge and one more per served pod); wait until every pod is served;
 * 4. wait one interval (every agent on its schedule), then the steady window;
 * 5. stop the workers; figures from the emulator's per-second timeline.
 */
export async function runFleetScenario(o: FleetOptions, improved: boolean): Promise<FleetScenario> {
  const name = improved ? 'improved' : 'baseline';
  // 1.
  const emu = await startEmulator();
  const dir = await mkdtemp(join(tmpdir(), `ack-fleet-${name}-`));
  const workers: { child: ChildProcess; stderr: () => string }[] = [];
  try {
    const world = { ...(await seedWorld(emu, o.secretsPerPod)), region: emu.region };
    await emu.rateLimits({ enabled: true, limits: { AssumeRoleWithOIDC: o.limits.sts, GetSecretValue: o.limits.kms } });
    const specs: { id: number; configJson: string }[] = [];
    for (let id = 0; id < o.pods; id++) {
      const podDir = join(dir, `pod-${id}`);
      await mkdir(join(podDir, 'mount'), { recursive: true });
      await mkdir(join(podDir, 'handoff'), { recursive: true, mode: 0o700 });
      const { token } = await emu.mintToken({ namespace: NS, serviceAccount: SA, podName: `web-${id}`, expiresInSeconds: 3600 });
      await writeFile(join(podDir, 'token'), token);
      specs.push({ id, configJson: JSON.stringify(podConfig(podDir, o, world, improved)) });
    }
    // 2.
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? '', HOME: dir, SECRET_INJECTOR_TEST_LOOPBACK_ENDPOINT: emu.endpoint, SECRET_INJECTOR_LOG_LEVEL: 'silent', ...emu.clientEnv(),
    };
    for (let w = 0; w < o.workers; w++) workers.push(await forkWorker(env));
    // 3.
    const t0 = Date.now();
    const timeline = new Timeline(t0);
    emu.state.counts.observe((action, outcome) => timeline.record(action, outcome));
    const served = new Map<number, number>();
    const failedPods = new Set<number>();
    let failedRuns = 0;
    const errors: string[] = [];
    let next = 0;
    const startNext = (count: number): void => {
      const batch = specs.slice(next, next + count);
      next += batch.length;
      batch.forEach((pod) => workers[pod.id % workers.length]?.child.send({ type: 'start', pods: [pod] }));
    };
    let allServed: () => void = () => undefined;
    const done = new Promise<void>((resolve) => { allServed = resolve; });
    for (const w of workers) {
      w.child.on('message', (m: { type: string; id: number; at: number; message?: string }) => {
        if (m.type === 'served') {
          served.set(m.id, m.at);
          if (o.maxSurge !== undefined) startNext(1);
          if (served.size === o.pods) allServed();
        } else if (m.type === 'initFailed') {
          failedRuns++;
          failedPods.add(m.id);
        } else if (m.type === 'error') errors.push(`pod ${m.id}: ${m.message ?? ''}`);
      });
    }
    startNext(o.maxSurge ?? o.pods);
    const progress = setInterval(() => o.log(`fleet ${name}: ${Math.round((Date.now() - t0) / 1000)} s, ${served.size}/${o.pods} served, ${failedRuns} failed init runs`), 15_000);
    await done;
    clearInterval(progress);
    const allServedMs = Math.max(...served.values()) - t0;
    o.log(`fleet ${name}: every pod served after ${(allServedMs / 1000).toFixed(1)} s; steady state for ${o.steadyIntervals} × ${o.intervalSeconds} s after one more interval`);
    // 4.
    const from = Math.ceil(allServedMs / 1000) + o.intervalSeconds;
    const to = from + o.steadyIntervals * o.intervalSeconds;
    await new Promise((r) => setTimeout(r, t0 + to * 1000 + 1000 - Date.now()));
    // 5.
    emu.state.counts.observe(undefined);
    const kms = timeline.slice(timeline.ok, 'GetSecretValue', from, to);
    const perInterval = Array.from({ length: o.steadyIntervals }, (_, k) => kms.slice(k * o.intervalSeconds, (k + 1) * o.intervalSeconds).reduce((a, b) => a + b, 0));
    const actions = new Set([...timeline.ok.keys(), ...timeline.throttled.keys(), ...timeline.other.keys()]);
    const calls = Object.fromEntries([...actions].sort().map((a) => [a, { ok: timeline.sum(timeline.ok, a, to), throttled: timeline.sum(timeline.throttled, a, to), otherErrors: timeline.sum(timeline.other, a, to) }]));
    const lower = lowerBoundSeconds(o.pods, o.secretsPerPod, o.limits);
    return {
      initFailures: failedPods.size,
      initFailedRuns: failedRuns,
      allServedSeconds: round2(allServedMs / 1000),
      ratioToLowerBound: round2(allServedMs / 1000 / lower),
      stsCallsAtStart: Math.round(((calls['AssumeRoleWithOIDC']?.ok ?? 0) / o.pods) * 1000) / 1000,
      calls,
      steadyCallsPerInterval: perInterval,
      steadyPeakToMean: round2(peakToMean(kms)),
      steadyWindowSeconds: [from, to],
      pipelineErrors: errors.slice(0, 10),
    };
  } finally {
    await Promise.all(workers.map(async (w) => {
      if (w.child.exitCode !== null) return;
      const exited = new Promise<void>((r) => w.child.once('exit', () => r()));
      w.child.send({ type: 'stop' });
      const timer = setTimeout(() => w.child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }));
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Both scenarios (or only `improved`), with the headline figures of the improved one on top. */
export async function runFleetBenchmark(o: FleetOptions, scenarios: readonly ('improved' | 'baseline')[] = ['improved', 'baseline']): Promise<FleetResults> {
  const started = Date.now();
  const loadStart = currentLoadAverage();
  o.log(`fleet: ${o.pods} pods × ${o.secretsPerPod} secrets in ${o.workers} workers; STS ${o.limits.sts.limit}/${o.limits.sts.periodSeconds}s (burst ${o.limits.sts.burst}), KMS ${o.limits.kms.limit}/${o.limits.kms.periodSeconds}s (burst ${o.limits.kms.burst}); interval ${o.intervalSeconds} s`);
  const summary = (name: string, r: FleetScenario): void => o.log(`fleet ${name}: initFailures ${r.initFailures}, allServed ${r.allServedSeconds} s (${r.ratioToLowerBound}× the bound), STS per pod ${r.stsCallsAtStart}, steady [${r.steadyCallsPerInterval.join(', ')}] per interval, peak-to-mean ${r.steadyPeakToMean}`);
  const improved = scenarios.includes('improved') ? await runFleetScenario(o, true) : undefined;
  if (improved !== undefined) summary('improved', improved);
  const baseline = scenarios.includes('baseline') ? await runFleetScenario(o, false) : undefined;
  if (baseline !== undefined) summary('baseline', baseline);
  const head = improved ?? baseline;
  if (head === undefined) throw new Error('fleet: no scenario selected');
  return {
    pods: o.pods,
    secretsPerPod: o.secretsPerPod,
    workers: o.workers,
    intervalSeconds: o.intervalSeconds,
    maxSurge: o.maxSurge ?? o.pods,
    limits: o.limits,
    lowerBoundSeconds: round2(lowerBoundSeconds(o.pods, o.secretsPerPod, o.limits)),
    initFailures: head.initFailures,
    allServedSeconds: head.allServedSeconds,
    stsCallsAtStart: head.stsCallsAtStart,
    steadyCallsPerInterval: head.steadyCallsPerInterval,
    steadyPeakToMean: head.steadyPeakToMean,
    improved: improved ?? head,
    ...(baseline === undefined || improved === undefined ? {} : { baseline }),
    loadAverage: { start: loadStart, end: currentLoadAverage() },
    runSeconds: Math.round((Date.now() - started) / 1000),
  };
}

/**
 * Defaults of a full run (issue 15's targets): 1,000 pods × 5 secrets in 4 workers; STS 500 a
 * minute with a burst of one second's worth (9: the harsher reading of "500/min", since no burst
 * is published), KMS 450 QPS with one second's burst (the shared gateway's figure); a 60 s
 * interval (the webhook's minimum is larger; 60 s keeps the run to minutes) and 2 steady intervals.
 */
export const FLEET_DEFAULTS = {
  pods: 1000, secretsPerPod: 5, workers: 4, intervalSeconds: 60, steadyIntervals: 2,
  limits: { sts: { limit: 500, periodSeconds: 60, burst: 9 }, kms: { limit: 450, periodSeconds: 1, burst: 450 } },
} as const;

/** Writes `fleet` into the results file, keeping every other key (others own them). */
export async function writeFleetResults(out: string, fleet: FleetResults): Promise<void> {
  let doc: Record<string, unknown> = {};
  try {
    doc = JSON.parse(await readFile(out, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  doc.fleet = fleet;
  await writeFile(out, `${JSON.stringify(doc, null, 2)}\n`);
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv, strict: true, allowPositionals: false,
    options: { pods: { type: 'string' }, secrets: { type: 'string' }, workers: { type: 'string' }, 'interval-seconds': { type: 'string' }, 'steady-intervals': { type: 'string' }, 'max-surge': { type: 'string' }, scenario: { type: 'string', multiple: true }, out: { type: 'string' } },
  });
  const int = (raw: string | undefined, dflt: number, name: string): number => {
    if (raw === undefined) return dflt;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new Error(`--${name}: expected an integer from 1 to 100000, got ${JSON.stringify(raw)}`);
    return n;
  };
  const maxSurge = values['max-surge'] === undefined ? undefined : int(values['max-surge'], 0, 'max-surge');
  const scenarios = (values.scenario ?? ['improved', 'baseline']).map((s) => {
    if (s !== 'improved' && s !== 'baseline') throw new Error(`--scenario: expected improved or baseline, got ${JSON.stringify(s)}`);
    return s;
  });
  const results = await runFleetBenchmark({
    pods: int(values.pods, FLEET_DEFAULTS.pods, 'pods'),
    secretsPerPod: int(values.secrets, FLEET_DEFAULTS.secretsPerPod, 'secrets'),
    workers: int(values.workers, FLEET_DEFAULTS.workers, 'workers'),
    intervalSeconds: int(values['interval-seconds'], FLEET_DEFAULTS.intervalSeconds, 'interval-seconds'),
    steadyIntervals: int(values['steady-intervals'], FLEET_DEFAULTS.steadyIntervals, 'steady-intervals'),
    ...(maxSurge === undefined ? {} : { maxSurge }),
    limits: { sts: { ...FLEET_DEFAULTS.limits.sts }, kms: { ...FLEET_DEFAULTS.limits.kms } },
    log: (line) => process.stderr.write(`bench: ${line}\n`),
  }, scenarios);
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  if (values.out !== undefined) await writeFleetResults(values.out, results);
  return 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err: unknown) => {
    process.stderr.write(`bench: fleet: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
