/**
 * Checks an ack-secret-manager object against the field inventory (contract/crd-fields.ts) before
 * anything reads it, so no malformed shape reaches the planner as an `internal error` and no field
 * a user sets is dropped in silence (issue 17):
 *
 * - a value of the wrong JSON type is a problem naming the field path, the value's type and what
 *   is accepted (a `namespaces: "shop-prod"` string would otherwise substring-match `shop`);
 * - a missing required field is a problem;
 * - a field whose fate is `denied` is a problem carrying the field's reason;
 * - a field whose fate is `warned`, when set, is a warning carrying the reason;
 * - a key that is not a field but equals one ignoring case is read as that field, as Go's
 *   encoding/json matches object keys (https://pkg.go.dev/encoding/json#Unmarshal: "preferring
 *   an exact match but also accepting a case-insensitive match"), with a warning giving the exact
 *   spelling (client-go's decoder and a CRD's structural schema are case-sensitive);
 * - any other unknown key is a warning naming the nearest known field.
 *
 * JSON `null` is treated as absent, as Go's decoder leaves the zero value. `status` is the
 * controller's and is not checked. Work is linear in the object; messages quote bounded
 * excerpts and lists are capped (STYLE.md §17).
 */
import { jsonExcerpt } from '../common/excerpt.ts';
import { CRD_FIELDS, type CrdKind, type Field, type Shape } from './crd-fields.ts';

/** At most this many problems and warnings are listed per object; the rest are counted. */
export const MAX_SHAPE_MESSAGES = 20;
/** Longest quoted excerpt of a value or key in a message. */
const EXCERPT = 60;

/** The checked object (unknown keys dropped, case-insensitive matches renamed), with what was found. */
export interface ShapeResult {
  /** The normalised object; fields with problems are left out. */
  object: Record<string, unknown>;
  problems: string[];
  warnings: string[];
}

/**
 * A bounded, JSON-quoted excerpt of any value, in bounded work: serialising stops at the cap
 * (common/excerpt.ts jsonExcerpt), so a 1 MB value in a CRD field costs no more than a short one.
 */
export function excerpt(v: unknown): string {
  return jsonExcerpt(v, EXCERPT);
}

function typeOf(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

function accepted(s: Shape): string {
  switch (s.type) {
    case 'string': return s.enum === undefined ? 'a string' : `one of ${s.enum.filter((e) => e !== '').map((e) => JSON.stringify(e)).join(', ')}`;
    case 'duration': return 'a Go duration string such as "90s" or "5m"';
    case 'boolean': return 'true or false';
    case 'integer': return 'an integer';
    case 'map': return 'an object of string values';
    case 'array': return `a list, each ${accepted(s.items)}`;
    case 'object': return `an object with fields ${Object.keys(s.fields).slice(0, 8).join(', ')}${Object.keys(s.fields).length > 8 ? ', …' : ''}`;
  }
}

/** Levenshtein distance, case-insensitive; names are short (< 40 chars), so O(n·m) is tiny. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase().slice(0, 64);
  const y = b.toLowerCase().slice(0, 64);
  let prev = Array.from({ length: y.length + 1 }, (_, i) => i);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (x[i - 1] === y[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[y.length] ?? 0;
}

/** The known field nearest to `key`, when it is close enough to be a likely misspelling. */
export function nearestField(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(key, k);
    if (d < bestD) { best = k; bestD = d; }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

/** Whether a set value is "set" for warnings: not empty string, list or object. */
function isSet(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/** Per field table: its names and their lower-case index, computed once (the inventory is static). */
const FIELD_INDEX = new WeakMap<Readonly<Record<string, Field>>, { known: string[]; byFold: Map<string, string> }>();
function fieldIndex(fields: Readonly<Record<string, Field>>): { known: string[]; byFold: Map<string, string> } {
  let index = FIELD_INDEX.get(fields);
  if (index === undefined) {
    const known = Object.keys(fields);
    index = { known, byFold: new Map(known.map((k) => [k.toLowerCase(), k])) };
    FIELD_INDEX.set(fields, index);
  }
  return index;
}

class Walk {
  readonly problems: string[] = [];
  readonly warnings: string[] = [];
  #moreProblems = 0;
  #moreWarnings = 0;
  readonly label: string;
  constructor(label: string) { this.label = label; }

  problem(path: string, text: string): void {
    if (this.problems.length < MAX_SHAPE_MESSAGES) this.problems.push(`${this.label} ${path}: ${text}`);
    else this.#moreProblems++;
  }
  warn(path: string, text: string | (() => string)): void {
    // A lazy text is only built when it is listed: past the cap a warning is just counted.
    if (this.warnings.length < MAX_SHAPE_MESSAGES) this.warnings.push(`${this.label} ${path}: ${typeof text === 'string' ? text : text()}`);
    else this.#moreWarnings++;
  }
  finish(): void {
    if (this.#moreProblems > 0) this.problems.push(`${this.label}: and ${this.#moreProblems} more shape problems`);
    if (this.#moreWarnings > 0) this.warnings.push(`${this.label}: and ${this.#moreWarnings} more warnings`);
  }

  /** Checks one value against a shape; returns the normalised value, or undefined when it is unusable. */
  value(v: unknown, s: Shape, path: string): unknown {
    switch (s.type) {
      case 'string':
      case 'duration':
        if (typeof v !== 'string') return this.wrong(v, s, path);
        if (s.type === 'string' && s.enum !== undefined && !s.enum.includes(v)) return this.wrong(v, s, path);
        return v;
      case 'boolean': return typeof v === 'boolean' ? v : this.wrong(v, s, path);
      case 'integer': return typeof v === 'number' && Number.isInteger(v) ? v : this.wrong(v, s, path);
      case 'map': {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) return this.wrong(v, s, path);
        const out: Record<string, string> = {};
        for (const [k, x] of Object.entries(v)) {
          if (x === null) continue;
          if (typeof x !== 'string') { this.problem(`${path}.${excerptKey(k)}`, `expected a string, got ${typeOf(x)} ${excerpt(x)}`); continue; }
          out[k] = x;
        }
        return out;
      }
      case 'array': {
        if (!Array.isArray(v)) return this.wrong(v, s, path);
        const out: unknown[] = [];
        let bad = false;
        v.forEach((item, i) => {
          if (item === null) { this.problem(`${path}[${i}]`, `expected ${accepted(s.items)}, got null`); bad = true; return; }
          const x = this.value(item, s.items, `${path}[${i}]`);
          if (x === undefined) bad = true;
          out.push(x);
        });
        // A list with a broken item is unusable as a whole: its indexes would shift.
        return bad ? undefined : out;
      }
      case 'object':
        if (typeof v !== 'object' || v === null || Array.isArray(v)) return this.wrong(v, s, path);
        return this.object(v as Record<string, unknown>, s.fields, path);
    }
  }

  wrong(v: unknown, s: Shape, path: string): undefined {
    // The right type with a value outside the enum reads as the other messages of the webhook do.
    if (s.type === 'string' && typeof v === 'string') this.problem(path, `invalid value ${excerpt(v)}; expected ${accepted(s)}`);
    else this.problem(path, `expected ${accepted(s)}, got ${typeOf(v)} ${excerpt(v)}`);
    return undefined;
  }

  /**
   * 1. Match each key: exact, else case-insensitive (Go), else unknown (warn with the nearest name).
   * 2. Per known field: absent/null → required check; denied → problem; status → copied unchecked;
   *    else check the shape, then warn for a set `warned` field.
   */
  object(o: Record<string, unknown>, fields: Readonly<Record<string, Field>>, path: string): Record<string, unknown> {
    const { known, byFold } = fieldIndex(fields);
    const given = new Map<string, unknown>();
    // 1.
    for (const k in o) {
      const v = o[k];
      if (Object.hasOwn(fields, k)) { given.set(k, v); continue; }
      const at = path === '' ? excerptKey(k) : `${path}.${excerptKey(k)}`;
      const canonical = byFold.get(k.toLowerCase());
      if (canonical !== undefined) {
        if (Object.hasOwn(o, canonical)) { this.warn(at, `ignored: the field is also set with its exact spelling ${JSON.stringify(canonical)}`); continue; }
        this.warn(at, `read as ${JSON.stringify(canonical)} (matched ignoring case, as Go's encoding/json does); spell it ${JSON.stringify(canonical)}: ack-secret-manager's client and the CRD schema are case-sensitive and drop it`);
        given.set(canonical, v);
        continue;
      }
      this.warn(at, () => {
        const near = nearestField(k, known);
        return `unknown field, ignored${near === undefined ? `; known fields here: ${known.slice(0, 12).join(', ')}` : `; did you mean ${JSON.stringify(near)}?`}`;
      });
    }
    // 2.
    const out: Record<string, unknown> = {};
    for (const name of known) {
      const v = given.get(name);
      if (v === undefined && field(fields, name).required !== true) continue;
      const field_ = field(fields, name);
      const at = path === '' ? name : `${path}.${name}`;
      if (v === undefined || v === null) {
        if (field_.required === true) this.problem(at, `required; expected ${accepted(field_)}`);
        continue;
      }
      if (field_.fate === 'status') { out[name] = v; continue; }
      if (field_.fate === 'denied') { if (isSet(v)) this.problem(at, `not supported: ${field_.note}`); continue; }
      const x = this.value(v, field_, at);
      if (x === undefined) continue;
      out[name] = x;
      if (field_.fate === 'warned' && isSet(x)) this.warn(at, `has no effect in a pod: ${field_.note}`);
    }
    return out;
  }
}

/** The field of a known name (present by construction). */
function field(fields: Readonly<Record<string, Field>>, name: string): Field {
  return fields[name] as Field;
}

/** Keys are user text: quote odd ones, bound long ones. */
function excerptKey(k: string): string {
  return /^[A-Za-z0-9_-]{1,60}$/.test(k) ? k : excerpt(k);
}

/**
 * Checks `doc` (a parsed object of `kind`) and returns the normalised object with every problem
 * and warning, each prefixed with `label` (e.g. `ExternalSecret shop/db`). The top level keeps
 * `apiVersion`, `kind` and `metadata` as they are and checks `spec` and `status`.
 */
export function validateCrdObject(kind: CrdKind, doc: unknown, label: string): ShapeResult {
  const walk = new Walk(label);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    walk.problem('(object)', `expected a ${kind} object, got ${typeOf(doc)}`);
    return { object: {}, problems: walk.problems, warnings: walk.warnings };
  }
  const o = doc as Record<string, unknown>;
  const rest: Record<string, unknown> = {};
  for (const k of ['apiVersion', 'kind', 'metadata']) if (o[k] !== undefined) rest[k] = o[k];
  const inner: Record<string, unknown> = {};
  for (const k of Object.keys(o)) if (k !== 'apiVersion' && k !== 'kind' && k !== 'metadata') inner[k] = o[k];
  const checked = walk.object(inner, CRD_FIELDS[kind], '');
  walk.finish();
  return { object: { ...rest, ...checked }, problems: walk.problems, warnings: walk.warnings };
}
