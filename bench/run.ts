/**
 * `npm run bench`: builds the shipped bundle, runs the three benchmarks of issues 7 and 16 one
 * after the other on this machine, and writes bench/results.json (docs/benchmarks.md explains the
 * method). The agent benchmark also runs the benchmark-only minimal client (the SDK's share) and
 * the search for the smallest memory limit (bench/agent-min-limit.ts).
 *
 * Benchmarks report; they never fail on a missed target. The exit status is non-zero only when a
 * benchmark could not run at all (the bundle did not build, a process failed, an answer was
 * wrong); whatever did run is still written.
 *
 * Flags: --quick (shorter loads and fewer cycles, for trying the harness; not for results),
 *        --only webhook|init|agent|scaling|templates|fleet (repeatable), --out FILE (default bench/results.json).
 * `templates` (issue 16, bench/template-render.ts): a refresh's templates with the parse cache vs without.
 * `scaling` (issue 13, bench/admission-scaling.ts) grows each admission dimension 10× and 100×.
 * `fleet` (issue 15, bench/fleet.ts) rolls out 1,000 simulated pods against the emulator's rate
 * limits, today's behaviour and issue 15's side by side; `--only fleet` alone rewrites only the
 * `fleet` key of the results file (others own the other keys). --quick: 100 pods, 20 s interval.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runAgentBenchmark, type AgentResults } from './agent-memory.ts';
import { findMinMemoryLimit, type MinLimitResults } from './agent-min-limit.ts';
import { buildHelperBundles, type HelperBundles } from './helper-bundles.ts';
import { injectorNodeOptions } from '../webhook/pod/container-base.ts';
import { SETTING_DEFAULTS } from '../webhook/settings.ts';
import { ROOT_DIR } from './fixtures.ts';
import { runInitBenchmark, type InitResults } from './injector-init.ts';
import { currentLoadAverage, describeMachine } from './machine.ts';
import { judgeTargets } from './targets.ts';
import { runWebhookBenchmark, type WebhookResults } from './webhook-load.ts';
import { runScalingBenchmark, type ScalingResults } from './admission-scaling.ts';
import { runTemplateRenderBenchmark, type TemplateRenderResults } from './template-render.ts';
import { FLEET_DEFAULTS, runFleetBenchmark, writeFleetResults, type FleetResults } from './fleet.ts';

const BENCHMARKS = ['webhook', 'init', 'agent', 'scaling', 'templates', 'fleet'] as const;
type BenchmarkName = (typeof BENCHMARKS)[number];

/**
 * Run sizes. Full: issue 7's minimums (≥ 10 s of load, ≥ 10 init runs, ≥ 1000 agent cycles);
 * 2 s of webhook warm-up covers TLS handshakes and JIT tiering; 25 ms between agent cycles keeps
 * the 1000 cycles near one minute. Quick: the same code paths, a fraction of the time.
 */
const SIZES = {
  full: { warmupMs: 2000, durationMs: 10_000, initRuns: 11, refreshes: 1000, baselineAfter: 100, intervalMs: 25, credentialLifetimeSeconds: 20, limitStepMi: 2, scalingRuns: 11, templateIterations: 300, templateRounds: 7 },
  quick: { warmupMs: 500, durationMs: 2000, initRuns: 3, refreshes: 200, baselineAfter: 100, intervalMs: 25, credentialLifetimeSeconds: 20, limitStepMi: 8, scalingRuns: 3, templateIterations: 50, templateRounds: 3 },
} as const;

function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

/**
 * Steps: 1. flags; 2. machine; 3. build dist/cli.mjs; 4. each benchmark, errors kept;
 * 5. targets; 6. write the results; exit 1 if anything could not run.
 */
async function main(argv: string[]): Promise<number> {
  // 1.
  const { values } = parseArgs({ args: argv, options: { quick: { type: 'boolean' }, only: { type: 'string', multiple: true }, out: { type: 'string' } }, strict: true, allowPositionals: false });
  const only = values.only ?? [...BENCHMARKS];
  const unknown = only.filter((b) => !(BENCHMARKS as readonly string[]).includes(b));
  if (unknown.length > 0) {
    log(`--only: unknown benchmark ${unknown.map((u) => JSON.stringify(u)).join(', ')}; expected ${BENCHMARKS.join(', ')}`);
    return 2;
  }
  const selected = new Set(only as BenchmarkName[]);
  const size = values.quick === true ? SIZES.quick : SIZES.full;
  const out = values.out ?? join(ROOT_DIR, 'bench', 'results.json');
  // 2.
  const machine = describeMachine();
  log(`${machine.cpuModel} × ${machine.cores}, Node ${machine.node}, load ${machine.loadAverageAtStart.join(' ')}`);
  // 3.
  const bundle = join(ROOT_DIR, 'dist', 'cli.mjs');
  const errors: Record<string, string> = {};
  if (selected.has('init') || selected.has('agent')) {
    const build = spawnSync(process.execPath, [join(ROOT_DIR, 'scripts', 'bundle.mjs')], { cwd: ROOT_DIR, encoding: 'utf8' });
    if (build.status !== 0) {
      errors.build = `npm run build failed (exit ${build.status}): ${(build.stderr || build.stdout).slice(-2000)}`;
      selected.delete('init');
      selected.delete('agent');
    }
  }
  // 4.
  const workDir = await mkdtemp(join(tmpdir(), 'ack-bench-'));
  let helpers: HelperBundles | undefined;
  let webhook: WebhookResults | undefined;
  let init: InitResults | undefined;
  let agent: AgentResults | undefined;
  let agentTemplates: AgentResults | undefined;
  let scaling: ScalingResults | undefined;
  let templateRender: TemplateRenderResults | undefined;
  let fleet: FleetResults | undefined;
  let minimal: AgentResults | undefined;
  let minLimit: MinLimitResults | undefined;
  // The NODE_OPTIONS the webhook injects for the default limit: every injector figure is the
  // injector as a pod runs it.
  const initNodeOptions = injectorNodeOptions('init', SETTING_DEFAULTS.resources.limits.memory);
  const agentNodeOptions = injectorNodeOptions('agent', SETTING_DEFAULTS.resources.limits.memory);
  const attempt = async (name: BenchmarkName, fn: () => Promise<void>, key: string = name): Promise<void> => {
    if (!selected.has(name)) return;
    try {
      await fn();
    } catch (err) {
      errors[key] = err instanceof Error ? err.message : String(err);
      log(`${key} could not run: ${errors[key]}`);
    }
  };
  try {
    if (selected.has('webhook') || selected.has('agent') || selected.has('templates')) helpers = await buildHelperBundles(workDir);
    await attempt('webhook', async () => { webhook = await runWebhookBenchmark({ workDir, ...(helpers === undefined ? {} : { serverScript: helpers.webhookServer }), warmupMs: size.warmupMs, durationMs: size.durationMs, log }); });
    await attempt('init', async () => { init = await runInitBenchmark({ workDir, runs: size.initRuns, bundle, initNodeOptions, agentNodeOptions, log }); });
    const run = { workDir, refreshes: size.refreshes, baselineAfter: size.baselineAfter, intervalMs: size.intervalMs, credentialLifetimeSeconds: size.credentialLifetimeSeconds };
    const agentOptions = { ...run, bundle, env: { NODE_OPTIONS: agentNodeOptions }, log };
    await attempt('agent', async () => {
      agent = await runAgentBenchmark({ ...agentOptions, log });
      if (helpers !== undefined) {
        log('agent: the same loop with the benchmark-only minimal client (no SDK, rules, files, logger or metrics)');
        minimal = await runAgentBenchmark({ ...run, bundle: helpers.minimalClient, env: { NODE_OPTIONS: agentNodeOptions }, log });
      }
      minLimit = await findMinMemoryLimit({
        ...run, bundle, log,
        nodeOptionsFor: (mi) => injectorNodeOptions('agent', `${mi}Mi`),
        referenceSecondsPerRefresh: agent.runSeconds / agent.refreshes,
        lowMi: 16, highMi: 64, stepMi: size.limitStepMi,
      });
    });
    // The same run with target.template on two ExternalSecrets: the per-pod cost of templates.
    await attempt('agent', async () => { agentTemplates = await runAgentBenchmark({ ...agentOptions, templates: true }); }, 'agentTemplates');
    await attempt('scaling', async () => { scaling = await runScalingBenchmark({ runs: size.scalingRuns, log }); });
    await attempt('templates', async () => { templateRender = runTemplateRenderBenchmark({ bundle: helpers!.templateRender, nodeOptions: agentNodeOptions, iterations: size.templateIterations, rounds: size.templateRounds, log }); });
    await attempt('fleet', async () => {
      fleet = await runFleetBenchmark({
        ...FLEET_DEFAULTS, limits: { sts: { ...FLEET_DEFAULTS.limits.sts }, kms: { ...FLEET_DEFAULTS.limits.kms } },
        ...(values.quick === true ? { pods: 100, intervalSeconds: 20 } : {}), log,
      });
    });
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  if (selected.size === 1 && selected.has('fleet')) {
    if (fleet !== undefined) await writeFleetResults(out, fleet);
    log(fleet === undefined ? `fleet could not run: ${errors.fleet ?? ''}` : `wrote the fleet key of ${out}`);
    return fleet === undefined ? 1 : 0;
  }
  // 5.
  const targets = judgeTargets({ ...(webhook === undefined ? {} : { webhook }), ...(init === undefined ? {} : { init }), ...(agent === undefined ? {} : { agent }), ...(scaling === undefined ? {} : { scaling }) });
  const agentSection = agent === undefined && init === undefined ? undefined : {
    ...(init === undefined ? {} : { firstReadyMs: init.agentFirstReady.firstReadyMs, firstReady: init.agentFirstReady }),
    ...(minLimit === undefined ? {} : { minMemoryLimitMi: minLimit.minMemoryLimitMi, minMemoryLimit: minLimit }),
    ...(agent ?? {}),
  };
  const sdkComparison = agent === undefined || minimal === undefined ? undefined : {
    what: 'the agent benchmark run with bench/minimal-client.ts (node:https + node:crypto ACS3 signing; no SDK, rules, files, logger or metrics), same NODE_OPTIONS, refreshes and interval',
    minimal,
    agentMinusMinimal: { rssMb: Math.round((agent.rssMb - minimal.rssMb) * 100) / 100, rssAnonMb: Math.round((agent.rssAnonMb - minimal.rssAnonMb) * 100) / 100, rssFileMb: Math.round((agent.rssFileMb - minimal.rssFileMb) * 100) / 100 },
  };
  // 6.
  const results = {
    machine: { ...machine, loadAverageAtEnd: currentLoadAverage() },
    mode: values.quick === true ? 'quick (not for publication)' : 'full',
    ...(webhook === undefined ? {} : { webhook }),
    ...(init === undefined ? {} : { injector: init.injector, baseline: init.baseline, initToNodeStartRatio: init.initToNodeStartRatio }),
    ...(agentSection === undefined ? {} : { agent: agentSection }),
    ...(sdkComparison === undefined ? {} : { sdkComparison }),
    ...(agentTemplates === undefined ? {} : { agentTemplates }),
    ...(scaling === undefined ? {} : { scaling }),
    ...(templateRender === undefined ? {} : { templateRender }),
    ...(fleet === undefined ? {} : { fleet }),
    targets,
    ...(Object.keys(errors).length === 0 ? {} : { errors }),
  };
  await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
  for (const [name, v] of Object.entries(targets)) log(`${v.met ? 'met   ' : 'MISSED'} ${name}: ${v.target}: measured ${v.measured}, bound ${v.bound}`);
  log(`wrote ${out}`);
  return Object.keys(errors).length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    log(err instanceof Error ? err.stack ?? err.message : String(err));
    process.exitCode = 1;
  },
);
