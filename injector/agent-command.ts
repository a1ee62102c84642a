/**
 * `ack-secret-injector agent`: the refreshing sidecar. Serves health, readiness and metrics;
 * refreshes every interval (injector/agent-loop.ts); keeps the last good files of anything that
 * fails; tells the app about changes (config.notify); on SIGTERM finishes the current write and
 * exits 0.
 */
import { join } from 'node:path';
import { ErrorCode, InjectorError } from '../common/errors.ts';
import { nextGridPoint, runAgentLoop } from './agent-loop.ts';
import { CachedCredentialSource } from './cloud/credentials.ts';
import { fingerprintFiles, takeHandoff } from './handoff.ts';
import type { PlannedExternalSecret } from '../contract/injector-config-schema.ts';
import { cleanLeftovers } from './files/atomic-writer.ts';
import { findContainerMainPids } from './container-process.ts';
import { readCurrentFiles } from './files/current-files.ts';
import { folderWriter } from './files/folder-writer.ts';
import { startHealthServer } from './health-server.ts';
import { buildInjectorRuntime, type InjectorRuntime } from './injector-runtime.ts';
import { decideNotify, deliverNotify, NOTIFY_RETRY_POLICY } from './notify.ts';
import { DEFAULT_RATE_LIMIT, RateLimiter } from './cloud/rate-limit.ts';
import { refreshOnce, type FileSet } from './refresh.ts';
import { readTemplateSources } from './files/template-sources.ts';
import { plainHttpRequest } from './plain-http.ts';

/** `node:util` without its ESM facade, whose export read loads worker_threads, streams and util's diff code (injector/plain-http.ts says why). */
const { parseArgs } = process.getBuiltinModule('node:util');

/**
 * Upper bound of `--interval-ms`: one minute. The flag exists so `npm run bench` can run 1000+
 * refresh cycles in seconds (bench/agent-memory.ts); longer intervals belong in the config.
 */
const MAX_INTERVAL_MS = 60_000;
/**
 * Upper bound of `--calls-per-second`. The default limit (10/s, rate-limit.ts) would stretch the
 * benchmark's 1000 cycles of 10 secrets to 1000 s; the flag lifts it for that measurement only.
 */
const MAX_CALLS_PER_SECOND = 10_000;

const USAGE = `Usage: ack-secret-injector agent [--health-address ADDR] [--interval-ms N] [--calls-per-second N]

Keeps the files of the injector config (env SECRET_INJECTOR_CONFIG) fresh at its refresh
interval. Serves /healthz, /ready and /metrics on config.healthPort.

  --health-address ADDR   address to listen on (default 0.0.0.0: the kubelet probes the pod IP)
  --interval-ms N         BENCHMARKS ONLY: refresh every N ms (1..${MAX_INTERVAL_MS}) instead of
                          config.refreshIntervalSeconds (whose minimum is 1 s); the webhook never sets it
  --calls-per-second N    BENCHMARKS ONLY: KMS/OOS call starts per second (1..${MAX_CALLS_PER_SECOND}) instead of
                          the default ${DEFAULT_RATE_LIMIT.perSecond}; the webhook never sets it
`;

/** Where health listens unless told otherwise; see injector/health-server.ts for why not loopback. */
export const DEFAULT_HEALTH_ADDRESS = '0.0.0.0';

/** An optional integer flag in [1, max]; a problem is pushed when it is given and invalid. */
function intFlag(problems: string[], name: string, raw: string | boolean | undefined, max: number): number | undefined {
  if (typeof raw !== 'string') return undefined;
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= max)) problems.push(`--${name}: expected an integer from 1 to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}

function parseFlags(argv: string[]): { healthAddress: string; intervalMs: number | undefined; callsPerSecond: number | undefined } | 'help' {
  let values: { [k: string]: string | boolean | undefined };
  try {
    ({ values } = parseArgs({ args: argv, options: { 'health-address': { type: 'string' }, 'interval-ms': { type: 'string' }, 'calls-per-second': { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new InjectorError(ErrorCode.CONFIG, `${(err as Error).message}\n${USAGE}`);
  }
  if (values.help === true) return 'help';
  const problems: string[] = [];
  const raw = values['health-address'];
  const healthAddress = typeof raw === 'string' ? raw : DEFAULT_HEALTH_ADDRESS;
  if (!/^(\d{1,3}(\.\d{1,3}){3}|::|::1|localhost)$/.test(healthAddress)) {
    problems.push(`--health-address: expected an IP address such as 0.0.0.0 or 127.0.0.1, got ${JSON.stringify(healthAddress)}`);
  }
  const intervalMs = intFlag(problems, 'interval-ms', values['interval-ms'], MAX_INTERVAL_MS);
  const callsPerSecond = intFlag(problems, 'calls-per-second', values['calls-per-second'], MAX_CALLS_PER_SECOND);
  if (problems.length > 0) throw new InjectorError(ErrorCode.CONFIG, problems.join('; '));
  return { healthAddress, intervalMs, callsPerSecond };
}

/**
 * Runs the agent with a built runtime until `signal` aborts.
 * 1. Start the health server (not ready yet).
 * 2. Clean writer leftovers and seed the last good state from the folders on disk (init's files).
 * 3. Loop: refresh; after each, update readiness/metrics, log, and notify on change.
 * 4. On abort: close the health server; exit 0.
 * `intervalMs` (the benchmark-only `--interval-ms` flag) replaces config.refreshIntervalSeconds.
 */
export async function runAgent(rt: InjectorRuntime, healthAddress: string, signal: AbortSignal, intervalMs?: number): Promise<number> {
  const { config, logger, metrics } = rt;
  // 1.
  const registries = config.namedMetrics === true ? [metrics.registry, metrics.inventory] : [metrics.registry];
  const health = await startHealthServer({ address: healthAddress, port: config.healthPort, registries });
  logger.info({ address: healthAddress, port: health.port, namedMetrics: config.namedMetrics === true }, 'health server listening');
  try {
    // 2.
    const lastGood = new Map<string, FileSet>();
    for (const es of config.externalSecrets) {
      const dir = join(config.mountPath, es.name);
      await cleanLeftovers(dir);
      const current = await readCurrentFiles(dir);
      if (current !== undefined) lastGood.set(es.name, current);
    }
    const write = folderWriter(config);
    const anchor = Date.now();
    const firstDue = await takeOver(rt, lastGood, anchor, intervalMs);
    // Init's complete files, taken over without a refetch: ready now, not after the first grid point.
    if (firstDue.size > 0 && config.externalSecrets.every((es) => lastGood.has(es.name))) health.setReady();
    const cleanup = config.cleanupAfterFailures === undefined ? undefined : { after: config.cleanupAfterFailures, counts: new Map<string, number>() };
    // Files already there were written by the init container; the app may be running on them (a
    // classic sidecar starts together with the app), so a change found by the agent's first
    // refresh must be notified. Only the agent's own first write (skip-init) is not.
    const initWroteFiles = lastGood.size > 0;
    // 3.
    const perSecret = intervalMs === undefined && config.externalSecrets.some((es) => es.refreshIntervalSeconds !== undefined);
    const { refreshes } = await runAgentLoop({
      intervalMs: intervalMs ?? config.refreshIntervalSeconds * 1000,
      // Per ExternalSecret whenever intervals differ, the pod's refreshes are spread, or the
      // handoff set first due times: each entry then keeps its own due time on the grid.
      ...(perSecret || rt.phase !== undefined || firstDue.size > 0
        ? { schedule: config.externalSecrets.map((es) => ({ name: es.name, intervalMs: intervalOf(config, es, intervalMs) })) }
        : {}),
      ...(rt.phase === undefined ? {} : { phase: rt.phase, anchor }),
      firstDue,
      signal,
      refresh: (due) => refreshOnce({ externalSecrets: due === undefined ? config.externalSecrets : config.externalSecrets.filter((es) => due.includes(es.name)), cleanup, mountPath: config.mountPath, fetchOne: rt.fetchOne, limiter: refreshLimiter(rt, due, lastGood), write, logger, metrics, signal, ruleOptions: { jmesPathRawFallback: config.jmesPathRawFallback === true }, templateSources: (es) => readTemplateSources(config.templatesPath, es) }, lastGood),
      afterRefresh: async (outcome, first) => {
        const result = outcome.clean ? 'success' : outcome.changed.length > 0 || outcome.kept.length < config.externalSecrets.length ? 'partial' : 'failure';
        metrics.refreshes.inc({ result });
        if (outcome.complete) health.setReady();
        if (outcome.clean) metrics.lastSuccess.setToCurrentTime();
        logger.info({ result, changed: outcome.changed, kept: outcome.kept, failures: outcome.failures.length, ...(outcome.zeroOutput.length > 0 ? { zeroOutput: outcome.zeroOutput } : {}), ...(outcome.removed.length > 0 ? { removed: outcome.removed } : {}) }, 'refresh done');
        const decision = decideNotify(config.notify, outcome.changed, first && !initWroteFiles);
        if (decision.notify && config.notify !== undefined) {
          await deliverNotify(config.notify, decision.changed, {
            logger, metrics, request: plainHttpRequest, kill: (pid, sig) => process.kill(pid, sig), findPids: (c) => findContainerMainPids(c), retryPolicy: NOTIFY_RETRY_POLICY, signal,
          });
        }
      },
    });
    logger.info({ refreshes }, 'agent stopping (SIGTERM); the last files stay in place');
    return 0;
  } finally {
    // 4.
    await health.close();
  }
}

/**
 * The limiter of one refresh: unpaced (`fillLimiter`) while any due ExternalSecret has no files
 * yet, since the pod's containers wait on the agent's readiness for them (skip-init) and pacing
 * would delay their start by seconds (10 secrets at a 120 s interval: one call a second);
 * paced (`limiter`) once every due folder has good files and the app is only kept current.
 */
export function refreshLimiter(rt: Pick<InjectorRuntime, 'limiter' | 'fillLimiter' | 'config'>, due: readonly string[] | undefined, lastGood: ReadonlyMap<string, FileSet>): RateLimiter {
  const names = due ?? rt.config.externalSecrets.map((es) => es.name);
  return names.some((name) => !lastGood.has(name)) ? rt.fillLimiter : rt.limiter;
}

/** An ExternalSecret's refresh interval in ms: the benchmark flag, its own, or the pod's. */
function intervalOf(config: InjectorRuntime['config'], es: PlannedExternalSecret, intervalMs: number | undefined): number {
  return intervalMs ?? (es.refreshIntervalSeconds ?? config.refreshIntervalSeconds) * 1000;
}

/**
 * Takes over from `init` through the handoff (injector/handoff.ts), when configured:
 * 1. read it (and delete it); absent, unreadable or unusable → log why and start normally;
 * 2. seed each STS-backed profile with init's credentials, reused until their renewal point;
 * 3. for each folder init wrote that still shows the same files (fingerprint) and is younger
 *    than its interval, set its first refresh to its next grid point (or, unspread, one interval
 *    after init fetched it) instead of now.
 * Returns the first due times for the agent loop.
 */
async function takeOver(rt: InjectorRuntime, lastGood: ReadonlyMap<string, FileSet>, now: number, intervalMs: number | undefined): Promise<Map<string, number>> {
  const firstDue = new Map<string, number>();
  const { config, logger } = rt;
  if (config.handoffPath === undefined) return firstDue;
  // 1.
  const read = await takeHandoff(config.handoffPath, now);
  if (!('handoff' in read)) {
    (read.reason === 'absent' ? logger.info.bind(logger) : logger.warn.bind(logger))({ reason: read.reason, detail: read.detail }, 'no usable handoff from init; starting afresh');
    return firstDue;
  }
  const { handoff } = read;
  // 2.
  let seeded = 0;
  for (const [id, held] of Object.entries(handoff.credentials)) {
    const source = rt.credentials.get(id);
    if (source instanceof CachedCredentialSource && source.seed(held)) seeded++;
  }
  // 3.
  for (const es of config.externalSecrets) {
    const folder = handoff.folders[es.name];
    const files = lastGood.get(es.name);
    const interval = intervalOf(config, es, intervalMs);
    if (folder === undefined || files === undefined || now - folder.fetchedAt >= interval || fingerprintFiles(files) !== folder.fingerprint) continue;
    firstDue.set(es.name, rt.phase === undefined ? folder.fetchedAt + interval : nextGridPoint(now, now, rt.phase, interval));
  }
  logger.info({ profiles: seeded, folders: firstDue.size }, 'took over from init: reusing its credentials and files');
  return firstDue;
}

/** CLI entry: `ack-secret-injector agent [flags]`. */
export async function run(argv: string[]): Promise<number> {
  const flags = parseFlags(argv);
  if (flags === 'help') { process.stdout.write(USAGE); return 0; }
  const built = buildInjectorRuntime('agent', process.env);
  const lifted = flags.callsPerSecond === undefined ? undefined : new RateLimiter({ ...DEFAULT_RATE_LIMIT, perSecond: flags.callsPerSecond, burst: Math.max(DEFAULT_RATE_LIMIT.burst, flags.callsPerSecond) });
  const rt = lifted === undefined ? built : { ...built, limiter: lifted, fillLimiter: lifted };
  const ac = new AbortController();
  const stop = (): void => ac.abort();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    return await runAgent(rt, flags.healthAddress, ac.signal, flags.intervalMs);
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  }
}
