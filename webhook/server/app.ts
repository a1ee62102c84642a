/**
 * The admission server as an un-started fastify instance (STYLE.md items 1, 10, 11): the thin
 * shell around the pure admission core. It validates the HTTP request and the AdmissionReview
 * envelope, hands the review to `admit()`, wraps the answer, counts it and logs one line per
 * review. Only `server-command.ts` listens; tests drive this through `app.inject()`.
 *
 * Routes: `POST /mutate` (admission.k8s.io/v1 AdmissionReview), `GET /healthz` (liveness: the
 * process serves HTTP), `GET /readyz` (readiness: certificate loaded, every cache synced, not
 * shutting down), `GET /metrics` (Prometheus text format).
 */
import type { Server as HttpsServer } from 'node:https';
import { performance } from 'node:perf_hooks';
import fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { clip, quote } from '../../common/excerpt.ts';
import type { Logger } from '../../common/log.ts';
import type { WebhookMetrics } from './metrics.ts';
import { AdmissionResult } from './metrics.ts';
import type { Resolver } from '../admission/resolver.ts';
import type { Settings } from '../settings.ts';
import type { TlsReloader } from './tls-reloader.ts';
import { admit as coreAdmit } from '../admission/admit.ts';
import { requestUid, reviewWithResponse, validateAdmissionReview, type AdmissionResponse, type AdmissionReview } from '../admission/admission-review.ts';
import { admissionReviewJson, DenialReason, ERRORED_REASON, errored } from '../admission/response.ts';

/**
 * Largest request body accepted: 4 MiB. The API server refuses request bodies above 3 MiB
 * (`MaxRequestBodyBytes = 3 * 1024 * 1024`, k8s.io/apiserver/pkg/server/config.go), so any pod it
 * accepted fits; the extra MiB covers the AdmissionReview envelope (userInfo, options, and the
 * JSON re-encoding of a pod that arrived as protobuf). A smaller limit would deny legitimate large
 * pods under `failurePolicy: Fail`; a larger one only lets junk allocate memory.
 */
export const BODY_LIMIT_BYTES = 4 * 1024 * 1024;

/**
 * The API server waits at most `timeoutSeconds` for a webhook (1..30; admissionregistration.k8s.io/v1
 * MutatingWebhook), so a request still being received after 30 s can no longer be answered usefully.
 */
export const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Idle keep-alive time: longer than the API server's client idle timeout (90 s, Go's
 * `http.DefaultTransport.IdleConnTimeout`, kept by k8s.io/apimachinery/pkg/util/net
 * `SetOldTransportDefaults`), so the client always closes an idle connection first and never
 * reuses one the server is closing at the same moment (a reset call fails the admission).
 */
export const KEEP_ALIVE_TIMEOUT_MS = 120_000;

/**
 * Longest wait for a TLS handshake. The API server completes one in milliseconds; Node's default
 * (120 s, https.createServer `handshakeTimeout`) would let half-open handshakes hold sockets.
 */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

/** The admission core's signature (webhook/admission/admit.ts); a dependency so tests can slow it down. */
export type AdmitFunction = (review: AdmissionReview, resolver: Resolver, settings: Readonly<Settings>) => Promise<AdmissionResponse>;

/** One named readiness condition for `/readyz`. */
export interface ReadinessCheck {
  name: string;
  ready: () => boolean;
}

/**
 * Everything the app needs, passed in (STYLE.md item 13), so tests build it from plain maps and
 * a fresh metrics registry while the server command wires the informer caches and the reloader.
 */
export interface AppDeps {
  /** Where `admit()` looks up Namespaces, ServiceAccounts, ExternalSecrets and stores. */
  resolver: Resolver;
  /** Returns the settings to admit with (validated and frozen at start). */
  settings: () => Readonly<Settings>;
  logger: Logger;
  metrics: WebhookMetrics;
  /** Extra readiness conditions (cache sync, shutdown gate); the certificate check is added when `tls` is given. */
  readiness?: ReadinessCheck[];
  /** Serving certificate; when given the app is HTTPS and reloads it in place. Absent → plain HTTP (inject-only tests). */
  tls?: TlsReloader;
  /** The admission core; defaults to webhook/admission/admit.ts. */
  admit?: AdmitFunction;
  /** Shutdown state (server-shutdown.ts ShutdownGate): once closing, responses carry `Connection: close`. */
  shutdown?: { readonly closing: boolean };
  /** Overrides BODY_LIMIT_BYTES (the default is what production uses; see its comment). */
  bodyLimitBytes?: number;
}

/** Content type of every JSON answer: what fastify sets when it serialises an object itself. */
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Stable codes of the errors the server itself returns (JSON `error` field and denial metric reasons). */
export const ServerErrorCode = {
  INVALID_JSON: 'invalid-json',
  EMPTY_BODY: 'empty-body',
  BODY_TOO_LARGE: 'body-too-large',
  UNSUPPORTED_MEDIA_TYPE: 'unsupported-media-type',
  INVALID_REVIEW: 'invalid-review',
  INTERNAL: 'internal-error',
} as const;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Log fields that identify a review: uid, namespace, pod name (or generateName). Never the spec.
 * Each is clipped to EXCERPT_CHARS (the longest valid name), so a forged review cannot make one
 * log line as large as its body.
 */
function reviewFields(review: AdmissionReview): Record<string, string> {
  const req = (review.request ?? {}) as unknown as Record<string, unknown>;
  const obj = isObject(req.object) ? req.object : {};
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  const fields: Record<string, string> = { uid: clip(String(req.uid)) };
  const ns = typeof req.namespace === 'string' ? req.namespace : typeof meta.namespace === 'string' ? meta.namespace : undefined;
  if (ns !== undefined) fields.namespace = clip(ns);
  const name = typeof req.name === 'string' && req.name !== '' ? req.name : typeof meta.name === 'string' && meta.name !== '' ? meta.name : undefined;
  if (name !== undefined) fields.pod = clip(name);
  else if (typeof meta.generateName === 'string') fields.generateName = clip(meta.generateName);
  if (req.dryRun === true) fields.dryRun = 'true';
  return fields;
}

/** Reasons `classify` passes through as metric labels: the core's denial codes and `errored`'s reason. */
const KNOWN_REASONS: ReadonlySet<string> = new Set<string>([...Object.values(DenialReason), ERRORED_REASON]);

/**
 * Classifies a response for the metrics: patched / allowed / denied / errored, and a stable
 * reason. A refusal's reason is its `status.reason` when that is one of the core's codes
 * (response.ts DenialReason, e.g. `external-secret-not-found`) or `InternalError`; anything else
 * (an injected admit function, a future code) counts as `Forbidden` or `InternalError` by status
 * code, so the label stays a fixed vocabulary and never carries arbitrary text.
 */
export function classify(response: AdmissionResponse): { result: AdmissionResult; reason?: string } {
  const r = response;
  if (r.allowed === true) return { result: r.patch !== undefined ? AdmissionResult.PATCHED : AdmissionResult.ALLOWED };
  const errored = (r.status?.code ?? 403) >= 500;
  const given = r.status?.reason;
  const reason = given !== undefined && KNOWN_REASONS.has(given) ? given : errored ? ERRORED_REASON : 'Forbidden';
  return { result: errored ? AdmissionResult.ERRORED : AdmissionResult.DENIED, reason };
}

/** A refusal the server makes itself: counted as `invalid`, answered in kind when there is a uid. */
type SendInvalid = (reply: FastifyReply, status: number, code: string, message: string, uid: string | undefined) => FastifyReply;

function invalidSender(metrics: WebhookMetrics): SendInvalid {
  return (reply, status, code, message, uid) => {
    metrics.admissions.inc({ result: AdmissionResult.INVALID });
    metrics.denials.inc({ reason: code });
    if (uid !== undefined) {
      // The API server can read this: answer as an AdmissionReview that refuses the pod, so the
      // user sees our message instead of a transport error.
      return reply.code(200).send(reviewWithResponse({ uid, allowed: false, status: { code: status, reason: code, message } }));
    }
    return reply.code(status).send({ error: code, message });
  };
}

/** The fastify instance with the limits and timeouts above, TLS attached when given. */
function createServer(deps: AppDeps): FastifyInstance {
  const material = deps.tls?.current;
  const app = fastify({
    logger: false,
    bodyLimit: deps.bodyLimitBytes ?? BODY_LIMIT_BYTES,
    requestTimeout: REQUEST_TIMEOUT_MS,
    // Socket inactivity while a request is being received or answered; idle kept-alive sockets
    // are governed by keepAliveTimeout instead.
    connectionTimeout: REQUEST_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // During close(), requests on kept-alive connections get 503 + `Connection: close`, so the
    // API server retries on another replica; idle connections are closed at once.
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ...(deps.tls === undefined ? {} : { https: { handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS, ...(material === undefined ? {} : { cert: material.cert, key: material.key }) } }),
  }) as unknown as FastifyInstance;
  if (deps.tls !== undefined) deps.tls.attach(app.server as unknown as HttpsServer);
  // Node keeps its 60 s headers timeout when requestTimeout is set after creation (as fastify
  // does); the whole request, headers included, must arrive within REQUEST_TIMEOUT_MS.
  (app.server as unknown as { headersTimeout: number }).headersTimeout = REQUEST_TIMEOUT_MS;
  return app;
}

/**
 * Once shutdown begins (the drain delay) or the server closes, every response asks the client to
 * drop the connection, so the API server's next call opens a new one (to a replica that stays)
 * instead of reusing ours, and close() is not left waiting on kept-alive sockets.
 */
function closeConnectionsWhenClosing(app: FastifyInstance, shutdown: AppDeps['shutdown']): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing || shutdown?.closing === true) reply.header('connection', 'close');
    return payload;
  });
}

/**
 * JSON only, and a clear answer for every error: fastify parses text/plain bodies into strings by
 * default, so such a request reached the handler and got 400 invalid-review; the webhook reads
 * JSON only, so any other media type is a 415 as documented (docs/server.md). Errors fastify
 * raises before the handler (parse, size, media type) and anything thrown later get a JSON
 * answer, never a dropped connection or a crashed process.
 */
function handleErrors(app: FastifyInstance, deps: AppDeps, log: Logger, sendInvalid: SendInvalid): void {
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const byCode: Record<string, [number, string, string]> = {
      FST_ERR_CTP_INVALID_JSON_BODY: [400, ServerErrorCode.INVALID_JSON, `request body is not valid JSON: ${err.message}`],
      FST_ERR_CTP_EMPTY_JSON_BODY: [400, ServerErrorCode.EMPTY_BODY, 'request body is empty; expected an admission.k8s.io/v1 AdmissionReview'],
      FST_ERR_CTP_BODY_TOO_LARGE: [413, ServerErrorCode.BODY_TOO_LARGE, `request body exceeds ${deps.bodyLimitBytes ?? BODY_LIMIT_BYTES} bytes`],
      FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, ServerErrorCode.UNSUPPORTED_MEDIA_TYPE, `unsupported content-type ${quote(request.headers['content-type'] ?? '')}; expected application/json`],
    };
    const known = err.code === undefined ? undefined : byCode[err.code];
    if (err instanceof SyntaxError && known === undefined) {
      return sendInvalid(reply, 400, ServerErrorCode.INVALID_JSON, `request body is not valid JSON: ${err.message}`, undefined);
    }
    if (known !== undefined) {
      log.warn({ url: request.url, code: known[1], status: known[0] }, 'rejected request');
      return sendInvalid(reply, known[0], known[1], known[2], undefined);
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    log.error({ url: request.url, err: err.message, code: err.code }, 'request failed');
    return reply.code(status).send({ error: status === 500 ? ServerErrorCode.INTERNAL : (err.code ?? 'bad-request'), message: err.message });
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: 'not-found', message: `no route ${request.method} ${request.url}; the webhook serves POST /mutate, GET /healthz, /readyz, /metrics` }));
}

/** `POST /mutate`: 1. the envelope; 2. the core; 3. one count and one log line. */
function routeMutate(app: FastifyInstance, deps: AppDeps, log: Logger, sendInvalid: SendInvalid): void {
  const admit = deps.admit ?? coreAdmit;
  const { metrics } = deps;
  app.post('/mutate', async (request, reply) => {
    const started = performance.now();
    // 1. Envelope: apiVersion, kind, request.uid. Answer in kind when there is a uid.
    const problems = validateAdmissionReview(request.body);
    if (problems.length > 0) {
      const uid = requestUid(request.body);
      log.warn({ ...(uid === '' ? {} : { uid: clip(uid) }), problems }, 'invalid AdmissionReview');
      return sendInvalid(reply, 400, ServerErrorCode.INVALID_REVIEW, `invalid AdmissionReview: ${problems.join('; ')}`, uid === '' ? undefined : uid);
    }
    const review = request.body as AdmissionReview;
    const fields = reviewFields(review);
    const reviewLog = log.child(fields);
    // 2. The core. It answers errors as `errored` itself; the catch is the last line of defence.
    let response: AdmissionResponse;
    try {
      response = await admit(review, deps.resolver, deps.settings());
    } catch (err) {
      reviewLog.error({ err: err instanceof Error ? err.message : String(err) }, 'admission core threw');
      response = errored(review.request?.uid ?? '', err);
    }
    // 3. Count and log one line (no pod spec, no env values, no patch content).
    const { result, reason } = classify(response);
    const seconds = (performance.now() - started) / 1000;
    metrics.admissions.inc({ result });
    if (reason !== undefined) metrics.denials.inc({ reason });
    metrics.latency.observe({ result }, seconds);
    const level = result === AdmissionResult.ERRORED ? 'error' : 'info';
    reviewLog[level]({ result, ...(reason === undefined ? {} : { reason }), durationMs: Math.round(seconds * 1e6) / 1e3 }, 'admission reviewed');
    // The text is written here (admissionReviewJson: the 7 KB patch is not re-scanned for
    // escaping); the content type is the one fastify gives JSON it serialises itself.
    return reply.code(200).type(JSON_CONTENT_TYPE).send(admissionReviewJson(response));
  });
}

/** `GET /healthz`, `/readyz` (every check, by name) and `/metrics`. */
function routeProbes(app: FastifyInstance, deps: AppDeps): void {
  const checks: ReadinessCheck[] = [...(deps.tls === undefined ? [] : [{ name: 'certificate', ready: () => deps.tls?.loaded === true }]), ...(deps.readiness ?? [])];
  app.get('/healthz', async (_request, reply) => reply.code(200).send({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const states = Object.fromEntries(checks.map((c) => [c.name, c.ready()]));
    const ready = Object.values(states).every(Boolean);
    return reply.code(ready ? 200 : 503).send({ ready, checks: states });
  });
  app.get('/metrics', async (_request, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.code(200).header('content-type', deps.metrics.registry.contentType).send(text);
  });
}

/** Builds the fastify app; does not listen. The steps are named above, in the order they run. */
export function buildApp(deps: AppDeps): FastifyInstance {
  const log = deps.logger.child({ component: 'webhook-server' });
  const sendInvalid = invalidSender(deps.metrics);
  const app = createServer(deps);
  closeConnectionsWhenClosing(app, deps.shutdown);
  handleErrors(app, deps, log, sendInvalid);
  routeMutate(app, deps, log, sendInvalid);
  routeProbes(app, deps);
  return app;
}
