/**
 * Benchmark 1: admission throughput and latency of the real webhook server over HTTPS, against a
 * bare fastify HTTPS server answering `allowed: true` under the same load in the same run.
 *
 * Each server and the load generator run in separate processes (the machine has few cores; a
 * shared event loop would measure the generator as much as the server). The load is the API
 * server's pattern: 8 kept-alive connections, one request in flight on each. Both servers run
 * with the NODE_OPTIONS the chart gives the webhook (`webhook.nodeOptions` in values.yaml), so the
 * figures are the deployed process's and the comparison is of code, not of flags.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { LoadOptions, LoadResult } from './load-generator.ts';
import { firstMessage, forkQuiet, stopChild } from './child-process.ts';
import { FIXTURES_DIR, REVIEW_FILE, ROOT_DIR } from './fixtures.ts';
import { writeBenchCertificate } from './serving-certificate.ts';
import { processMemory } from './process-memory.ts';
import { percentile, round2 } from './stats.ts';
import type { ServerKind, ServerReady } from './webhook-server-process.ts';

/** Concurrent connections (issue 7). */
export const CONNECTIONS = 8;

/** The chart's `webhook.nodeOptions` (charts/ack-secret-injector/values.yaml): what the deployed webhook runs with. */
export async function chartWebhookNodeOptions(): Promise<string> {
  const values = parseYaml(await readFile(join(ROOT_DIR, 'charts', 'ack-secret-injector', 'values.yaml'), 'utf8')) as { webhook?: { nodeOptions?: unknown } };
  const options = values.webhook?.nodeOptions ?? '';
  if (typeof options !== 'string') throw new Error('charts/ack-secret-injector/values.yaml: webhook.nodeOptions is not a string');
  return options;
}

/** The load settings of one run. */
export interface WebhookBenchOptions {
  workDir: string;
  /** The server harness to fork: bench/webhook-server-process.ts, or its bundle (bench/helper-bundles.ts). */
  serverScript?: string;
  /** NODE_OPTIONS of both servers; the chart's by default (chartWebhookNodeOptions). */
  nodeOptions?: string;
  warmupMs: number;
  durationMs: number;
  log: (line: string) => void;
}

/** The figures of one server under load. */
export interface ServerFigures {
  admissionsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  requests: number;
  errors: number;
  connectionsOpened: number;
  /** The server's highest RSS and RssAnon while under load (sampled every 250 ms), MiB. */
  rssMb: number;
  rssAnonMb: number;
}

/** What the webhook section of results.json holds. */
export interface WebhookResults {
  admissionsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  requests: number;
  errors: number;
  bareAdmissionsPerSec: number;
  bareP50Ms: number;
  bareP99Ms: number;
  /** admissionsPerSec / bareAdmissionsPerSec; target ≥ 0.8. */
  ratioToBare: number;
  /** The real server's highest RSS / RssAnon under the load. */
  rssMb: number;
  rssAnonMb: number;
  bareRssMb: number;
  bareRssAnonMb: number;
  /** NODE_OPTIONS both servers ran with (the chart's webhook.nodeOptions). */
  nodeOptions: string;
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  review: string;
}

/**
 * Measures one server. Steps: 1. fork the server and wait for its port; 2. fork the load
 * generator against it and wait for its result; 3. stop the server; 4. reduce the latencies.
 * Throws (the benchmark could not run) when a process fails or any answer was wrong.
 */
async function measure(kind: ServerKind, tlsDir: string, caFile: string, nodeOptions: string, o: WebhookBenchOptions): Promise<ServerFigures> {
  // 1.
  const server = forkQuiet(o.serverScript ?? join(ROOT_DIR, 'bench', 'webhook-server-process.ts'), [kind, tlsDir, FIXTURES_DIR], { ...process.env, NODE_OPTIONS: nodeOptions });
  try {
    const { port } = await firstMessage<ServerReady>(`${kind} webhook server`, server, 30_000);
    // 2.
    const load: LoadOptions = { url: `https://127.0.0.1:${port}/mutate`, caFile, reviewFile: REVIEW_FILE, connections: CONNECTIONS, warmupMs: o.warmupMs, durationMs: o.durationMs, expect: kind === 'real' ? 'patch' : 'allowed' };
    const generator = forkQuiet(join(ROOT_DIR, 'bench', 'load-generator.ts'), [JSON.stringify(load)]);
    const pid = server.child.pid;
    const peak = { rssMb: 0, rssAnonMb: 0 };
    const sampler = setInterval(() => {
      if (pid === undefined) return;
      processMemory(pid).then((m) => { peak.rssMb = Math.max(peak.rssMb, m.rssMb); peak.rssAnonMb = Math.max(peak.rssAnonMb, m.rssAnonMb); }, () => undefined);
    }, 250);
    let result: LoadResult;
    try {
      result = await firstMessage<LoadResult>(`load generator against the ${kind} server`, generator, o.warmupMs + o.durationMs + 60_000);
    } finally {
      clearInterval(sampler);
    }
    await new Promise<void>((resolve) => (generator.child.exitCode === null ? generator.child.once('exit', () => resolve()) : resolve()));
    if (result.errors > 0) throw new Error(`${kind} server: ${result.errors} wrong or failed answers; first: ${result.firstError}`);
    if (result.requests === 0) throw new Error(`${kind} server: no request completed in the measured window`);
    // 4.
    return {
      admissionsPerSec: round2(result.requests / (result.elapsedMs / 1000)),
      p50Ms: round2(percentile(result.latenciesMs, 50)),
      p99Ms: round2(percentile(result.latenciesMs, 99)),
      maxMs: round2(percentile(result.latenciesMs, 100)),
      requests: result.requests,
      errors: result.errors,
      connectionsOpened: result.connectionsOpened,
      rssMb: round2(peak.rssMb),
      rssAnonMb: round2(peak.rssAnonMb),
    };
  } finally {
    // 3.
    await stopChild(server.child);
  }
}

/** Runs both servers, real first, and returns the webhook section of the results. */
export async function runWebhookBenchmark(o: WebhookBenchOptions): Promise<WebhookResults> {
  const { tlsDir, caFile } = await writeBenchCertificate(o.workDir);
  const nodeOptions = o.nodeOptions ?? await chartWebhookNodeOptions();
  o.log(`webhook: real server, ${CONNECTIONS} connections, ${o.warmupMs / 1000} s warm-up + ${o.durationMs / 1000} s, NODE_OPTIONS ${JSON.stringify(nodeOptions)}`);
  const real = await measure('real', tlsDir, caFile, nodeOptions, o);
  o.log(`webhook: real ${real.admissionsPerSec}/s p50 ${real.p50Ms} ms p99 ${real.p99Ms} ms, RSS ${real.rssMb} MB (anon ${real.rssAnonMb}); now the bare server`);
  const bare = await measure('bare', tlsDir, caFile, nodeOptions, o);
  o.log(`webhook: bare ${bare.admissionsPerSec}/s p50 ${bare.p50Ms} ms p99 ${bare.p99Ms} ms, RSS ${bare.rssMb} MB (anon ${bare.rssAnonMb})`);
  return {
    admissionsPerSec: real.admissionsPerSec,
    p50Ms: real.p50Ms,
    p99Ms: real.p99Ms,
    maxMs: real.maxMs,
    requests: real.requests,
    errors: real.errors,
    bareAdmissionsPerSec: bare.admissionsPerSec,
    bareP50Ms: bare.p50Ms,
    bareP99Ms: bare.p99Ms,
    ratioToBare: round2(real.admissionsPerSec / bare.admissionsPerSec),
    rssMb: real.rssMb,
    rssAnonMb: real.rssAnonMb,
    bareRssMb: bare.rssMb,
    bareRssAnonMb: bare.rssAnonMb,
    nodeOptions,
    connections: CONNECTIONS,
    durationSeconds: o.durationMs / 1000,
    warmupSeconds: o.warmupMs / 1000,
    review: 'bench/fixtures/admission-review.json (Deployment pod, 3 containers, 2 ExternalSecrets: db (KMS), api (OOS))',
  };
}
