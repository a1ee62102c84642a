/**
 * The webhook's Prometheus metrics (prom-client), on a registry of their own so that every
 * `buildApp()` (and every test) gets an independent set instead of sharing prom-client's global
 * default registry. Every label value comes from a fixed vocabulary defined in this code:
 * `result` and `reason` (never message text), `resource` (the five cached kinds). Nothing taken
 * from a request is ever a label: anyone who can reach the port can send a review, and each
 * distinct value would be a series kept for the life of the process (issue 13: 20 forged reviews
 * with huge namespaces held ~380 MB). Per-namespace detail is in the one log line per review.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Metric name prefix; the project name, as Prometheus naming practice asks (https://prometheus.io/docs/practices/naming/). */
export const METRIC_PREFIX = 'ack_secret_injector_';

/**
 * What happened to one admission request. `patched`/`allowed`/`denied`/`errored` mirror the
 * response vocabulary of the admission core; `invalid` is a request the server refused before
 * the core saw it (bad JSON, wrong kind or version, missing uid).
 */
export const AdmissionResult = {
  PATCHED: 'patched',
  ALLOWED: 'allowed',
  DENIED: 'denied',
  ERRORED: 'errored',
  INVALID: 'invalid',
} as const;
export type AdmissionResult = (typeof AdmissionResult)[keyof typeof AdmissionResult];

/**
 * Latency buckets in seconds. The API server gives a webhook at most `timeoutSeconds` (1..30,
 * default 10; admissionregistration.k8s.io/v1 ValidatingWebhook.timeoutSeconds), and a cached
 * admission takes well under a millisecond, so the buckets span 0.5 ms .. 10 s.
 */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The webhook's metric handles plus the registry `/metrics` renders. */
export interface WebhookMetrics {
  registry: Registry;
  admissions: Counter<'result'>;
  denials: Counter<'reason'>;
  latency: Histogram<'result'>;
  cacheSynced: Gauge<'resource'>;
  cacheFallbackGets: Counter<'resource' | 'result'>;
  certificateNotAfter: Gauge;
  certificateReloads: Counter<'result'>;
}

/**
 * Creates the metric set on a fresh registry. `processMetrics` adds prom-client's default
 * process/GC/event-loop metrics; the server command turns it on, tests leave it off so the
 * output they assert on is deterministic.
 */
export function createWebhookMetrics(options: { processMetrics?: boolean } = {}): WebhookMetrics {
  const registry = new Registry();
  if (options.processMetrics === true) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  const registers = [registry];
  return {
    registry,
    admissions: new Counter({
      name: `${METRIC_PREFIX}admissions_total`,
      help: 'Admission reviews answered, by result (patched, allowed, denied, errored, invalid).',
      labelNames: ['result'],
      registers,
    }),
    denials: new Counter({
      name: `${METRIC_PREFIX}denials_total`,
      help: 'Denied or errored admissions by stable reason code (never message text).',
      labelNames: ['reason'],
      registers,
    }),
    latency: new Histogram({
      name: `${METRIC_PREFIX}admission_duration_seconds`,
      help: 'Time from receiving an AdmissionReview to sending the response.',
      labelNames: ['result'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    cacheSynced: new Gauge({
      name: `${METRIC_PREFIX}cache_synced`,
      help: '1 while the informer cache of a resource is listed and watching, 0 before the first list or while re-establishing after an error.',
      labelNames: ['resource'],
      registers,
    }),
    cacheFallbackGets: new Counter({
      name: `${METRIC_PREFIX}cache_fallback_gets_total`,
      help: 'Direct API GETs made after a cache miss, by resource and result (found, not-found, error).',
      labelNames: ['resource', 'result'],
      registers,
    }),
    certificateNotAfter: new Gauge({
      name: `${METRIC_PREFIX}certificate_not_after_seconds`,
      help: 'Expiry (notAfter, Unix seconds) of the serving certificate in use; alert when it nears time().',
      registers,
    }),
    certificateReloads: new Counter({
      name: `${METRIC_PREFIX}certificate_reloads_total`,
      help: 'Attempts to load the serving certificate from disk, by result (loaded, unchanged, rejected).',
      labelNames: ['result'],
      registers,
    }),
  };
}
