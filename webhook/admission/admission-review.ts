/**
 * AdmissionReview `admission.k8s.io/v1`, hand-written because @kubernetes/client-node has no
 * model for it (STYLE.md item 12), plus a validator that lists every problem of a malformed
 * review. Field names follow k8s.io/api/admission/v1/types.go.
 */
import { ErrorCode, InjectorError } from '../../common/errors.ts';
import { describeValue } from '../../common/excerpt.ts';

/** The only AdmissionReview version served; v1beta1 was removed from the API server in 1.22. */
export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';
/** `kind` of the envelope, in requests and responses alike. */
export const ADMISSION_KIND = 'AdmissionReview';

/** What kind of object the request is about (`{group: '', version: 'v1', kind: 'Pod'}`). */
export interface GroupVersionKind { group: string; version: string; kind: string }
/** Which resource was called (`{group: '', version: 'v1', resource: 'pods'}`). */
export interface GroupVersionResource { group: string; version: string; resource: string }

/** The admission operations; the webhook mutates only CREATE (vault-k8s #500 shows why not UPDATE). */
export const OPERATIONS = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'] as const;
/** One of OPERATIONS. */
export type Operation = (typeof OPERATIONS)[number];

/** Who sent the request (authentication.k8s.io UserInfo); informational only here. */
export interface UserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** The request half of a review: the object and the context of the call. */
export interface AdmissionRequest {
  /** Echoed in the response; the API server matches the two on it. */
  uid: string;
  kind: GroupVersionKind;
  resource: GroupVersionResource;
  subResource?: string;
  requestKind?: GroupVersionKind;
  requestResource?: GroupVersionResource;
  requestSubResource?: string;
  /** Empty for pods created with generateName. */
  name?: string;
  namespace?: string;
  operation: Operation;
  userInfo: UserInfo;
  object?: unknown;
  oldObject?: unknown;
  dryRun?: boolean;
  options?: unknown;
}

/** The metav1.Status subset the API server shows to the user on a refusal. */
export interface AdmissionStatus {
  /** HTTP-like status code shown by kubectl (403 for a denial, 500 for an internal error). */
  code?: number;
  message?: string;
  reason?: string;
}

/** The answer: allowed or not, optionally with a patch and warnings; `uid` must echo the request. */
export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: AdmissionStatus;
  /** base64 of the JSON Patch document. */
  patch?: string;
  patchType?: 'JSONPatch';
  auditAnnotations?: Record<string, string>;
  warnings?: string[];
}

/** The envelope the API server posts and expects back. */
export interface AdmissionReview {
  apiVersion: typeof ADMISSION_API_VERSION;
  kind: typeof ADMISSION_KIND;
  request?: AdmissionRequest;
  response?: AdmissionResponse;
}

/**
 * A namespace name: a DNS-1123 label (apimachinery ValidateNamespaceName). The API server only
 * sends existing namespaces; anything else is a forged review, refused before its namespace can
 * reach a message or a lookup.
 */
export const NAMESPACE_RE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkGv(p: string[], v: unknown, path: string, last: 'kind' | 'resource', required: boolean): void {
  if (v === undefined && !required) return;
  if (!isObject(v)) { p.push(`${path}: expected an object {group, version, ${last}}, got ${describeValue(v)}`); return; }
  if (typeof v.group !== 'string') p.push(`${path}.group: expected a string ("" for the core group), got ${describeValue(v.group)}`);
  for (const f of ['version', last]) {
    if (typeof v[f] !== 'string' || v[f] === '') p.push(`${path}.${f}: expected a non-empty string, got ${describeValue(v[f])}`);
  }
}

/**
 * Every problem with `body` as an AdmissionReview v1 request; empty when valid. A wrong value is
 * described by describeValue (bounded, not recursive), so any body the parser accepted, however
 * deep or large, gets a short list of problems.
 */
export function validateAdmissionReview(body: unknown): string[] {
  const p: string[] = [];
  if (!isObject(body)) return [`AdmissionReview: expected a JSON object, got ${body === null ? 'null' : Array.isArray(body) ? 'an array' : typeof body}`];
  if (body.apiVersion !== ADMISSION_API_VERSION) {
    p.push(`apiVersion: expected "${ADMISSION_API_VERSION}" (set admissionReviewVersions: ["v1"] in the MutatingWebhookConfiguration), got ${describeValue(body.apiVersion)}`);
  }
  if (body.kind !== ADMISSION_KIND) p.push(`kind: expected "${ADMISSION_KIND}", got ${describeValue(body.kind)}`);
  const r = body.request;
  if (!isObject(r)) {
    p.push(`request: expected an object, got ${describeValue(r)}`);
    return p;
  }
  if (typeof r.uid !== 'string' || r.uid === '') p.push(`request.uid: expected a non-empty string, got ${describeValue(r.uid)}`);
  checkGv(p, r.kind, 'request.kind', 'kind', true);
  checkGv(p, r.resource, 'request.resource', 'resource', true);
  checkGv(p, r.requestKind, 'request.requestKind', 'kind', false);
  checkGv(p, r.requestResource, 'request.requestResource', 'resource', false);
  for (const f of ['subResource', 'requestSubResource', 'name', 'namespace']) {
    if (r[f] !== undefined && typeof r[f] !== 'string') p.push(`request.${f}: expected a string, got ${describeValue(r[f])}`);
  }
  if (typeof r.namespace === 'string' && r.namespace !== '' && !NAMESPACE_RE.test(r.namespace)) {
    p.push(`request.namespace: expected a namespace name (a DNS-1123 label of at most 63 characters), got ${describeValue(r.namespace)}`);
  }
  if (typeof r.operation !== 'string' || !(OPERATIONS as readonly string[]).includes(r.operation)) {
    p.push(`request.operation: expected one of ${OPERATIONS.join(', ')}, got ${describeValue(r.operation)}`);
  }
  if (!isObject(r.userInfo)) p.push(`request.userInfo: expected an object, got ${describeValue(r.userInfo)}`);
  for (const f of ['object', 'oldObject']) {
    if (r[f] !== undefined && r[f] !== null && !isObject(r[f])) p.push(`request.${f}: expected an object or null, got ${describeValue(r[f])}`);
  }
  if (r.dryRun !== undefined && typeof r.dryRun !== 'boolean') p.push(`request.dryRun: expected a boolean, got ${describeValue(r.dryRun)}`);
  return p;
}

/** Validates and returns the review; throws E_INPUT listing every problem. */
export function parseAdmissionReview(body: unknown): AdmissionReview {
  const problems = validateAdmissionReview(body);
  if (problems.length > 0) {
    throw new InjectorError(ErrorCode.INPUT, `malformed AdmissionReview (${problems.length} problem${problems.length === 1 ? '' : 's'}): ${problems.join('; ')}`);
  }
  return body as AdmissionReview;
}

/** The request uid of a possibly malformed review, so even an error reply can echo it ("" if absent). */
export function requestUid(body: unknown): string {
  if (isObject(body) && isObject(body.request) && typeof body.request.uid === 'string') return body.request.uid;
  return '';
}

/** Wraps a response in the AdmissionReview envelope the API server expects back. */
export function reviewWithResponse(response: AdmissionResponse): AdmissionReview {
  return { apiVersion: ADMISSION_API_VERSION, kind: ADMISSION_KIND, response };
}
