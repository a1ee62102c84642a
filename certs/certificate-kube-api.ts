/**
 * The few Kubernetes calls the self-managed certificate loop makes, behind a small interface so
 * the loop's logic is unit-tested against an in-memory implementation and end-to-end tested
 * against a real kube-apiserver with {@link createKubeCertificateApi}.
 *
 * Every call names exactly one object; the chart's RBAC grants exactly these verbs on exactly
 * these names (charts/ack-secret-injector/templates/rbac.yaml).
 */
import {
  AdmissionregistrationV1Api,
  CoordinationV1Api,
  CoreV1Api,
  V1MicroTime,
  type KubeConfig,
  type V1Lease,
  type V1Secret,
} from '@kubernetes/client-node';
import { ErrorCode, InjectorError } from '../common/errors.ts';

/** A coordination.k8s.io/v1 Lease, reduced to the fields leader election uses. */
export interface LeaseRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime?: Date;
  renewTime?: Date;
  leaseTransitions: number;
  /** Optimistic-concurrency token; absent on create. */
  resourceVersion?: string;
}

/** A Secret: `data` values are decoded text (PEM), not base64. */
export interface SecretRecord {
  type: string;
  data: Record<string, string>;
  annotations: Record<string, string>;
  labels: Record<string, string>;
  resourceVersion?: string;
}

/** The caBundle of each webhook of a MutatingWebhookConfiguration, decoded to PEM ('' when unset). */
export interface WebhookCaBundles {
  resourceVersion: string;
  caBundles: string[];
}

/** What certs/self-managed.ts needs from the cluster. Conflicts throw {@link conflictError}. */
export interface CertificateKubeApi {
  getLease(namespace: string, name: string): Promise<LeaseRecord | undefined>;
  createLease(namespace: string, name: string, lease: LeaseRecord): Promise<LeaseRecord>;
  /** Replaces the Lease; `lease.resourceVersion` must be the one read (409 otherwise). */
  updateLease(namespace: string, name: string, lease: LeaseRecord): Promise<LeaseRecord>;
  getSecret(namespace: string, name: string): Promise<SecretRecord | undefined>;
  createSecret(namespace: string, name: string, secret: SecretRecord): Promise<SecretRecord>;
  /** Replaces the Secret; `secret.resourceVersion` must be the one read (409 otherwise). */
  updateSecret(namespace: string, name: string, secret: SecretRecord): Promise<SecretRecord>;
  getWebhookCaBundles(name: string): Promise<WebhookCaBundles | undefined>;
  /** Sets the same caBundle on every webhook, only if the object is still at `resourceVersion`. */
  setWebhookCaBundles(name: string, resourceVersion: string, caBundlePem: string, webhookCount: number): Promise<void>;
}

/** HTTP 409: someone else changed the object since it was read; retry on the next tick. */
export const HTTP_CONFLICT = 409;

/** The error every implementation throws for a lost optimistic-concurrency race. */
export function conflictError(kind: string, name: string, cause?: unknown): InjectorError {
  return new InjectorError(ErrorCode.KUBE, `${kind} ${name} was changed concurrently`, {
    retryable: true,
    detail: { status: HTTP_CONFLICT, kind, name },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** True for the error of a lost optimistic-concurrency race (create of an existing object included). */
export function isConflict(err: unknown): boolean {
  return err instanceof InjectorError && err.code === ErrorCode.KUBE && err.detail['status'] === HTTP_CONFLICT;
}

/** The real implementation on @kubernetes/client-node 2.x. */
export function createKubeCertificateApi(kubeConfig: KubeConfig): CertificateKubeApi {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const coordination = kubeConfig.makeApiClient(CoordinationV1Api);
  const admission = kubeConfig.makeApiClient(AdmissionregistrationV1Api);
  return {
    async getLease(namespace, name) {
      const lease = await orUndefined(() => coordination.readNamespacedLease({ namespace, name }), 'Lease', name);
      return lease === undefined ? undefined : fromLease(lease);
    },
    async createLease(namespace, name, lease) {
      return fromLease(await call(() => coordination.createNamespacedLease({ namespace, body: toLease(namespace, name, lease) }), 'Lease', name));
    },
    async updateLease(namespace, name, lease) {
      return fromLease(await call(() => coordination.replaceNamespacedLease({ namespace, name, body: toLease(namespace, name, lease) }), 'Lease', name));
    },
    async getSecret(namespace, name) {
      const secret = await orUndefined(() => core.readNamespacedSecret({ namespace, name }), 'Secret', name);
      return secret === undefined ? undefined : fromSecret(secret);
    },
    async createSecret(namespace, name, secret) {
      return fromSecret(await call(() => core.createNamespacedSecret({ namespace, body: toSecret(namespace, name, secret) }), 'Secret', name));
    },
    async updateSecret(namespace, name, secret) {
      return fromSecret(await call(() => core.replaceNamespacedSecret({ namespace, name, body: toSecret(namespace, name, secret) }), 'Secret', name));
    },
    async getWebhookCaBundles(name) {
      const config = await orUndefined(() => admission.readMutatingWebhookConfiguration({ name }), 'MutatingWebhookConfiguration', name);
      if (config === undefined) return undefined;
      return {
        resourceVersion: config.metadata?.resourceVersion ?? '',
        caBundles: (config.webhooks ?? []).map((w) => Buffer.from(w.clientConfig.caBundle ?? '', 'base64').toString('utf8')),
      };
    },
    async setWebhookCaBundles(name, resourceVersion, caBundlePem, webhookCount) {
      // A JSON patch (the client's default patch type) whose first op tests the resourceVersion:
      // the apiserver applies all ops or none, so a webhook added concurrently is never missed.
      const value = Buffer.from(caBundlePem, 'utf8').toString('base64');
      const body = [
        { op: 'test', path: '/metadata/resourceVersion', value: resourceVersion },
        ...Array.from({ length: webhookCount }, (_, i) => ({ op: 'add', path: `/webhooks/${i}/clientConfig/caBundle`, value })),
      ];
      await call(() => admission.patchMutatingWebhookConfiguration({ name, body }), 'MutatingWebhookConfiguration', name);
    },
  };
}

function fromLease(lease: V1Lease): LeaseRecord {
  const spec = lease.spec ?? {};
  const record: LeaseRecord = {
    holderIdentity: spec.holderIdentity ?? '',
    leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
    leaseTransitions: spec.leaseTransitions ?? 0,
  };
  if (spec.acquireTime !== undefined) record.acquireTime = new Date(spec.acquireTime as unknown as string | Date);
  if (spec.renewTime !== undefined) record.renewTime = new Date(spec.renewTime as unknown as string | Date);
  if (lease.metadata?.resourceVersion !== undefined) record.resourceVersion = lease.metadata.resourceVersion;
  return record;
}

function toLease(namespace: string, name: string, record: LeaseRecord): V1Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace, ...(record.resourceVersion === undefined ? {} : { resourceVersion: record.resourceVersion }) },
    spec: {
      holderIdentity: record.holderIdentity,
      leaseDurationSeconds: record.leaseDurationSeconds,
      leaseTransitions: record.leaseTransitions,
      // MicroTime must be serialised with microseconds (metav1.RFC3339Micro); V1MicroTime does that.
      ...(record.acquireTime === undefined ? {} : { acquireTime: new V1MicroTime(record.acquireTime) }),
      ...(record.renewTime === undefined ? {} : { renewTime: new V1MicroTime(record.renewTime) }),
    },
  };
}

function fromSecret(secret: V1Secret): SecretRecord {
  const record: SecretRecord = {
    type: secret.type ?? 'Opaque',
    data: Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')])),
    annotations: { ...(secret.metadata?.annotations ?? {}) },
    labels: { ...(secret.metadata?.labels ?? {}) },
  };
  if (secret.metadata?.resourceVersion !== undefined) record.resourceVersion = secret.metadata.resourceVersion;
  return record;
}

function toSecret(namespace: string, name: string, record: SecretRecord): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: record.type,
    metadata: {
      name,
      namespace,
      annotations: record.annotations,
      labels: record.labels,
      ...(record.resourceVersion === undefined ? {} : { resourceVersion: record.resourceVersion }),
    },
    data: Object.fromEntries(Object.entries(record.data).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')])),
  };
}

function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

async function call<T>(fn: () => Promise<T>, kind: string, name: string): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const status = statusOf(err);
    // 409 Conflict: a stale resourceVersion, AlreadyExists, or a failed JSON-patch `test` op on
    // metadata.resourceVersion (the API server answers that with 409 too).
    if (status === HTTP_CONFLICT) throw conflictError(kind, name, err);
    throw new InjectorError(ErrorCode.KUBE, `${kind} ${name}: the Kubernetes API answered ${status ?? 'with a network error'}`, {
      retryable: true,
      cause: err,
      detail: { kind, name, ...(status === undefined ? {} : { status }) },
    });
  }
}

async function orUndefined<T>(fn: () => Promise<T>, kind: string, name: string): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    return call(() => Promise.reject(err), kind, name);
  }
}
