/**
 * The JSON Patch (RFC 6902) between the pod as submitted and the pod as mutated. Diffing the two
 * objects (fast-json-patch `compare`) instead of hand-writing operations avoids the empty-array
 * and escaping traps of hand-built patches (vault-agent-injector.md §2.4, §10): an absent array
 * becomes one `add` of the whole array, and `/` and `~` in keys such as
 * `secret-injector.alibabacloud.com/status` are escaped as `~1` and `~0` (RFC 6901 §3).
 */
import fastJsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';

/** One RFC 6902 operation, re-exported so callers need not import fast-json-patch. */
export type { Operation };

/** Operations that turn `original` into `mutated`; neither argument is modified. */
export function buildPatch(original: object, mutated: object): Operation[] {
  return fastJsonPatch.compare(original, mutated);
}

/** Applies `ops` to a deep copy of `document` (used by `mutate` to print the resulting pod). */
export function applyPatch<T extends object>(document: T, ops: readonly Operation[]): T {
  return fastJsonPatch.applyPatch(structuredClone(document), [...ops], true, false).newDocument;
}
