/**
 * Decodes secret text the way gopkg.in/yaml.v3 `Unmarshal` does into `interface{}` (jmesPath) or
 * `map[string]interface{}` (dataProcess.extract), because ack-secret-manager 0.6.x parses with
 * yaml.v3 and the files must hold what its Kubernetes Secret would hold.
 *
 * The `yaml` package parses (failsafe schema, so every scalar arrives as its text) and this module
 * resolves scalars with yaml.v3's own rules (resolve.go) instead of the YAML 1.2 core schema:
 *
 * 1. quoted and block scalars are strings; plain scalars are looked up in yaml.v3's table
 *    (`true/True/TRUE`, `~/null/Null/NULL`, `.inf`, `.nan`, ... — but NOT YAML 1.1 `yes/on/off`);
 * 2. a plain scalar starting with a digit or sign is tried, after removing `_`, as a Go base-0
 *    integer (`0x1F`, `0o17`, `0b101`, and YAML 1.1 octal `017` = 15), then as uint64, then as a
 *    float matching yaml.v3's float pattern (`09` → 9.0, `1e21`); out-of-range floats stay strings;
 * 3. a plain timestamp scalar (`2024-01-02`) decodes to a Go `time.Time` (checked against
 *    yaml.v3 v3.0.1: a jmesPath result that is a timestamp is skipped upstream), and a mapping
 *    with such a key becomes a `map[interface{}]interface{}`;
 * 4. merge keys (`<<`, plain) merge a mapping or a list of mappings; explicit keys win, then
 *    earlier merge sources win (decode.go merge/mergedFields);
 * 5. only the first document counts; an empty document is `nil`.
 */
import { parseAllDocuments, isAlias, isMap, isScalar, isSeq, type Document, type Node, type Pair } from 'yaml';
import { GoTime, newStringMap, type GoAnyMap, type GoStringMap, type GoValue } from './go-value.ts';

const TAG = {
  str: 'tag:yaml.org,2002:str',
  int: 'tag:yaml.org,2002:int',
  float: 'tag:yaml.org,2002:float',
  bool: 'tag:yaml.org,2002:bool',
  null: 'tag:yaml.org,2002:null',
  binary: 'tag:yaml.org,2002:binary',
  timestamp: 'tag:yaml.org,2002:timestamp',
  merge: 'tag:yaml.org,2002:merge',
} as const;
type ResolvedTag = (typeof TAG)[keyof typeof TAG];

/** Thrown when yaml.v3 would fail to unmarshal the text. */
export class YamlDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'YamlDecodeError';
  }
}

/** yaml.v3 resolveMap: the plain scalars resolved by table lookup. */
const RESOLVE_MAP: ReadonlyMap<string, { tag: ResolvedTag; value: GoValue }> = new Map<string, { tag: ResolvedTag; value: GoValue }>([
  ...['true', 'True', 'TRUE'].map((s) => [s, { tag: TAG.bool, value: true }] as const),
  ...['false', 'False', 'FALSE'].map((s) => [s, { tag: TAG.bool, value: false }] as const),
  ...['', '~', 'null', 'Null', 'NULL'].map((s) => [s, { tag: TAG.null, value: null }] as const),
  ...['.nan', '.NaN', '.NAN'].map((s) => [s, { tag: TAG.float, value: NaN }] as const),
  ...['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'].map((s) => [s, { tag: TAG.float, value: Infinity }] as const),
  ...['-.inf', '-.Inf', '-.INF'].map((s) => [s, { tag: TAG.float, value: -Infinity }] as const),
  ['<<', { tag: TAG.merge, value: '<<' }],
]);

const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** Go `strconv.ParseInt(s, 0, 64)` / `ParseUint(s, 0, 64)` (underscores already removed). */
function parseGoInt(s: string, signed: boolean): bigint | undefined {
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (m === null) return undefined;
  const [, sign = '', body = ''] = m;
  if (!signed && sign !== '') return undefined;
  let n: bigint;
  if (/^0[xXoObB]/.test(body)) n = BigInt(`0${body[1]!.toLowerCase()}${body.slice(2)}`);
  else if (body.length > 1 && body.startsWith('0')) n = BigInt(`0o${body.slice(1)}`);
  else n = BigInt(body);
  if (sign === '-') n = -n;
  if (signed) return n >= INT64_MIN && n <= INT64_MAX ? n : undefined;
  return n <= UINT64_MAX ? n : undefined;
}

/**
 * Go `time.Parse` with yaml.v3's allowedTimestampFormats (`2006-1-2T15:4:5.999999999Z07:00`, the
 * same with `t`, `2006-1-2 15:4:5.999999999`, `2006-1-2`); undefined when none parses.
 */
export function parseYamlV3Timestamp(s: string): GoTime | undefined {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d+))?(Z|[-+]\d{2}:\d{2}))|(?: (\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d+))?))?$/.exec(s);
  if (m === null) return undefined;
  const year = Number(m[1]); const month = Number(m[2]); const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1) return undefined;
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  const hour = Number(m[4] ?? m[9] ?? 0); const minute = Number(m[5] ?? m[10] ?? 0); const second = Number(m[6] ?? m[11] ?? 0);
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z') {
    const zh = Number(zone.slice(1, 3)); const zm = Number(zone.slice(4));
    if (zh > 23 || zm > 59) return undefined;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (zh * 60 + zm);
  }
  return new GoTime({ year, month, day, hour, minute, second, fraction: m[7] ?? m[12] ?? '', offsetMinutes });
}

/** True when yaml.v3 would resolve the plain scalar `s` as a timestamp. */
export function isYamlV3Timestamp(s: string): boolean {
  return parseYamlV3Timestamp(s) !== undefined;
}

/** yaml.v3 `resolve("", in)` for a plain scalar: its tag and Go value (timestamps as text). */
export function resolvePlainScalar(text: string): { tag: ResolvedTag; value: GoValue } {
  // 1. The first byte is the hint (resolve.go resolveTable); letters other than yYnNtTfFoO~ are strings.
  const first = text[0];
  const hint = first === undefined ? 'N'
    : first === '+' || first === '-' ? 'S'
      : first >= '0' && first <= '9' ? 'D'
        : 'yYnNtTfFoO~'.includes(first) ? 'M'
          : first === '.' ? '.' : '';
  if (hint === '') return { tag: TAG.str, value: text };
  // 2. Table lookup.
  const known = RESOLVE_MAP.get(text);
  if (known !== undefined) return known;
  // 3. Numbers and timestamps.
  if (hint === '.') {
    if (/^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(text)) {
      const f = Number(text);
      if (Number.isFinite(f)) return { tag: TAG.float, value: f };
    }
  } else if (hint === 'D' || hint === 'S') {
    const t = parseYamlV3Timestamp(text);
    if (t !== undefined) return { tag: TAG.timestamp, value: t };
    const plain = text.replaceAll('_', '');
    const i = parseGoInt(plain, true) ?? parseGoInt(plain, false);
    if (i !== undefined) return { tag: TAG.int, value: i };
    if (YAML_STYLE_FLOAT.test(plain)) {
      const f = Number(plain);
      if (Number.isFinite(f)) return { tag: TAG.float, value: f };
    }
  }
  return { tag: TAG.str, value: text };
}

const SHORT: Record<string, string> = { [TAG.str]: '!!str', [TAG.int]: '!!int', [TAG.float]: '!!float', [TAG.bool]: '!!bool', [TAG.null]: '!!null', [TAG.timestamp]: '!!timestamp' };

/** Resolves a scalar node: explicit tag, then quoting style, then yaml.v3's plain rules. */
function resolveScalarNode(tag: string | undefined, style: string | undefined, text: string): { tag: string; value: GoValue } {
  if (tag === undefined || tag === '') {
    if (style !== undefined && style !== 'PLAIN') return { tag: TAG.str, value: text };
    return resolvePlainScalar(text);
  }
  if (tag === '!' || tag === TAG.str) return { tag: TAG.str, value: text };
  if (tag === TAG.binary) {
    if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(text)) throw new YamlDecodeError('!!binary value contains invalid base64 data');
    return { tag: TAG.str, value: Buffer.from(text.replace(/\s+/g, ''), 'base64').toString('utf8') };
  }
  if (tag === TAG.int || tag === TAG.float || tag === TAG.bool || tag === TAG.null || tag === TAG.timestamp) {
    const r = resolvePlainScalar(text);
    if (r.tag === tag) return r;
    if (tag === TAG.float && r.tag === TAG.int) return { tag: TAG.float, value: Number(r.value) };
    throw new YamlDecodeError(`cannot decode a ${SHORT[r.tag] ?? r.tag} scalar as a ${SHORT[tag] ?? tag}`);
  }
  // Unknown (application) tags: yaml.v3 keeps the text.
  return { tag, value: text };
}

interface Ctx { doc: Document.Parsed; active: Set<Node> }

/** A scalar node's source value as text (the `yaml` package already decodes `!!binary` to bytes). */
function scalarText(value: unknown): string {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return String(value ?? '');
}

function deref(node: unknown, ctx: Ctx): unknown {
  if (isAlias(node)) {
    const target = node.resolve(ctx.doc);
    if (target === undefined) throw new YamlDecodeError(`unknown anchor '${node.source}' referenced`);
    return target;
  }
  return node;
}

/** The tag yaml.v3 would give a key node (Node.ShortTag), for the string-map decision. */
function keyTag(node: unknown, ctx: Ctx): string {
  const n = deref(node, ctx);
  if (n === null || n === undefined) return TAG.null;
  if (isScalar(n)) return resolveScalarNode(n.tag, n.type, scalarText(n.value)).tag;
  return isMap(n) ? 'tag:yaml.org,2002:map' : 'tag:yaml.org,2002:seq';
}

function isMergeKey(node: unknown): boolean {
  return isScalar(node) && (node.type === 'PLAIN' || node.type === undefined) && String(node.value) === '<<'
    && (node.tag === undefined || node.tag === '!' || node.tag === TAG.merge);
}

function decodeNode(node: unknown, ctx: Ctx): GoValue {
  if (node === null || node === undefined) return null;
  if (isAlias(node)) {
    const target = deref(node, ctx) as Node;
    if (ctx.active.has(target)) throw new YamlDecodeError(`anchor '${node.source}' value contains itself`);
    return decodeNode(target, ctx);
  }
  if (isScalar(node)) return resolveScalarNode(node.tag, node.type, scalarText(node.value)).value;
  if (isSeq(node)) {
    ctx.active.add(node);
    const out = node.items.map((item) => decodeNode(item, ctx));
    ctx.active.delete(node);
    return out;
  }
  if (isMap(node)) {
    ctx.active.add(node);
    const items = node.items as Pair[];
    const stringKeys = items.every((p) => isMergeKey(p.key) || keyTag(p.key, ctx) === TAG.str);
    const out: GoStringMap | GoAnyMap = stringKeys ? newStringMap() : new Map<GoValue, GoValue>();
    const set = (k: GoValue, v: GoValue, onlyIfAbsent: boolean): void => {
      if (out instanceof Map) {
        if (!onlyIfAbsent || !out.has(k)) out.set(k, v);
      } else {
        const key = String(k);
        if (!onlyIfAbsent || !Object.hasOwn(out, key)) out[key] = v;
      }
    };
    // 4a. Explicit keys first; remember merge sources.
    const merges: unknown[] = [];
    for (const p of items) {
      if (isMergeKey(p.key)) { merges.push(p.value); continue; }
      const k = decodeNode(p.key, ctx);
      if (k !== null && typeof k === 'object') throw new YamlDecodeError('invalid map key: a mapping or sequence cannot be a key');
      set(k, decodeNode(p.value, ctx), false);
    }
    // 4b. Merge sources fill only the keys still missing, earlier sources first.
    for (const m of merges) {
      const target = deref(m, ctx);
      const sources = isSeq(target) && !isAlias(m) ? target.items.map((i) => deref(i, ctx)) : [target];
      for (const src of sources) {
        if (!isMap(src)) throw new YamlDecodeError('map merge requires map or sequence of maps as the value');
        const merged = decodeNode(src, ctx);
        const entries = merged instanceof Map ? [...merged.entries()] : Object.entries(merged as GoStringMap);
        for (const [k, v] of entries) set(k, v, true);
      }
    }
    ctx.active.delete(node);
    return out;
  }
  throw new YamlDecodeError('unsupported YAML node');
}

function firstDocument(text: string): Document.Parsed | undefined {
  const docs = parseAllDocuments(text, { schema: 'failsafe', merge: false, uniqueKeys: true, prettyErrors: false });
  if (!Array.isArray(docs)) return undefined; // an empty stream
  const doc = docs[0];
  if (doc === undefined) return undefined;
  if (doc.errors.length > 0) throw new YamlDecodeError(`yaml: ${doc.errors[0]!.message.split('\n')[0]}`);
  return doc;
}

/** yaml.v3 `Unmarshal(text, &v)` with `v interface{}`. Throws YamlDecodeError where yaml.v3 fails. */
export function decodeYamlV3(text: string): GoValue {
  const doc = firstDocument(text);
  if (doc === undefined) return null;
  return decodeNode(doc.contents, { doc, active: new Set() });
}

/**
 * yaml.v3 `Unmarshal(text, &m)` with `m map[string]interface{}` (dataProcess.extract): the root
 * must be a mapping (or empty); keys become their source text (`0x10` stays `0x10`), null keys are
 * dropped (decode.go null() refuses a string target), values decode as `interface{}`.
 */
export function decodeYamlV3StringMap(text: string): GoStringMap {
  const out = newStringMap();
  const doc = firstDocument(text);
  if (doc === undefined) return out;
  const ctx: Ctx = { doc, active: new Set() };
  const root = deref(doc.contents, ctx);
  if (root === null || root === undefined) return out;
  if (isScalar(root)) {
    const r = resolveScalarNode(root.tag, root.type, scalarText(root.value));
    if (r.value === null) return out;
    throw new YamlDecodeError(`yaml: unmarshal errors: cannot unmarshal a ${SHORT[r.tag] ?? r.tag} scalar into map[string]interface {}`);
  }
  if (isSeq(root)) throw new YamlDecodeError('yaml: unmarshal errors: cannot unmarshal !!seq into map[string]interface {}');
  if (!isMap(root)) throw new YamlDecodeError('yaml: unsupported document');
  // Explicit keys first, then keys from merge sources that are still missing (decode.go merge).
  const addPairs = (map: unknown, onlyIfAbsent: boolean): void => {
    if (!isMap(map)) throw new YamlDecodeError('map merge requires map or sequence of maps as the value');
    ctx.active.add(map);
    const items = map.items as Pair[];
    const merges: unknown[] = [];
    for (const p of items) {
      if (isMergeKey(p.key)) { merges.push(p.value); continue; }
      const keyNode = deref(p.key, ctx);
      if (keyNode !== null && keyNode !== undefined && !isScalar(keyNode)) throw new YamlDecodeError('yaml: unmarshal errors: cannot unmarshal a mapping or sequence key into string');
      const text = keyNode === null || keyNode === undefined ? '' : scalarText(keyNode.value);
      const r = keyNode === null || keyNode === undefined ? { tag: TAG.null, value: null } : resolveScalarNode(keyNode.tag, keyNode.type, text);
      if (r.value === null) continue;
      const key = keyNode !== null && keyNode !== undefined && keyNode.tag === TAG.binary ? String(r.value) : text;
      if (onlyIfAbsent && Object.hasOwn(out, key)) continue;
      out[key] = decodeNode(p.value, ctx);
    }
    for (const m of merges) {
      const target = deref(m, ctx);
      if (ctx.active.has(target as Node)) throw new YamlDecodeError('anchor value contains itself');
      const sources = isSeq(target) && !isAlias(m) ? target.items.map((i) => deref(i, ctx)) : [target];
      for (const src of sources) addPairs(src, true);
    }
    ctx.active.delete(map);
  };
  addPairs(root, false);
  return out;
}
