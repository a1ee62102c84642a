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

type Json = Record<string, unknown> | unknown[];

function isContainer(v: unknown): v is Json {
  return typeof v === 'object' && v !== null;
}

/**
 * What `compare` descends into: two non-null objects of the same kind (both arrays or both not),
 * the test in fast-json-patch's `_generate` (src/duplex.ts). Anywhere else it emits the new value
 * whole, as one `add` or `replace`.
 */
function comparedInside(before: unknown, after: Json): before is Json {
  return isContainer(before) && Array.isArray(before) === Array.isArray(after);
}

/**
 * `after` as `compare` will see it, with every value it would emit whole replaced by an empty
 * object or array of the same kind; `standIns` receives each replaced value under its JSON pointer
 * (escaped as `compare` escapes it). Subtrees shared with `before` (the same object, which
 * webhook/pod/mutated-pod.ts leaves in place of everything it does not change) are kept as they are:
 * `compare` stops at them at once. Objects with a `toJSON` are kept whole, since `compare`
 * diffs what `toJSON` returns.
 */
function withStandIns(before: Json, after: Json, pointer: string, standIns: Map<string, unknown>): Json {
  if (typeof (after as { toJSON?: unknown }).toJSON === 'function') return after;
  const step = (key: string, next: unknown): unknown => {
    const prev = Object.hasOwn(before, key) ? (before as Record<string, unknown>)[key] : undefined;
    if (!isContainer(next) || next === prev) return next;
    const path = `${pointer}/${fastJsonPatch.escapePathComponent(key)}`;
    if (comparedInside(prev, next)) return withStandIns(prev, next, path, standIns);
    standIns.set(path, next);
    return Array.isArray(next) ? [] : {};
  };
  if (Array.isArray(after)) {
    const view = new Array<unknown>(after.length);
    for (let i = 0; i < after.length; i++) view[i] = step(String(i), after[i]);
    return view;
  }
  const view: Record<string, unknown> = {};
  for (const key of Object.keys(after)) {
    // An own "__proto__" key (JSON.parse makes one) must stay a key: assigning it would set the prototype.
    if (key === '__proto__') Object.defineProperty(view, key, { value: step(key, after[key]), enumerable: true, writable: true, configurable: true });
    else view[key] = step(key, after[key]);
  }
  return view;
}

/**
 * Operations that turn `original` into `mutated`, computed by fast-json-patch `compare`; neither
 * argument is modified. The operation values that are objects are `mutated`'s own subtrees, not
 * copies, so do not change `mutated` while the operations are in use (the webhook serialises them
 * at once).
 *
 * Why not `compare(original, mutated)` alone: `compare` deep-copies every value it emits
 * (JSON.stringify + JSON.parse, fast-json-patch `_deepClone`), and the injector containers carry
 * the whole injector config as a JSON string in their env, so those copies were the largest cost
 * of an admission once the pod itself was no longer copied (docs/benchmarks.md, webhook profile).
 * Steps: 1. hand `compare` a view of `mutated` in which each value it would emit whole is an empty
 * stand-in of the same kind, so it decides the operations (kinds, paths, escaping, order) exactly
 * as for `mutated` but copies only the stand-ins; 2. put the real value back into each operation
 * whose path is a stand-in's. The result equals `compare(original, mutated)` for JSON documents
 * (test/unit/webhook-patch.test.ts checks that on every shape).
 */
export function buildPatch(original: object, mutated: object): Operation[] {
  if (original === mutated || !comparedInside(original, mutated as Json)) return fastJsonPatch.compare(original, mutated);
  // 1.
  const standIns = new Map<string, unknown>();
  const ops = fastJsonPatch.compare(original, withStandIns(original as Json, mutated as Json, '', standIns));
  // 2.
  for (const op of ops) {
    if ((op.op === 'add' || op.op === 'replace') && standIns.has(op.path)) op.value = standIns.get(op.path);
  }
  return ops;
}

/** Applies `ops` to a deep copy of `document` (used by `mutate` to print the resulting pod). */
export function applyPatch<T extends object>(document: T, ops: readonly Operation[]): T {
  return fastJsonPatch.applyPatch(structuredClone(document), [...ops], true, false).newDocument;
}
