/**
 * The injector's Prometheus metrics (prom-client) on a registry of its own, served by the health
 * endpoint. Names and label values are names, codes and version ids only; a secret value never
 * becomes a label (STYLE.md §11).
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { InjectorError } from '../common/errors.ts';
import type { FetchedValue, FetchRequest } from './rules/fetch-types.ts';

/** Metric name prefix (https://prometheus.io/docs/practices/naming/). */
export const PREFIX = 'secret_injector_';

/**
 * Fetch latency buckets in seconds: a VPC KMS call takes tens of milliseconds; the top buckets
 * cover retries with backoff (about 2 s + 4 s, injector/cloud/retry.ts) and the 10 s read timeout.
 */
const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40];

/** The metric set of one injector process. */
export interface InjectorMetrics {
  registry: Registry;
  lastSuccess: Gauge<string>;
  failures: Counter<'code' | 'reason' | 'provider'>;
  fetchLatency: Histogram<'provider' | 'outcome'>;
  retries: Counter<'provider' | 'reason'>;
  versions: Gauge<'provider' | 'key' | 'version_id' | 'data_type'>;
  refreshes: Counter<'result'>;
  writes: Counter<'external_secret' | 'result'>;
  templateFailures: Counter<'external_secret'>;
  notifications: Counter<'method' | 'result'>;
  /** The labels last set on `versions` per provider+key, so an old version's series can be removed. */
  versionLabels: Map<string, Record<'provider' | 'key' | 'version_id' | 'data_type', string>>;
}

/** Creates the metric set on a fresh registry (one per process; tests get their own). */
export function createInjectorMetrics(): InjectorMetrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    lastSuccess: new Gauge({ name: `${PREFIX}last_success_timestamp_seconds`, help: 'Unix time of the last refresh whose every fetch succeeded and whose files were written', registers }),
    failures: new Counter({ name: `${PREFIX}fetch_failures_total`, help: 'Failed fetches after retries, by error code (E_PROVIDER/E_CREDENTIALS), cloud error code and provider', labelNames: ['code', 'reason', 'provider'], registers }),
    fetchLatency: new Histogram({ name: `${PREFIX}fetch_duration_seconds`, help: 'Time to fetch one secret or parameter, including retries', labelNames: ['provider', 'outcome'], buckets: LATENCY_BUCKETS, registers }),
    retries: new Counter({ name: `${PREFIX}fetch_retries_total`, help: 'Retried fetch attempts, by provider and cloud error code', labelNames: ['provider', 'reason'], registers }),
    versions: new Gauge({ name: `${PREFIX}secret_version_info`, help: 'Always 1: the version currently fetched for each secret or parameter (never its value)', labelNames: ['provider', 'key', 'version_id', 'data_type'], registers }),
    refreshes: new Counter({ name: `${PREFIX}refreshes_total`, help: 'Refresh cycles by result: success, partial (some fetches failed) or failure', labelNames: ['result'], registers }),
    writes: new Counter({ name: `${PREFIX}writes_total`, help: 'Folder writes per ExternalSecret by result: changed, unchanged, kept (last good kept after a failure) or failed', labelNames: ['external_secret', 'result'], registers }),
    templateFailures: new Counter({ name: `${PREFIX}template_failures_total`, help: 'Refreshes in which an ExternalSecret\'s target.template failed (parse, execution or missing source; E_TEMPLATE), so its last good files were kept', labelNames: ['external_secret'], registers }),
    notifications: new Counter({ name: `${PREFIX}notifications_total`, help: 'Change notifications delivered to the app, by method (http, signal) and result', labelNames: ['method', 'result'], registers }),
    versionLabels: new Map(),
  };
}

/** Records one fetch outcome: latency, and either its version or its failure. */
export function recordFetch(metrics: InjectorMetrics, request: FetchRequest, outcome: FetchedValue | InjectorError, elapsedMs: number): void {
  const failed = outcome instanceof Error;
  metrics.fetchLatency.observe({ provider: request.provider, outcome: failed ? 'error' : 'ok' }, elapsedMs / 1000);
  if (failed) {
    const reason = typeof outcome.detail.cloudCode === 'string' ? outcome.detail.cloudCode : outcome.code;
    metrics.failures.inc({ code: outcome.code, reason, provider: request.provider });
    return;
  }
  // One series per key: drop the key's old version series first, so only the current one is 1.
  const id = JSON.stringify([request.provider, request.key]);
  const old = metrics.versionLabels.get(id);
  if (old !== undefined) metrics.versions.remove(old);
  const labels = { provider: request.provider, key: request.key, version_id: outcome.versionId ?? '', data_type: outcome.dataType };
  metrics.versions.set(labels, 1);
  metrics.versionLabels.set(id, labels);
}
