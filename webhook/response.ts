/**
 * The fixed response vocabulary of the admission core (STYLE.md item 3). Every builder echoes the
 * request uid: the API server rejects a response whose uid does not match its request.
 */
import type { Operation as PatchOperation } from 'fast-json-patch';
import { InjectorError } from '../common/errors.ts';
import type { AdmissionResponse } from './admission-review.ts';

/** Allow the object unchanged. */
export function allowed(uid: string, warnings?: readonly string[]): AdmissionResponse {
  return { uid, allowed: true, ...(warnings !== undefined && warnings.length > 0 ? { warnings: [...warnings] } : {}) };
}

/**
 * Refuse the pod. Code 403 with reason Forbidden, as the API server itself reports policy
 * refusals; kubectl prints `admission webhook ... denied the request: <message>`.
 */
export function denied(uid: string, message: string): AdmissionResponse {
  return { uid, allowed: false, status: { code: 403, reason: 'Forbidden', message } };
}

/** Allow with a JSON Patch (RFC 6902), base64-encoded as AdmissionResponse.patch requires. */
export function patched(uid: string, ops: readonly PatchOperation[], warnings: readonly string[] = []): AdmissionResponse {
  return {
    uid,
    allowed: true,
    patchType: 'JSONPatch',
    patch: Buffer.from(JSON.stringify(ops), 'utf8').toString('base64'),
    ...(warnings.length > 0 ? { warnings: [...warnings] } : {}),
  };
}

/**
 * Something broke inside the core. This is a refusal (allowed: false, code 500), not a dropped
 * connection, so the user sees why; failurePolicy applies only to transport failures.
 */
export function errored(uid: string, err: unknown): AdmissionResponse {
  const detail = err instanceof InjectorError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
  return { uid, allowed: false, status: { code: 500, reason: 'InternalError', message: `ack-secret-injector internal error: ${detail}` } };
}
