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

/** What `views` fills while it walks: stand-ins by JSON pointer, and the pure appends by their array's pointer. */
interface ViewState {
  /** Values replaced by an empty stand-in, by the JSON pointer `compare` will emit them at. */
  standIns: Map<string, unknown>;
  /** Arrays that only grew at the end: pointer → how many elements they kept (see `views`). */
  appends: Map<string, number>;
}

/**
 * True when `after` is `before` with elements appended: every element of `before` is the same
 * value (or the same object) at the same index of `after`, as webhook/pod/mutated-pod.ts leaves
 * the volumes, containers and mounts it extends. One pass of reference comparisons.
 */
function isPureAppend(before: unknown[], after: unknown[]): boolean {
  if (after.length <= before.length) return false;
  for (let i = 0; i < before.length; i++) if (after[i] !== before[i]) return false;
  return true;
}

/**
 * The documents `compare` is handed instead of (`before`, `after`): equal to them for what
 * `compare` decides, but cheaper to diff and to copy.
 * 1. Every value `compare` would emit whole (an `add` or `replace`) is an empty stand-in of the
 *    same kind in the after view; `state.standIns` keeps the real value under its JSON pointer
 *    (escaped as `compare` escapes it). Objects with a `toJSON` are kept whole, since `compare`
 *    diffs what `toJSON` returns.
 * 2. Subtrees shared with `before` (the same object, which webhook/pod/mutated-pod.ts leaves in
 *    place of everything it does not change) are kept as they are: `compare` stops at them at once.
 * 3. An array that only grew at the end (isPureAppend) becomes `[]` in the before view and only
 *    its new elements in the after view, so `compare` emits just their `add`s (in order, at the
 *    same place in the operation list) without walking the kept elements, each of which costs it
 *    a path string; `state.appends` records the offset that restores their indexes. This keeps a
 *    pod with tens of thousands of mounts as cheap as its new elements (issue 13).
 * The before view is copied only along the paths to such arrays; elsewhere it is `before` itself.
 */
function views(before: Json, after: Json, pointer: string, state: ViewState): [Json, Json] {
  if (typeof (after as { toJSON?: unknown }).toJSON === 'function') return [before, after];
  // 3.
  if (Array.isArray(before) && Array.isArray(after) && isPureAppend(before, after)) {
    state.appends.set(pointer, before.length);
    const added = new Array<unknown>(after.length - before.length);
    for (let i = before.length; i < after.length; i++) added[i - before.length] = standIn(after[i], `${pointer}/${i}`, state);
    return [[], added];
  }
  let beforeView: Json = before;
  const step = (key: string, next: unknown): unknown => {
    const prev = Object.hasOwn(before, key) ? (before as Record<string, unknown>)[key] : undefined;
    // 2.
    if (!isContainer(next) || next === prev) return next;
    const path = `${pointer}/${fastJsonPatch.escapePathComponent(key)}`;
    if (!comparedInside(prev, next)) return standIn(next, path, state);
    const [prevView, nextView] = views(prev, next, path, state);
    if (prevView !== prev) {
      if (beforeView === before) beforeView = Array.isArray(before) ? [...before] : { ...before };
      setOwn(beforeView, key, prevView);
    }
    return nextView;
  };
  if (Array.isArray(after)) {
    const view = new Array<unknown>(after.length);
    for (let i = 0; i < after.length; i++) view[i] = step(String(i), after[i]);
    return [beforeView, view];
  }
  const view: Record<string, unknown> = {};
  for (const key of Object.keys(after)) setOwn(view, key, step(key, after[key]));
  return [beforeView, view];
}

/** 1. `value` itself when `compare` copies nothing of it (a primitive), else an empty stand-in recorded under `path`. */
function standIn(value: unknown, path: string, state: ViewState): unknown {
  if (!isContainer(value)) return value;
  state.standIns.set(path, value);
  return Array.isArray(value) ? [] : {};
}

/** `target[key] = value`, keeping an own "__proto__" key (JSON.parse makes one) a key: assigning it would set the prototype. */
function setOwn(target: Json, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else (target as Record<string, unknown>)[key] = value;
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
 * of an admission once the pod itself was no longer copied (docs/benchmarks.md, webhook profile);
 * and it builds a path string for every element of every array it walks, even unchanged ones.
 * Steps: 1. hand `compare` the two views (`views`), so it decides the operations (kinds, paths,
 * escaping, order) exactly as for the real documents but copies only stand-ins and walks only
 * what changed; 2. restore the index of each element added to a pure append, then put the real
 * value back into each operation whose path is a stand-in's. The result equals
 * `compare(original, mutated)` for JSON documents (test/unit/webhook-patch.test.ts checks that on
 * every shape).
 */
export function buildPatch(original: object, mutated: object): Operation[] {
  if (original === mutated || !comparedInside(original, mutated as Json)) return fastJsonPatch.compare(original, mutated);
  // 1.
  const state: ViewState = { standIns: new Map(), appends: new Map() };
  const [originalView, mutatedView] = views(original as Json, mutated as Json, '', state);
  const ops = fastJsonPatch.compare(originalView, mutatedView);
  // 2.
  for (const op of ops) {
    if (op.op !== 'add' && op.op !== 'replace') continue;
    const slash = op.path.lastIndexOf('/');
    const offset = state.appends.get(op.path.slice(0, slash));
    if (offset !== undefined) op.path = `${op.path.slice(0, slash)}/${offset + Number(op.path.slice(slash + 1))}`;
    if (state.standIns.has(op.path)) op.value = state.standIns.get(op.path);
  }
  return ops;
}

/** Applies `ops` to a deep copy of `document` (used by `mutate` to print the resulting pod). */
export function applyPatch<T extends object>(document: T, ops: readonly Operation[]): T {
  return fastJsonPatch.applyPatch(structuredClone(document), [...ops], true, false).newDocument;
}
