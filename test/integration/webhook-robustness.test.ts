/**
 * The robustness suite (issue 13): 10,000 seeded malformed and hostile requests against the real
 * admission server (buildApp, listening on loopback in this process; the same fastify app the
 * `webhook` command serves over HTTPS). Every answer must be a well-formed AdmissionReview (for a
 * body that carries a uid) or one of the documented 4xx JSON errors (docs/server.md); never a
 * 5xx, a dropped connection or a crash. Between them the server must keep answering a good review
 * with a patch, and after the run the heap must return to its baseline (no request leaves
 * anything behind: no metric series, no cache entry). The seed is printed on failure; set
 * HOSTILE_SEED to replay one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createLogger } from '../../common/log.ts';
import { buildApp } from '../../webhook/server/app.ts';
import { createWebhookMetrics } from '../../webhook/server/metrics.ts';
import { SETTINGS, seededResolver } from '../unit/webhook-server-fixtures.ts';
import { HostileReviews, type HostileRequest } from './hostile-reviews.ts';

const TOTAL = Number(process.env.HOSTILE_COUNT ?? 10_000);
/** A good review after every this many hostile ones. */
const GOOD_EVERY = 10;
/** The documented answers to requests the server refuses itself (docs/server.md, "Bad requests"). */
const DOCUMENTED_4XX: Readonly<Record<number, readonly string[]>> = {
  400: ['invalid-json', 'empty-body', 'invalid-review'],
  413: ['body-too-large'],
  415: ['unsupported-media-type'],
};
/** Longest refusal message: ten problems of bounded excerpts (webhook/admission/limits.ts MAX_LISTED_PROBLEMS, common/excerpt.ts). */
const MAX_MESSAGE_CHARS = 8192;
/** Heap (used + external) the run may keep over its baseline after a full GC: a few MiB of JIT code and fastify's pools, never the inputs (85 MB in all). */
const HEAP_SLACK_BYTES = 16 * 1024 * 1024;

/** `gc()` without starting node with --expose-gc (the flag is read when a context is created). */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

interface Answer { status: number; body: string }

function send(port: number, agent: Agent, body: string, contentType: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/mutate', method: 'POST', agent, headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Why `answer` is not an acceptable reply to `req`, or undefined when it is. */
function problemWith(req: HostileRequest, answer: Answer): string | undefined {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(answer.body) as Record<string, unknown>;
  } catch {
    return `status ${answer.status} with a body that is not JSON`;
  }
  if (answer.status === 200) {
    if (doc.apiVersion !== 'admission.k8s.io/v1' || doc.kind !== 'AdmissionReview') return 'a 200 that is not an admission.k8s.io/v1 AdmissionReview';
    const response = doc.response as Record<string, unknown> | undefined;
    if (typeof response !== 'object' || response === null || typeof response.allowed !== 'boolean' || typeof response.uid !== 'string') return 'an AdmissionReview without response.uid/allowed';
    if (req.uid !== undefined && response.uid !== req.uid) return `response.uid ${JSON.stringify(response.uid).slice(0, 80)} does not echo the request's`;
    if (response.patch !== undefined) {
      if (response.patchType !== 'JSONPatch') return 'a patch without patchType JSONPatch';
      const ops: unknown = JSON.parse(Buffer.from(response.patch as string, 'base64').toString('utf8'));
      if (!Array.isArray(ops)) return 'a patch that is not a JSON array';
    }
    if (response.allowed === false) {
      const status = response.status as { code?: unknown; message?: unknown } | undefined;
      if (typeof status?.code !== 'number' || typeof status.message !== 'string') return 'a refusal without status.code and status.message';
      if (status.message.length > MAX_MESSAGE_CHARS) return `a refusal message of ${status.message.length} characters (bounded excerpts and lists keep it under ${MAX_MESSAGE_CHARS})`;
      // An internal error may only be the core's own refusal of a pod of the wrong shape, never a
      // JavaScript error escaping from a step that trusted the input.
      if (status.code === 500 && !status.message.includes('E_INPUT: request.object is not a valid Pod: ')) return `an internal error: ${status.message.slice(0, 300)}`;
    }
    return undefined;
  }
  const codes = DOCUMENTED_4XX[answer.status];
  if (codes === undefined) return `undocumented status ${answer.status}: ${answer.body.slice(0, 300)}`;
  if (!codes.includes(doc.error as string) || typeof doc.message !== 'string') return `status ${answer.status} with error ${JSON.stringify(doc.error)}, expected one of ${codes.join(', ')}`;
  return undefined;
}

test(`${TOTAL} seeded hostile reviews: documented answers only, a good review still patched between them, heap back to baseline`, { timeout: 600_000 }, async (t) => {
  const seed = Number(process.env.HOSTILE_SEED ?? 20261204);
  const gc = collector();
  const app = buildApp({ resolver: seededResolver(), settings: () => SETTINGS, logger: createLogger({ name: 'robustness', level: 'silent' }), metrics: createWebhookMetrics() });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(async () => { agent.destroy(); await app.close(); });
  const generator = new HostileReviews(seed);
  const good = async (): Promise<void> => {
    const { uid, review } = generator.good();
    const answer = await send(port, agent, JSON.stringify(review), 'application/json');
    assert.equal(answer.status, 200);
    const response = (JSON.parse(answer.body) as { response: { uid: string; allowed: boolean; patch?: string } }).response;
    assert.equal(response.uid, uid);
    assert.ok(response.allowed && response.patch !== undefined, `the good review ${uid} is patched (seed ${seed})`);
  };

  let baseline = 0;
  const kinds = new Map<string, number>();
  const slowest = new Map<string, number>();
  const errored = new Map<string, number>();
  for (let i = 0; i < TOTAL; i++) {
    if (i === 500) {
      // Baseline once the code paths are warm (JIT code, fastify's and prom-client's first allocations).
      gc();
      const m = process.memoryUsage();
      baseline = m.heapUsed + m.external;
    }
    const req = generator.next();
    kinds.set(req.kind, (kinds.get(req.kind) ?? 0) + 1);
    const started = performance.now();
    const answer = await send(port, agent, req.body, req.contentType);
    const ms = performance.now() - started;
    if (ms > (slowest.get(req.kind) ?? 0)) slowest.set(req.kind, ms);
    const problem = problemWith(req, answer);
    if (problem !== undefined) assert.fail(`seed ${seed}, request ${i} (${req.kind}, ${req.body.length} bytes): ${problem}`);
    const status = answer.status === 200 ? (JSON.parse(answer.body) as { response: { status?: { code?: number; message?: string } } }).response.status : undefined;
    if (status?.code === 500) errored.set(`${req.kind}: ${status.message?.slice(0, 160)}`, (errored.get(`${req.kind}: ${status.message?.slice(0, 160)}`) ?? 0) + 1);
    if (i % GOOD_EVERY === GOOD_EVERY - 1) await good();
  }
  gc();
  const m = process.memoryUsage();
  const grown = m.heapUsed + m.external - baseline;
  t.diagnostic(`kinds: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  t.diagnostic(`slowest answer per kind (ms): ${[...slowest].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${Math.round(v)}`).join(', ')}`);
  t.diagnostic(`errored answers: ${[...errored].map(([k, n]) => `${n}× ${k}`).join(' | ')}`);
  t.diagnostic(`heap+external after the run: ${Math.round(grown / 1024)} KiB over the baseline`);
  assert.ok(grown < HEAP_SLACK_BYTES, `heap+external grew by ${Math.round(grown / 1048576)} MiB over the baseline (seed ${seed})`);
  const health = await fetch(`http://127.0.0.1:${port}/healthz`);
  assert.equal(health.status, 200);
});
