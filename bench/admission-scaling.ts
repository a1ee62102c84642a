/**
 * Benchmark: admission time and response size as each dimension of a pod grows 10× and 100×
 * (issue 13): containers, volumes, names in `external-secrets`, bytes of an annotation value, and
 * entries of one ExternalSecret. Both must grow at most linearly: the ratio between the 100× and
 * the 10× size is reported, and a linear step is ≤ 10 (plus noise; fixed costs make it smaller),
 * where a quadratic one would be near 100. Then the largest pods the API server accepts (a
 * request body of 3 MiB, k8s.io/apiserver MaxRequestBodyBytes) filled with containers or with
 * volumes, whose admission must take under 100 ms.
 *
 * The 10× → 100× steps use the fastest of the runs: on a shared machine other processes only ever
 * add time, so the minimum is the estimate they disturb least (the medians are reported beside it).
 * Everything runs in this process through the real fastify app (`buildApp`, `app.inject`: body
 * parsing, validation, `admit()`, serialisation), with the Resolver over plain maps the server
 * tests use, so the figure is the admission itself, without TLS or a socket.
 */
import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import { createLogger } from '../common/log.ts';
import { buildApp } from '../webhook/server/app.ts';
import { createWebhookMetrics } from '../webhook/server/metrics.ts';
import { MapResolver, SETTINGS, pod, review, seededResolver } from '../test/unit/webhook-server-fixtures.ts';
import { median, round2 } from './stats.ts';
import { MAX_POD_CONTAINERS } from '../webhook/admission/limits.ts';

/** The API server's request body limit (k8s.io/apiserver/pkg/server/config.go MaxRequestBodyBytes). */
export const API_SERVER_MAX_BODY_BYTES = 3 * 1024 * 1024;
/** Target for the largest pod (issue 13). */
export const LARGEST_POD_TARGET_MS = 100;
/** A linear step between the 10× and the 100× size is a factor of about 10; this leaves room for noise. */
export const LINEAR_STEP_BOUND = 15;

/** One measured size of one dimension. */
export interface SizePoint {
  size: number;
  bodyBytes: number;
  medianMs: number;
  /** Fastest of the runs: on a shared machine contention only adds time, so this is the estimate it disturbs least; the steps use it. */
  minMs: number;
  responseBytes: number;
  result: string;
}

/** One dimension: its three sizes and the growth from 10× to 100×. */
export interface DimensionResult {
  dimension: string;
  points: SizePoint[];
  /** minMs(100×) / minMs(10×): about 10 when linear (less with fixed costs), about 100 when quadratic. */
  timeStep: number;
  /** responseBytes(100×) / responseBytes(10×). */
  bytesStep: number;
  linear: boolean;
}

/** The largest accepted pod of one kind. */
export interface LargestPod {
  kind: string;
  count: number;
  bodyBytes: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Median JSON.parse of the same body in this process: the floor any JSON webhook pays, shown so a loaded machine's share is visible. */
  parseMs: number;
  responseBytes: number;
  result: string;
  met: boolean;
}

/** What the scaling section of results.json holds. */
export interface ScalingResults {
  dimensions: DimensionResult[];
  largestPods: LargestPod[];
  runsPerPoint: number;
}

type Pod = ReturnType<typeof pod> & { metadata: Record<string, unknown>; spec: Record<string, unknown> };
const A = 'secret-injector.alibabacloud.com/';

/** How one dimension builds its pod (and the cluster objects it needs) for a size. */
interface Dimension {
  name: string;
  sizes: readonly [number, number, number];
  build: (n: number, resolver: MapResolver) => Pod;
}

function basePod(): Pod {
  return pod() as Pod;
}

/** An ExternalSecret in team-a with `entries` data entries. */
function externalSecret(name: string, entries: number): Parameters<MapResolver['externalSecrets']['set']>[1] {
  return {
    apiVersion: 'alibabacloud.com/v1alpha1', kind: 'ExternalSecret', metadata: { name, namespace: 'team-a' },
    spec: { data: Array.from({ length: entries }, (_, i) => ({ key: `team-a/${name}-key-${i}`, name: `file-${i}` })) },
  };
}

const DIMENSIONS: readonly Dimension[] = [
  {
    name: 'containers (each gets the files mount)',
    sizes: [10, 100, 1000],
    build: (n) => { const p = basePod(); p.spec.containers = Array.from({ length: n }, (_, i) => ({ name: `app-${i}`, image: 'registry.example.com/app:1.0', ports: [{ containerPort: 8080 + (i % 100) }], volumeMounts: [{ name: 'data', mountPath: '/data' }] })); p.spec.volumes = [{ name: 'data', emptyDir: {} }]; return p; },
  },
  {
    name: 'volumes',
    sizes: [10, 100, 1000],
    build: (n) => { const p = basePod(); p.spec.volumes = Array.from({ length: n }, (_, i) => ({ name: `vol-${i}`, emptyDir: {} })); return p; },
  },
  {
    name: 'names in external-secrets (each resolved)',
    sizes: [1, 10, 100],
    build: (n, resolver) => {
      const names = Array.from({ length: n }, (_, i) => `es-${i}`);
      for (const name of names) resolver.externalSecrets.set(`team-a/${name}`, externalSecret(name, 1));
      const p = basePod();
      (p.metadata.annotations as Record<string, string>)[`${A}external-secrets`] = names.join(',');
      return p;
    },
  },
  {
    name: 'bytes of an invalid annotation value (denied)',
    sizes: [300, 3000, 30_000],
    build: (n) => { const p = basePod(); (p.metadata.annotations as Record<string, string>)[`${A}refresh-interval`] = '9'.repeat(n); return p; },
  },
  {
    name: 'bad names in external-secrets (denied)',
    sizes: [1, 10, 100],
    build: (n) => { const p = basePod(); (p.metadata.annotations as Record<string, string>)[`${A}external-secrets`] = Array.from({ length: n }, (_, i) => `Bad_${i}`).join(','); return p; },
  },
  {
    name: 'entries of one ExternalSecret',
    sizes: [10, 100, 1000],
    build: (n, resolver) => { resolver.externalSecrets.set('team-a/big', externalSecret('big', n)); const p = basePod(); (p.metadata.annotations as Record<string, string>)[`${A}external-secrets`] = 'big'; return p; },
  },
];

/** Posts one review and returns the time, the answer's size and its result. */
async function admitOnce(app: FastifyInstance, body: string): Promise<{ ms: number; bytes: number; result: string }> {
  const started = performance.now();
  const res = await app.inject({ method: 'POST', url: '/mutate', headers: { 'content-type': 'application/json' }, payload: body });
  const ms = performance.now() - started;
  if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}: ${res.body.slice(0, 300)}`);
  const response = (JSON.parse(res.body) as { response: { allowed: boolean; patch?: string; status?: { reason?: string } } }).response;
  const result = response.allowed ? (response.patch === undefined ? 'allowed' : 'patched') : `denied (${response.status?.reason ?? '?'})`;
  return { ms, bytes: Buffer.byteLength(res.body), result };
}

/** Median of `runs` admissions of one body, after one warm-up. */
async function measure(app: FastifyInstance, body: string, runs: number): Promise<{ medianMs: number; minMs: number; maxMs: number; bytes: number; result: string }> {
  const first = await admitOnce(app, body);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push((await admitOnce(app, body)).ms);
  return { medianMs: round2(median(times)), minMs: round2(Math.min(...times)), maxMs: round2(Math.max(...times)), bytes: first.bytes, result: first.result };
}

function appFor(resolver: MapResolver): FastifyInstance {
  return buildApp({ resolver, settings: () => SETTINGS, logger: createLogger({ name: 'bench', level: 'silent' }), metrics: createWebhookMetrics() });
}

/** The review of the most `item`s whose JSON body still fits API_SERVER_MAX_BODY_BYTES. */
function largestBody(make: (n: number) => Pod): { count: number; body: string } {
  let lo = 1;
  let hi = 2;
  const size = (n: number): string => JSON.stringify(review('largest', make(n)));
  while (Buffer.byteLength(size(hi)) <= API_SERVER_MAX_BODY_BYTES) { lo = hi; hi *= 2; }
  while (hi - lo > 1) { const mid = Math.floor((lo + hi) / 2); if (Buffer.byteLength(size(mid)) <= API_SERVER_MAX_BODY_BYTES) lo = mid; else hi = mid; }
  return { count: lo, body: size(lo) };
}

/** Runs every dimension and the largest pods; `runs` admissions per point. */
export async function runScalingBenchmark(options: { runs: number; log: (line: string) => void }): Promise<ScalingResults> {
  const dimensions: DimensionResult[] = [];
  for (const d of DIMENSIONS) {
    const points: SizePoint[] = [];
    for (const size of d.sizes) {
      const resolver = seededResolver();
      const body = JSON.stringify(review(`scale-${size}`, d.build(size, resolver)));
      const app = appFor(resolver);
      try {
        const m = await measure(app, body, options.runs);
        points.push({ size, bodyBytes: Buffer.byteLength(body), medianMs: m.medianMs, minMs: m.minMs, responseBytes: m.bytes, result: m.result });
      } finally {
        await app.close();
      }
    }
    const [, mid, top] = points as [SizePoint, SizePoint, SizePoint];
    const timeStep = round2(top.minMs / Math.max(mid.minMs, 0.01));
    const bytesStep = round2(top.responseBytes / mid.responseBytes);
    const linear = timeStep <= LINEAR_STEP_BOUND && bytesStep <= LINEAR_STEP_BOUND;
    dimensions.push({ dimension: d.name, points, timeStep, bytesStep, linear });
    options.log(`scaling: ${d.name}: ${points.map((p) => `${p.size} → ${p.medianMs} ms (min ${p.minMs}), ${p.responseBytes} B (${p.result})`).join('; ')}; step ×${timeStep} time (min), ×${bytesStep} bytes`);
  }
  const largestPods: LargestPod[] = [];
  // The body limit with the most of one thing: bare containers or volumes (over the pod limits,
  // denied up front), and the pod with the most work below the limits: MAX_POD_CONTAINERS
  // containers sharing 3 MiB of volumeMounts, every one checked and every container patched.
  const perContainer = (n: number): number => Math.max(1, Math.floor(n / MAX_POD_CONTAINERS));
  const kinds: Array<[string, (n: number) => Pod]> = [
    ['containers (over the limit)', (n) => { const p = basePod(); p.spec.containers = Array.from({ length: n }, (_, i) => ({ name: `c-${i}`, image: 'registry.example.com/app:1.0' })); return p; }],
    ['volumes (over the limit)', (n) => { const p = basePod(); p.spec.volumes = Array.from({ length: n }, (_, i) => ({ name: `v-${i}`, emptyDir: {} })); return p; }],
    [`volumeMounts of ${MAX_POD_CONTAINERS} containers (admitted)`, (n) => {
      const p = basePod();
      p.spec.volumes = [{ name: 'data', emptyDir: {} }];
      p.spec.containers = Array.from({ length: MAX_POD_CONTAINERS }, (_, i) => ({ name: `c-${i}`, image: 'registry.example.com/app:1.0', volumeMounts: Array.from({ length: perContainer(n) }, (_, j) => ({ name: 'data', mountPath: `/data/${j}` })) }));
      return p;
    }],
  ];
  for (const [kind, make] of kinds) {
    const { count, body } = largestBody(make);
    const app = appFor(seededResolver());
    try {
      const m = await measure(app, body, options.runs);
      const parses: number[] = [];
      for (let i = 0; i < options.runs; i++) { const t0 = performance.now(); JSON.parse(body); parses.push(performance.now() - t0); }
      const parseMs = round2(median(parses));
      largestPods.push({ kind, count, bodyBytes: Buffer.byteLength(body), medianMs: m.medianMs, minMs: m.minMs, maxMs: m.maxMs, parseMs, responseBytes: m.bytes, result: m.result, met: m.medianMs < LARGEST_POD_TARGET_MS });
      options.log(`scaling: largest pod by ${kind}: ${count} in ${Buffer.byteLength(body)} B → ${m.medianMs} ms median (min ${m.minMs}, max ${m.maxMs}; JSON.parse alone ${parseMs} ms), ${m.bytes} B answer (${m.result})`);
    } finally {
      await app.close();
    }
  }
  return { dimensions, largestPods, runsPerPoint: options.runs };
}
