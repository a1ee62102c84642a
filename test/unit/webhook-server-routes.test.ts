import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createLogger } from '../../common/log.ts';
import { createWebhookMetrics, type WebhookMetrics } from '../../webhook/server/metrics.ts';
import { BODY_LIMIT_BYTES, buildApp, classify } from '../../webhook/server/app.ts';
import { DenialReason, allowed, denied, errored, patched } from '../../webhook/admission/response.ts';
import { TlsReloader } from '../../webhook/server/tls-reloader.ts';
import { SETTINGS, SEEDED_ENV_VALUE, logSink, pod, review, seededResolver } from './webhook-server-fixtures.ts';
import { kubeletWrite, makeServingPair } from './webhook-server-test-certificates.ts';

interface ReviewReply {
  apiVersion: string;
  kind: string;
  response: { uid: string; allowed: boolean; patchType?: string; patch?: string; status?: { code: number; reason: string; message: string } };
}

describe('POST /mutate through app.inject()', () => {
  let app: FastifyInstance;
  let metrics: WebhookMetrics;
  const sink = logSink();
  const resolver = seededResolver();

  before(async () => {
    metrics = createWebhookMetrics();
    app = buildApp({ resolver, settings: () => SETTINGS, logger: createLogger({ name: 't', level: 'debug' }, sink), metrics });
    await app.ready();
  });
  after(async () => app.close());

  const post = (payload: string | Buffer, contentType = 'application/json') =>
    app.inject({ method: 'POST', url: '/mutate', headers: { 'content-type': contentType }, payload });

  it('patches an opted-in pod and echoes the uid in an admission.k8s.io/v1 AdmissionReview', async () => {
    const res = await post(JSON.stringify(review('uid-patched')));
    assert.equal(res.statusCode, 200);
    const body = res.json() as ReviewReply;
    assert.equal(body.apiVersion, 'admission.k8s.io/v1');
    assert.equal(body.kind, 'AdmissionReview');
    assert.equal(body.response.uid, 'uid-patched');
    assert.equal(body.response.allowed, true);
    assert.equal(body.response.patchType, 'JSONPatch');
    const ops = JSON.parse(Buffer.from(body.response.patch ?? '', 'base64').toString('utf8')) as Array<{ op: string; path: string }>;
    assert.ok(ops.some((o) => o.path.startsWith('/spec/initContainers')), 'adds the init container');
  });

  it('allows a pod that did not opt in, without a patch', async () => {
    const res = await post(JSON.stringify(review('uid-allowed', pod({ optIn: false }))));
    const body = res.json() as ReviewReply;
    assert.equal(res.statusCode, 200);
    assert.deepEqual(body.response, { uid: 'uid-allowed', allowed: true });
  });

  it('denies a pod naming an unknown ExternalSecret with a 403 status that names it', async () => {
    const res = await post(JSON.stringify(review('uid-denied', pod({ externalSecrets: 'nope' }))));
    const body = res.json() as ReviewReply;
    assert.equal(res.statusCode, 200);
    assert.equal(body.response.uid, 'uid-denied');
    assert.equal(body.response.allowed, false);
    assert.equal(body.response.status?.code, 403);
    assert.equal(body.response.status?.reason, 'external-secret-not-found');
    assert.match(body.response.status?.message ?? '', /nope/);
  });

  const rejects: Array<{ name: string; payload: string | Buffer; contentType?: string; status: number; error: string; message: RegExp }> = [
    { name: 'malformed JSON gets 400 invalid-json', payload: '{"apiVersion": "admission.k8s.io/v1", ', status: 400, error: 'invalid-json', message: /not valid JSON/ },
    { name: 'an empty body gets 400 empty-body', payload: '', status: 400, error: 'empty-body', message: /empty/ },
    { name: 'a JSON array gets 400 invalid-review', payload: '[]', status: 400, error: 'invalid-review', message: /expected a JSON object/ },
    { name: 'a review without request.uid gets 400 naming request.uid', payload: JSON.stringify({ ...review('x'), request: { ...(review('x').request as object), uid: undefined } }), status: 400, error: 'invalid-review', message: /request\.uid: expected a non-empty string/ },
    { name: 'a non-JSON content type gets 415', payload: 'kind: AdmissionReview', contentType: 'application/yaml', status: 415, error: 'unsupported-media-type', message: /application\/yaml.*expected application\/json/ },
    // Issue 13, defect 8: fastify's default text/plain parser let this through to a 400.
    { name: 'a text/plain body, even one holding a valid review, gets 415', payload: JSON.stringify(review('uid-text')), contentType: 'text/plain', status: 415, error: 'unsupported-media-type', message: /text\/plain.*expected application\/json/ },
    { name: `a body over ${BODY_LIMIT_BYTES} bytes gets 413`, payload: Buffer.alloc(BODY_LIMIT_BYTES + 1, 0x20), status: 413, error: 'body-too-large', message: new RegExp(`exceeds ${BODY_LIMIT_BYTES} bytes`) },
  ];
  for (const tc of rejects) {
    it(tc.name, async () => {
      const res = await post(tc.payload, tc.contentType);
      assert.equal(res.statusCode, tc.status);
      const body = res.json() as { error: string; message: string };
      assert.equal(body.error, tc.error);
      assert.match(body.message, tc.message);
    });
  }

  const wrongKinds: Array<{ name: string; mutate: (r: Record<string, unknown>) => Record<string, unknown>; message: RegExp }> = [
    { name: 'a v1beta1 review is refused in kind, echoing its uid and naming apiVersion', mutate: (r) => ({ ...r, apiVersion: 'admission.k8s.io/v1beta1' }), message: /apiVersion: expected "admission\.k8s\.io\/v1".*got "admission\.k8s\.io\/v1beta1"/ },
    { name: 'a review of the wrong kind is refused in kind, echoing its uid and naming kind', mutate: (r) => ({ ...r, kind: 'Pod' }), message: /kind: expected "AdmissionReview", got "Pod"/ },
  ];
  for (const tc of wrongKinds) {
    it(tc.name, async () => {
      const res = await post(JSON.stringify(tc.mutate(review('uid-wrong'))));
      assert.equal(res.statusCode, 200);
      const body = res.json() as ReviewReply;
      assert.equal(body.response.uid, 'uid-wrong');
      assert.equal(body.response.allowed, false);
      assert.equal(body.response.status?.code, 400);
      assert.equal(body.response.status?.reason, 'invalid-review');
      assert.match(body.response.status?.message ?? '', tc.message);
    });
  }

  // Issue 13, defect 8: a 50,000-deep request.kind made the validator's message overflow the stack (HTTP 500).
  it('answers a 50,000-deep request.kind with the AdmissionReview invalid-review error echoing the uid', async () => {
    const body = review('uid-deep') as { request: Record<string, unknown> };
    const res = await post(JSON.stringify(body).replace('"kind":{"group":"","version":"v1","kind":"Pod"}', `"kind":${'{"kind":'.repeat(50_000)}{}${'}'.repeat(50_000)}`));
    assert.equal(res.statusCode, 200);
    const reply = res.json() as ReviewReply;
    assert.equal(reply.response.uid, 'uid-deep');
    assert.equal(reply.response.allowed, false);
    assert.equal(reply.response.status?.code, 400);
    assert.equal(reply.response.status?.reason, 'invalid-review');
    assert.match(reply.response.status?.message ?? '', /request\.kind\.kind: expected a non-empty string, got an object/);
    assert.ok(res.body.length < 1024, `the answer is short (${res.body.length} bytes)`);
  });

  it('keeps serving after every bad request above', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok' });
  });

  it('answers an unknown route with a JSON 404 listing the routes', async () => {
    const res = await app.inject({ method: 'GET', url: '/mutate-me' });
    assert.equal(res.statusCode, 404);
    assert.match((res.json() as { message: string }).message, /POST \/mutate/);
  });

  it('exports admissions by result, denials by reason and the latency histogram', async () => {
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const text = res.body;
    assert.match(text, /ack_secret_injector_admissions_total\{result="patched"\} 1/);
    assert.match(text, /ack_secret_injector_admissions_total\{result="allowed"\} 1/);
    assert.match(text, /ack_secret_injector_admissions_total\{result="denied"\} 1/);
    assert.match(text, /ack_secret_injector_admissions_total\{result="invalid"\} 10/);
    assert.match(text, /ack_secret_injector_denials_total\{reason="external-secret-not-found"\} 1/);
    assert.doesNotMatch(text, /denials_total\{reason="Forbidden"\}/, 'a core denial is counted by its own code, not as Forbidden');
    assert.match(text, /ack_secret_injector_denials_total\{reason="body-too-large"\} 1/);
    assert.match(text, /ack_secret_injector_denials_total\{reason="invalid-review"\} 5/);
    assert.match(text, /ack_secret_injector_admission_duration_seconds_count\{result="patched"\} 1/);
    assert.doesNotMatch(text, /nope/, 'no message text or user input in label values');
  });

  it('logs one line per review with uid, namespace and generateName, and never an env value', () => {
    const entries = sink.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const patched = entries.find((e) => e.uid === 'uid-patched' && e.msg === 'admission reviewed');
    assert.equal(patched?.namespace, 'team-a');
    assert.equal(patched?.generateName, 'web-7d9c-');
    assert.equal(patched?.result, 'patched');
    assert.equal(typeof patched?.durationMs, 'number');
    const denied = entries.find((e) => e.uid === 'uid-denied' && e.msg === 'admission reviewed');
    assert.equal(denied?.reason, 'external-secret-not-found');
    assert.ok(!sink.lines.some((l) => l.includes(SEEDED_ENV_VALUE)), 'the pod env value never reaches the log');
  });
});

// Issue 13, defect 3: every distinct request.namespace used to become a metric series, never freed.
describe('metric labels from bounded sets only', () => {
  it('2,000 reviews with distinct namespaces (one of 1 MB) add no series and no request text to /metrics', async () => {
    const metrics = createWebhookMetrics();
    const sink = logSink();
    const app = buildApp({ resolver: seededResolver(), settings: () => SETTINGS, logger: createLogger({ name: 't' }, sink), metrics });
    try {
      const send = (uid: string, namespace: string) => {
        const r = review(uid) as { request: Record<string, unknown> };
        return app.inject({ method: 'POST', url: '/mutate', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ ...r, request: { ...r.request, namespace } }) });
      };
      await send('warm-up', 'forged-0');
      const before = (await metrics.registry.metrics()).length;
      const huge = `huge-${'n'.repeat(1_000_000)}`;
      assert.equal((await send('uid-huge', huge)).statusCode, 200);
      for (let i = 1; i < 2_000; i++) await send(`uid-${i}`, `forged-${i}`);
      const text = await metrics.registry.metrics();
      assert.doesNotMatch(text, /forged-|huge-/, 'no namespace is a label value');
      assert.match(text, /admissions_total\{result="denied"\} 2000/);
      assert.match(text, /admissions_total\{result="invalid"\} 1/, 'a 1 MB namespace is no namespace name: an invalid review');
      // The counters' values grow by a few digits; no line is added.
      assert.equal(text.split('\n').length, (await metrics.registry.metrics()).split('\n').length);
      assert.ok(text.length < before + 200, `/metrics stays the same size (${before} → ${text.length} bytes)`);
      const hugeLines = sink.lines.filter((l) => l.includes('"uid":"uid-huge"'));
      assert.ok(hugeLines.length > 0 && hugeLines.every((l) => l.length < 2048), `the log lines of the 1 MB namespace are clipped (${hugeLines.map((l) => l.length).join(', ')} bytes)`);
      const longName = sink.lines.find((l) => l.includes('"uid":"uid-1"') && l.includes('admission reviewed'));
      assert.match(longName ?? '', /"namespace":"forged-1"/, 'a review log line names its namespace');
    } finally {
      await app.close();
    }
  });
});

describe('an admission core that throws', () => {
  it('answers errored with the uid and code 500 instead of dropping the connection', async () => {
    const metrics = createWebhookMetrics();
    const app = buildApp({
      resolver: seededResolver(),
      settings: () => SETTINGS,
      logger: createLogger({ name: 't' }, logSink()),
      metrics,
      admit: async () => {
        throw new Error('planner exploded');
      },
    });
    try {
      const res = await app.inject({ method: 'POST', url: '/mutate', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(review('uid-boom')) });
      assert.equal(res.statusCode, 200);
      const body = res.json() as ReviewReply;
      assert.equal(body.response.uid, 'uid-boom');
      assert.equal(body.response.allowed, false);
      assert.equal(body.response.status?.code, 500);
      assert.match(body.response.status?.message ?? '', /planner exploded/);
      assert.match(await metrics.registry.metrics(), /admissions_total\{result="errored"\} 1/);
    } finally {
      await app.close();
    }
  });
});

describe('GET /readyz', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'readyz-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('is unready until the certificate is loaded and every cache has synced', async () => {
    let synced = false;
    const tls = new TlsReloader({ dir, logger: createLogger({ name: 't' }, logSink()) });
    await tls.start();
    const app = buildApp({
      resolver: seededResolver(),
      settings: () => SETTINGS,
      logger: createLogger({ name: 't' }, logSink()),
      metrics: createWebhookMetrics(),
      tls,
      readiness: [{ name: 'caches-synced', ready: () => synced }],
    });
    try {
      const steps: Array<{ name: string; act: () => Promise<void>; status: number; checks: Record<string, boolean> }> = [
        { name: 'nothing ready', act: async () => {}, status: 503, checks: { certificate: false, 'caches-synced': false } },
        { name: 'caches synced, no certificate', act: async () => void (synced = true), status: 503, checks: { certificate: false, 'caches-synced': true } },
        {
          name: 'certificate written and loaded',
          act: async () => {
            const pair = await makeServingPair({ serial: '51' });
            await kubeletWrite(dir, { 'tls.crt': pair.certPem, 'tls.key': pair.keyPem }, 1);
            await tls.reload();
          },
          status: 200,
          checks: { certificate: true, 'caches-synced': true },
        },
      ];
      for (const step of steps) {
        await step.act();
        const res = await app.inject({ method: 'GET', url: '/readyz' });
        assert.equal(res.statusCode, step.status, step.name);
        assert.deepEqual(res.json(), { ready: step.status === 200, checks: step.checks }, step.name);
      }
      const live = await app.inject({ method: 'GET', url: '/healthz' });
      assert.equal(live.statusCode, 200, 'liveness does not depend on readiness');
    } finally {
      tls.close();
      await app.close();
    }
  });
});

describe('classify', () => {
  const cases: Array<{ name: string; response: Parameters<typeof classify>[0]; expect: ReturnType<typeof classify> }> = [
    { name: 'an allowed response has no reason', response: allowed('u'), expect: { result: 'allowed' } },
    { name: 'a patched response has no reason', response: patched('u', [{ op: 'add', path: '/a', value: 1 }]), expect: { result: 'patched' } },
    ...Object.values(DenialReason).map((reason) => ({ name: `a ${reason} denial is counted as ${reason}`, response: denied('u', 'm', reason), expect: { result: 'denied' as const, reason } })),
    { name: 'errored is counted as InternalError', response: errored('u', new Error('x')), expect: { result: 'errored', reason: 'InternalError' } },
    { name: 'a denial without a reason falls back to Forbidden', response: { uid: 'u', allowed: false, status: { code: 403, message: 'm' } }, expect: { result: 'denied', reason: 'Forbidden' } },
    { name: 'a denial with a reason outside the vocabulary falls back to Forbidden', response: { uid: 'u', allowed: false, status: { code: 403, reason: 'pod web has secret x', message: 'm' } }, expect: { result: 'denied', reason: 'Forbidden' } },
    { name: 'a 5xx with a reason outside the vocabulary falls back to InternalError', response: { uid: 'u', allowed: false, status: { code: 503, reason: 'whatever', message: 'm' } }, expect: { result: 'errored', reason: 'InternalError' } },
  ];
  for (const tc of cases) it(tc.name, () => assert.deepEqual(classify(tc.response), tc.expect));
});
