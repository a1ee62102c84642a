/**
 * The fixed response vocabulary of the admission core (STYLE.md item 3). Every builder echoes the
 * request uid: the API server rejects a response whose uid does not match its request.
 */
import type { Operation as PatchOperation } from 'fast-json-patch';
import { InjectorError } from '../../common/errors.ts';
import { reviewWithResponse, type AdmissionResponse } from './admission-review.ts';

/** Allow the object unchanged. */
export function allowed(uid: string, warnings?: readonly string[]): AdmissionResponse {
  return { uid, allowed: true, ...(warnings !== undefined && warnings.length > 0 ? { warnings: [...warnings] } : {}) };
}

/**
 * Stable reason codes of the admission core's denials. `denied()` puts one in the response's
 * `status.reason`, so the server can count `denials_total{reason}` by kind and a client can tell
 * kinds apart without parsing the message (docs/annotations.md lists them for users,
 * docs/server.md for the metric). Values never change once released: dashboards and alerts key
 * on them. Kebab-case like the server's own codes (`invalid-review`, ...), so one label
 * vocabulary covers every refusal.
 */
export const DenialReason = {
  /** A pod annotation (or a combination of them) is invalid or missing. */
  INVALID_ANNOTATION: 'invalid-annotation',
  /** The pod spec clashes with what would be injected (volume names, the health port, notify-signal needs). */
  POD_CONFLICT: 'pod-conflict',
  /** The pod has more containers or volumes than admission handles (webhook/admission/limits.ts), denied before any other check. */
  POD_TOO_LARGE: 'pod-too-large',
  /** An ExternalSecret named in the annotation does not exist in the pod's namespace. */
  EXTERNAL_SECRET_NOT_FOUND: 'external-secret-not-found',
  /** An ExternalSecret exists but cannot be used as written (provider, entries, store reference fields). */
  INVALID_EXTERNAL_SECRET: 'invalid-external-secret',
  /** A `kmsEndpoint` is not a KMS endpoint (kms-endpoint.ts). */
  INVALID_KMS_ENDPOINT: 'invalid-kms-endpoint',
  /** A referenced SecretStore or ClusterSecretStore does not exist. */
  SECRET_STORE_NOT_FOUND: 'secret-store-not-found',
  /** A store exists but its auth section is unusable (bad ARN, half an AccessKey pair, wrong provider, ...). */
  INVALID_SECRET_STORE: 'invalid-secret-store',
  /** A `secretStoreRef` points at a SecretStore in another namespace. */
  CROSS_NAMESPACE_STORE: 'cross-namespace-store',
  /** A ClusterSecretStore's conditions do not admit the namespace (or are invalid: fail-closed). */
  CLUSTER_STORE_NOT_ALLOWED: 'cluster-store-not-allowed',
  /** A store's `serviceAccountRef` names a ServiceAccount other than the pod's own. */
  FOREIGN_SERVICE_ACCOUNT: 'foreign-service-account',
  /** A store's AccessKey Secret reference points into another namespace. */
  CROSS_NAMESPACE_SECRET: 'cross-namespace-secret',
  /** The pod's role is needed but its ServiceAccount is missing or gives no usable RAM role. */
  NO_ROLE: 'no-role',
  /** Two ClusterExternalSecrets claim the same ExternalSecret name in the pod's namespace. */
  AMBIGUOUS_EXTERNAL_SECRET: 'ambiguous-external-secret',
} as const;
/** One of DenialReason. */
export type DenialReason = (typeof DenialReason)[keyof typeof DenialReason];

/** One problem that denies the pod: the text the user reads, and its stable code. */
export interface Problem {
  reason: DenialReason;
  message: string;
}

/**
 * Refuse the pod. Code 403, as the API server itself reports policy refusals; `reason` is the
 * stable code (a metav1.Status `reason` outside the built-in StatusReasons: client-go's
 * `IsForbidden` then goes by the 403 code, k8s.io/apimachinery/pkg/api/errors). The API server
 * passes the Status through (k8s.io/apiserver webhook/errors `ToStatusErr`), and kubectl prints
 * `admission webhook ... denied the request: <message>`.
 */
export function denied(uid: string, message: string, reason: DenialReason): AdmissionResponse {
  return { uid, allowed: false, status: { code: 403, reason, message } };
}

/**
 * The base64 text of each response `patched()` built, by response: `admissionReviewJson` writes such a
 * patch into the JSON text as it is, since it knows the text came out of base64 encoding.
 */
const BASE64_PATCHES = new WeakMap<AdmissionResponse, string>();

/** Allow with a JSON Patch (RFC 6902), base64-encoded as AdmissionResponse.patch requires. */
export function patched(uid: string, ops: readonly PatchOperation[], warnings: readonly string[] = []): AdmissionResponse {
  const patch = Buffer.from(JSON.stringify(ops), 'utf8').toString('base64');
  const response: AdmissionResponse = {
    uid,
    allowed: true,
    patchType: 'JSONPatch',
    patch,
    ...(warnings.length > 0 ? { warnings: [...warnings] } : {}),
  };
  BASE64_PATCHES.set(response, patch);
  return response;
}

/** What `admissionReviewJson` writes in place of the patch, then replaces. */
const PATCH_PLACEHOLDER = '"patch":""';
/** The keys `patched()` gives a response, in its order, up to the patch. */
const KEYS_UP_TO_PATCH = ['uid', 'allowed', 'patchType', 'patch'] as const;

/**
 * The JSON text of the AdmissionReview that carries `response` (`reviewWithResponse`), exactly as
 * JSON.stringify writes it. Why not just JSON.stringify: the patch is a 7 KB base64 string, and
 * JSON.stringify checks each of its characters for escaping, which cost as much as the rest of the
 * reply (docs/benchmarks.md, webhook profile). The base64 alphabet (RFC 4648 §4) holds no
 * character JSON escapes (RFC 8259 §7). So for a response `patched()` made, whose patch and key
 * order are unchanged since, the text is the review with an empty patch and the patch put between
 * the quotes. The first placeholder in that text is the patch key itself: before it come only the
 * envelope's constants and uid, allowed and patchType, and inside a string value a `"` is always
 * escaped. Any other response is written by JSON.stringify.
 */
export function admissionReviewJson(response: AdmissionResponse): string {
  const patch = BASE64_PATCHES.get(response);
  const keys = Object.keys(response);
  if (patch === undefined || response.patch !== patch || !KEYS_UP_TO_PATCH.every((k, i) => keys[i] === k)) return JSON.stringify(reviewWithResponse(response));
  const text = JSON.stringify(reviewWithResponse({ ...response, patch: '' }));
  const at = text.indexOf(PATCH_PLACEHOLDER);
  return `${text.slice(0, at)}"patch":"${patch}"${text.slice(at + PATCH_PLACEHOLDER.length)}`;
}

/** `status.reason` of `errored`: metav1.StatusReasonInternalError, as the API server reports its own 500s. */
export const ERRORED_REASON = 'InternalError';

/**
 * Something broke inside the core. This is a refusal (allowed: false, code 500), not a dropped
 * connection, so the user sees why; failurePolicy applies only to transport failures.
 */
export function errored(uid: string, err: unknown): AdmissionResponse {
  const detail = err instanceof InjectorError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
  return { uid, allowed: false, status: { code: 500, reason: ERRORED_REASON, message: `ack-secret-injector internal error: ${detail}` } };
}
