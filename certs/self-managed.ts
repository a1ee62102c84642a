/**
 * The self-managed certificate mode (`certificates.mode: self-managed` in the chart): the webhook
 * replicas keep their own CA and serving certificate in a Secret in their namespace, keep the
 * MutatingWebhookConfiguration's `caBundle` in step, and rotate well before expiry.
 *
 * - One writer at a time: the replica holding the Lease (certs/lease-election.ts) plans and
 *   writes the Secret (certs/rotation.ts) and patches `caBundle` on EVERY webhook of the named
 *   configuration. A second writer could otherwise overwrite a CA the first one already put into
 *   the bundle, the failure vault-k8s users hit with per-replica CAs (vault-helm #580).
 * - Every replica, holder or not, reads the Secret each tick and writes `tls.crt`/`tls.key` into
 *   `outDir` when they change (certs/serving-files.ts); the server reloads from there.
 *
 * `runSelfManagedCertificates` is the entry point the webhook server calls; `createCertificateManager`
 * is the same logic one tick at a time, with the Kubernetes calls passed in, for unit tests.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { ErrorCode, InjectorError } from '../common/errors.ts';
import type { Logger } from '../common/log.ts';
import { createKubeCertificateApi, isConflict, type CertificateKubeApi, type SecretRecord } from './certificate-kube-api.ts';
import { parseCertificatePem, keyMatchesCertificate } from './certificate-authority.ts';
import { DEFAULT_LEASE_DURATION_SECONDS, DEFAULT_RETRY_PERIOD_MS, createLeaseElector } from './lease-election.ts';
import {
  RETAIN_UNTIL_ANNOTATION,
  RotationAction,
  SECRET_KEYS,
  formatRetainUntil,
  parseRetainUntil,
  rotate,
  type CertificateState,
  type RotationPolicy,
} from './rotation.ts';
import { writeServingFiles } from './serving-files.ts';

/** Label on the Secret so operators can find what wrote it. */
export const MANAGED_BY_LABEL = { 'app.kubernetes.io/managed-by': 'ack-secret-injector' } as const;

/** Options for {@link runSelfManagedCertificates}; the Kubernetes client is built from `kubeConfig`. */
export interface SelfManagedOptions {
  kubeConfig: KubeConfig;
  /** The webhook's own namespace: where the Secret and the Lease live. */
  namespace: string;
  secretName: string;
  webhookConfigName: string;
  /** The webhook Service, for the serving certificate's DNS names. */
  serviceName: string;
  leaseName: string;
  /** This replica's unique identity (the pod name). */
  identity: string;
  /** Folder for tls.crt/tls.key, watched by the server. */
  outDir: string;
  logger: Logger;
  signal: AbortSignal;
  now?: () => Date;
  extraDnsNames?: readonly string[];
  ipAddresses?: readonly string[];
  caLifetimeMs?: number;
  servingLifetimeMs?: number;
  leaseDurationSeconds?: number;
  retryPeriodMs?: number;
  /** Called after each tick that wrote new files into outDir (e.g. to update an expiry metric). */
  onFilesWritten?: (info: { notAfter: Date; subject: string }) => void;
}

/** {@link SelfManagedOptions} with the Kubernetes calls passed in instead of a KubeConfig. */
export type CertificateManagerOptions = Omit<SelfManagedOptions, 'kubeConfig' | 'signal' | 'onFilesWritten'> & { api: CertificateKubeApi };

/** What one tick did, for logs and tests. */
export interface TickResult {
  leader: boolean;
  holder: string;
  /** The rotation decision, when this replica leads. */
  action?: RotationAction;
  secretWritten: boolean;
  caBundlePatched: boolean;
  filesWritten: boolean;
  /** Subject and expiry of the serving certificate now in outDir (when there is one). */
  serving?: { notAfter: Date; subject: string };
}

/** One tick at a time, and a way to give up the Lease. */
export interface CertificateManager {
  tick(): Promise<TickResult>;
  release(): Promise<void>;
}

/**
 * Builds the tick logic. Steps of one tick:
 * 1. Try to acquire or renew the Lease.
 * 2. As holder: read the Secret, plan and execute rotation, write the Secret when it changed
 *    (create when absent; a 409 means another writer raced us, so this tick writes nothing).
 * 3. As holder: make every webhook's caBundle equal the Secret's `ca.crt`.
 * 4. Every replica: write the serving pair into outDir when it differs from what is there.
 */
export function createCertificateManager(options: CertificateManagerOptions): CertificateManager {
  const now = options.now ?? (() => new Date());
  const elector = createLeaseElector({
    api: options.api,
    namespace: options.namespace,
    name: options.leaseName,
    identity: options.identity,
    leaseDurationSeconds: options.leaseDurationSeconds ?? DEFAULT_LEASE_DURATION_SECONDS,
  });
  const policy: RotationPolicy = {
    serviceName: options.serviceName,
    namespace: options.namespace,
    ...(options.extraDnsNames === undefined ? {} : { extraDnsNames: options.extraDnsNames }),
    ...(options.ipAddresses === undefined ? {} : { ipAddresses: options.ipAddresses }),
    ...(options.caLifetimeMs === undefined ? {} : { caLifetimeMs: options.caLifetimeMs }),
    ...(options.servingLifetimeMs === undefined ? {} : { servingLifetimeMs: options.servingLifetimeMs }),
  };
  const log = options.logger;

  async function tick(): Promise<TickResult> {
    const at = now();
    // 1. Lease.
    const election = await elector.tryAcquireOrRenew(at);
    if (election.event === 'acquired' || election.event === 'created') log.info({ lease: options.leaseName, identity: options.identity }, 'acquired the certificate Lease');
    const result: TickResult = { leader: election.leader, holder: election.holder, secretWritten: false, caBundlePatched: false, filesWritten: false };

    let secret = await options.api.getSecret(options.namespace, options.secretName);
    if (election.leader) {
      // 2. Plan, execute, store.
      const current = secret === undefined ? null : stateFromSecret(secret);
      const rotation = await rotate(current, policy, at);
      result.action = rotation.plan.action;
      if (rotation.changed) {
        const record = secretFromState(rotation.state, secret);
        try {
          secret = secret === undefined
            ? await options.api.createSecret(options.namespace, options.secretName, record)
            : await options.api.updateSecret(options.namespace, options.secretName, record);
          result.secretWritten = true;
          log.info({ secret: options.secretName, action: rotation.plan.action, reasons: rotation.plan.reasons, nextCheckAt: rotation.plan.nextCheckAt.toISOString() }, 'certificate Secret updated');
        } catch (err) {
          if (!isConflict(err)) throw err;
          log.warn({ secret: options.secretName }, 'certificate Secret changed concurrently; retrying next tick');
          secret = await options.api.getSecret(options.namespace, options.secretName);
        }
      }
      // 3. caBundle on every webhook.
      const bundle = secret?.data[SECRET_KEYS.caBundle];
      if (bundle !== undefined && bundle !== '') result.caBundlePatched = await syncCaBundle(bundle);
    }

    // 4. Files for the server.
    const pair = servingPair(secret);
    if (pair !== undefined) {
      result.filesWritten = await writeServingFiles(options.outDir, pair);
      const info = parseCertificatePem(pair.certPem);
      result.serving = { notAfter: info.notAfter, subject: info.subject };
      if (result.filesWritten) log.info({ dir: options.outDir, subject: info.subject, notAfter: info.notAfter.toISOString() }, 'serving certificate written');
    }
    return result;
  }

  async function syncCaBundle(bundle: string): Promise<boolean> {
    const config = await options.api.getWebhookCaBundles(options.webhookConfigName);
    if (config === undefined) {
      log.warn({ webhookConfiguration: options.webhookConfigName }, 'MutatingWebhookConfiguration not found; caBundle not set');
      return false;
    }
    if (config.caBundles.every((b) => b === bundle)) return false;
    try {
      await options.api.setWebhookCaBundles(options.webhookConfigName, config.resourceVersion, bundle, config.caBundles.length);
    } catch (err) {
      if (!isConflict(err)) throw err;
      log.warn({ webhookConfiguration: options.webhookConfigName }, 'MutatingWebhookConfiguration changed concurrently; retrying next tick');
      return false;
    }
    log.info({ webhookConfiguration: options.webhookConfigName, webhooks: config.caBundles.length }, 'caBundle updated');
    return true;
  }

  return { tick, release: () => elector.release(now()) };
}

/**
 * Runs the self-managed certificate loop until `signal` aborts: a tick every retry period (2s by
 * default); a failed tick is logged and retried on the next one, so an API server hiccup never
 * stops the loop. On abort the Lease is released so a peer takes over without waiting out the
 * lease duration. Resolves once stopped.
 */
export async function runSelfManagedCertificates(options: SelfManagedOptions): Promise<void> {
  const problems = validate(options);
  if (problems.length > 0) throw new InjectorError(ErrorCode.CONFIG, `invalid self-managed certificate options: ${problems.join('; ')}`);
  const { kubeConfig, signal, onFilesWritten, ...rest } = options;
  const manager = createCertificateManager({ ...rest, api: createKubeCertificateApi(kubeConfig) });
  await runCertificateLoop(manager, {
    signal,
    periodMs: options.retryPeriodMs ?? DEFAULT_RETRY_PERIOD_MS,
    logger: options.logger,
    ...(onFilesWritten === undefined ? {} : { onFilesWritten }),
  });
}

/** Options of {@link runCertificateLoop}. */
export interface CertificateLoopOptions {
  signal: AbortSignal;
  periodMs: number;
  logger: Logger;
  onFilesWritten?: (info: { notAfter: Date; subject: string }) => void;
}

/**
 * The loop around a {@link CertificateManager}. Steps: 1. tick, logging (not throwing) a failure;
 * 2. report newly written files; 3. sleep one period or until aborted; 4. after the abort,
 * release the Lease (a failure there only delays the takeover by one lease duration).
 */
export async function runCertificateLoop(manager: CertificateManager, options: CertificateLoopOptions): Promise<void> {
  const { signal, logger } = options;
  while (!signal.aborted) {
    // 1.–2.
    try {
      const result = await manager.tick();
      if (result.filesWritten && result.serving !== undefined) options.onFilesWritten?.(result.serving);
    } catch (err) {
      logger.error({ err: describe(err) }, 'certificate tick failed; retrying');
    }
    // 3.
    await sleepUnlessAborted(options.periodMs, signal);
  }
  // 4.
  try {
    await manager.release();
  } catch (err) {
    logger.warn({ err: describe(err) }, 'could not release the certificate Lease; it expires on its own');
  }
}

/**
 * Waits `ms` or until `signal` aborts, whichever comes first; never rejects. Built on the global
 * setTimeout (not timers/promises) so node:test mock timers drive it in tests.
 */
function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Reads the certificate state out of the Secret (decoded data keys plus the retain-until annotation). */
export function stateFromSecret(secret: SecretRecord): CertificateState {
  const state: CertificateState = { retainUntil: parseRetainUntil(secret.annotations[RETAIN_UNTIL_ANNOTATION]) };
  const d = secret.data;
  const cert = d[SECRET_KEYS.servingCert];
  const key = d[SECRET_KEYS.servingKey];
  const bundle = d[SECRET_KEYS.caBundle];
  const caKey = d[SECRET_KEYS.caKey];
  if (cert !== undefined) state.servingCertPem = cert;
  if (key !== undefined) state.servingKeyPem = key;
  if (bundle !== undefined) state.caBundlePem = bundle;
  if (caKey !== undefined) state.caKeyPem = caKey;
  return state;
}

/**
 * The Secret to write for `state`, keeping foreign labels/annotations of `existing`. A new Secret
 * is type kubernetes.io/tls; an existing one keeps its type, because `type` is immutable and an
 * update that changed it would be refused on every tick.
 */
export function secretFromState(state: Required<CertificateState>, existing: SecretRecord | undefined): SecretRecord {
  const record: SecretRecord = {
    type: existing?.type ?? 'kubernetes.io/tls',
    data: {
      [SECRET_KEYS.servingCert]: state.servingCertPem,
      [SECRET_KEYS.servingKey]: state.servingKeyPem,
      [SECRET_KEYS.caBundle]: state.caBundlePem,
      [SECRET_KEYS.caKey]: state.caKeyPem,
    },
    annotations: { ...(existing?.annotations ?? {}), [RETAIN_UNTIL_ANNOTATION]: formatRetainUntil(state.retainUntil) },
    labels: { ...(existing?.labels ?? {}), ...MANAGED_BY_LABEL },
  };
  if (existing?.resourceVersion !== undefined) record.resourceVersion = existing.resourceVersion;
  return record;
}

function servingPair(secret: SecretRecord | undefined): { certPem: string; keyPem: string } | undefined {
  const certPem = secret?.data[SECRET_KEYS.servingCert];
  const keyPem = secret?.data[SECRET_KEYS.servingKey];
  if (certPem === undefined || keyPem === undefined || certPem === '' || keyPem === '') return undefined;
  try {
    // Never hand the server a pair that cannot work (e.g. a Secret edited by hand).
    if (!keyMatchesCertificate(parseCertificatePem(certPem), keyPem)) return undefined;
  } catch {
    return undefined;
  }
  return { certPem, keyPem };
}

function validate(options: SelfManagedOptions): string[] {
  const problems: string[] = [];
  const required = ['namespace', 'secretName', 'webhookConfigName', 'serviceName', 'leaseName', 'identity', 'outDir'] as const;
  for (const key of required) {
    const value = options[key];
    if (typeof value !== 'string' || value === '') problems.push(`${key}: ${JSON.stringify(value)} is not accepted; expected a non-empty string`);
  }
  if (options.retryPeriodMs !== undefined && !(options.retryPeriodMs > 0)) problems.push(`retryPeriodMs: ${options.retryPeriodMs} is not accepted; expected a positive number`);
  const lease = options.leaseDurationSeconds ?? DEFAULT_LEASE_DURATION_SECONDS;
  const retry = options.retryPeriodMs ?? DEFAULT_RETRY_PERIOD_MS;
  if (!(lease * 1000 > retry)) problems.push(`leaseDurationSeconds: ${lease} is not accepted; it must be longer than the retry period (${retry} ms)`);
  return problems;
}

function describe(err: unknown): Record<string, unknown> {
  if (err instanceof InjectorError) return { code: err.code, message: err.message, detail: err.detail };
  return { message: err instanceof Error ? err.message : String(err) };
}
