/**
 * `yaml.Marshal` as gopkg.in/yaml.v3 prints a decoded `interface{}`: block style, 4-space
 * indentation, sequences indented under their key, mappings inside a sequence item starting on
 * the item's line (`- a: 1` / `  b: 2`), keys sorted with yaml.v3's natural order, and yaml.v3's
 * quoting rules. ack-secret-manager 0.6.x uses it for complex jmesPath results and non-string
 * extract values of YAML input (reference §2.2-§2.3). The emitter logic follows yaml.v3's
 * emitterc.go (increase_indent, analyze_scalar, select_scalar_style) for the node kinds a decoded
 * value can contain; it never emits anchors, tags or flow collections other than `{}` and `[]`.
 */
import { formatGoFloatG } from '../../common/go-number-format.ts';
import { GoTime, isStringMap, type GoValue } from './go-value.ts';
import { isYamlV3Timestamp, resolvePlainScalar } from './yaml-v3-decode.ts';

/** yaml.v3's best_indent (encode.go newEncoder: yaml_emitter_set_indent(&e.emitter, 4)). */
const INDENT = 4;

// ---- key order (yaml.v3 sorter.go keyList.Less) -------------------------------------------

/** reflect.Kind numbers, which yaml.v3 uses to order keys of different kinds. */
const KIND = { bool: 1, int: 2, float: 14, interface: 20, string: 24, struct: 25 } as const;

function keyKind(v: GoValue): number {
  if (v === null) return KIND.interface;
  if (v instanceof GoTime) return KIND.struct;
  if (typeof v === 'boolean') return KIND.bool;
  if (typeof v === 'bigint') return KIND.int;
  if (typeof v === 'number') return KIND.float;
  return KIND.string;
}
function keyFloat(v: GoValue): number | undefined {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return v;
  return undefined;
}
const isLetter = (c: string): boolean => /\p{L}/u.test(c);
const isDigit = (c: string): boolean => /\p{Nd}/u.test(c);

/** yaml.v3 keyList.Less: numbers numerically, strings in "natural" order (digit runs as numbers). */
export function yamlV3KeyLess(a: GoValue, b: GoValue): boolean {
  const ak = keyKind(a); const bk = keyKind(b);
  const af = keyFloat(a); const bf = keyFloat(b);
  if (af !== undefined && bf !== undefined) {
    if (af !== bf) return af < bf;
    return ak < bk;
  }
  if (ak !== KIND.string || bk !== KIND.string) return ak < bk;
  const ar = [...String(a)]; const br = [...String(b)];
  let digits = false;
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const ca = ar[i]!; const cb = br[i]!;
    if (ca === cb) { digits = isDigit(ca); continue; }
    const al = isLetter(ca); const bl = isLetter(cb);
    if (al && bl) return ca.codePointAt(0)! < cb.codePointAt(0)!;
    if (al || bl) return digits ? al : bl;
    let an = 0n; let bn = 0n;
    if (ca === '0' || cb === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]!); j--) {
        if (ar[j] !== '0') { an = 1n; bn = 1n; break; }
      }
    }
    let ai = i; let bi = i;
    for (; ai < ar.length && isDigit(ar[ai]!); ai++) an = an * 10n + BigInt(ar[ai]!.charCodeAt(0) - 48);
    for (; bi < br.length && isDigit(br[bi]!); bi++) bn = bn * 10n + BigInt(br[bi]!.charCodeAt(0) - 48);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ca.codePointAt(0)! < cb.codePointAt(0)!;
  }
  return ar.length < br.length;
}

// ---- scalar analysis and quoting (emitterc.go) --------------------------------------------

const isBreak = (c: string): boolean => c === '\r' || c === '\n' || c === '\u0085' || c === '\u2028' || c === '\u2029';

/** libyaml is_printable over the UTF-8 encoding; 4-byte (astral) characters are not printable. */
function isPrintable(c: string): boolean {
  const cp = c.codePointAt(0)!;
  if (cp === 0x0a) return true;
  if (cp >= 0x20 && cp <= 0x7e) return true;
  if (cp >= 0xa0 && cp <= 0xd7ff) return true;
  if (cp >= 0xe000 && cp <= 0xfffd) return cp !== 0xfeff;
  return false;
}

interface ScalarAnalysis { multiline: boolean; blockPlain: boolean; singleQuoted: boolean; block: boolean }

/** yaml_emitter_analyze_scalar, for block context (flow_level 0). */
function analyzeScalar(value: string): ScalarAnalysis {
  if (value === '') return { multiline: false, blockPlain: true, singleQuoted: true, block: false };
  const chars = [...value];
  let blockIndicators = value.startsWith('---') || value.startsWith('...');
  let lineBreaks = false; let special = false; let tabs = false;
  let leadingSpace = false; let leadingBreak = false; let trailingSpace = false; let trailingBreak = false;
  let breakSpace = false; let spaceBreak = false; let previousSpace = false; let previousBreak = false;
  let precededByWhitespace = true;
  chars.forEach((c, i) => {
    const next = chars[i + 1];
    const followedByWhitespace = next === undefined || next === ' ' || next === '\t' || isBreak(next);
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(c)) blockIndicators = true;
      else if ((c === '?' || c === ':' || c === '-') && followedByWhitespace) blockIndicators = true;
    } else if (c === ':' && followedByWhitespace) blockIndicators = true;
    else if (c === '#' && precededByWhitespace) blockIndicators = true;
    if (c === '\t') tabs = true;
    else if (!isPrintable(c)) special = true;
    if (c === ' ') {
      if (i === 0) leadingSpace = true;
      if (i === chars.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true; previousBreak = false;
    } else if (isBreak(c)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (i === chars.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false; previousBreak = true;
    } else {
      previousSpace = false; previousBreak = false;
    }
    precededByWhitespace = c === ' ' || c === '\t' || isBreak(c);
  });
  let blockPlain = true; let singleQuoted = true; let block = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) blockPlain = false;
  if (trailingSpace) block = false;
  if (breakSpace) { blockPlain = false; singleQuoted = false; }
  if (spaceBreak || tabs || special) { blockPlain = false; singleQuoted = false; }
  if (spaceBreak || special) block = false;
  if (lineBreaks) blockPlain = false;
  if (blockIndicators) blockPlain = false;
  return { multiline: lineBreaks, blockPlain, singleQuoted, block };
}

const OLD_BOOLS = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF']);
const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;

function doubleQuote(s: string): string {
  let out = '"';
  for (const c of s) {
    const cp = c.codePointAt(0)!;
    switch (c) {
      case '\0': out += '\\0'; continue;
      case '\x07': out += '\\a'; continue;
      case '\b': out += '\\b'; continue;
      case '\t': out += '\\t'; continue;
      case '\n': out += '\\n'; continue;
      case '\v': out += '\\v'; continue;
      case '\f': out += '\\f'; continue;
      case '\r': out += '\\r'; continue;
      case '\x1b': out += '\\e'; continue;
      case '"': out += '\\"'; continue;
      case '\\': out += '\\\\'; continue;
      case '\u0085': out += '\\N'; continue;
      case '\u00a0': out += '\\_'; continue;
      case '\u2028': out += '\\L'; continue;
      case '\u2029': out += '\\P'; continue;
      default: break;
    }
    if (isPrintable(c) && cp !== 0xfeff) { out += c; continue; }
    const hex = cp.toString(16).toUpperCase();
    out += cp <= 0xff ? `\\x${hex.padStart(2, '0')}` : cp <= 0xffff ? `\\u${hex.padStart(4, '0')}` : `\\U${hex.padStart(8, '0')}`;
  }
  return `${out}"`;
}

type Style = 'plain' | 'single' | 'double' | 'literal';

/** encode.go stringv + emitterc.go select_scalar_style for a string in block context. */
function stringStyle(s: string, simpleKey: boolean): Style {
  const r = resolvePlainScalar(s).tag;
  const canUsePlain = r === 'tag:yaml.org,2002:str' && !isYamlV3Timestamp(s) && !(BASE60_FLOAT.test(s) || OLD_BOOLS.has(s));
  let style: Style = s.includes('\n') ? 'literal' : canUsePlain ? 'plain' : 'double';
  const a = analyzeScalar(s);
  if (simpleKey && a.multiline) style = 'double';
  if (style === 'plain') {
    if (!a.blockPlain) style = 'single';
    if (s === '' && simpleKey) style = 'single';
  }
  if (style === 'single' && !a.singleQuoted) style = 'double';
  if (style === 'literal' && (!a.block || simpleKey)) style = 'double';
  return style;
}

/** A block scalar: `|` with yaml.v3's indentation and chomping hints, then the lines at `indent`. */
function literal(s: string, indent: number): string {
  let hints = '';
  if (s.startsWith(' ') || isBreak(s[0] ?? '')) hints += String(INDENT);
  const chars = [...s];
  const last = chars[chars.length - 1] ?? '';
  if (!isBreak(last)) hints += '-';
  else if (chars.length === 1 || isBreak(chars[chars.length - 2] ?? '')) hints += '+';
  let out = `|${hints}\n`;
  let atLineStart = true;
  // yaml.v3 v3.0.1 writes the header's line break in place of a leading break of the value
  // (checked against yaml.v3: "\nx" prints as `|4-` + `    x`), so one leading break is dropped.
  if (isBreak(chars[0] ?? '')) chars.shift();
  for (const c of chars) {
    if (isBreak(c)) { out += '\n'; atLineStart = true; continue; }
    if (atLineStart) { out += ' '.repeat(indent); atLineStart = false; }
    out += c;
  }
  return out.endsWith('\n') ? out : `${out}\n`;
}

function scalarText(v: GoValue, simpleKey: boolean, indent: number): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof GoTime) return v.toRfc3339Nano();
  if (typeof v === 'number') {
    const s = formatGoFloatG(v);
    return s === '+Inf' ? '.inf' : s === '-Inf' ? '-.inf' : s === 'NaN' ? '.nan' : s;
  }
  const s = String(v);
  switch (stringStyle(s, simpleKey)) {
    case 'plain': return s;
    case 'single': return `'${s.replaceAll("'", "''")}'`;
    case 'double': return doubleQuote(s);
    case 'literal': return literal(s, indent);
  }
}

const isCollection = (v: GoValue): boolean => Array.isArray(v) || v instanceof Map || isStringMap(v);
const isEmptyCollection = (v: GoValue): boolean =>
  (Array.isArray(v) && v.length === 0) || (v instanceof Map && v.size === 0) || (isStringMap(v) && Object.keys(v).length === 0);

function entriesOf(v: GoValue): [GoValue, GoValue][] {
  const entries: [GoValue, GoValue][] = v instanceof Map ? [...v.entries()] : Object.entries(v as Record<string, GoValue>);
  return entries.sort((x, y) => (yamlV3KeyLess(x[0], y[0]) ? -1 : yamlV3KeyLess(y[0], x[0]) ? 1 : 0));
}

/** Indentation of a nested block collection (emitterc.go increase_indent_compact). */
function nested(indent: number, inSequenceItem: boolean): number {
  if (indent < 0) return 0;
  return inSequenceItem ? indent + 2 : INDENT * Math.floor((indent + INDENT) / INDENT);
}

/**
 * Emits `v` as a node whose first line continues the current output line (after `key:` or
 * `- `); `indent` is the enclosing collection's indentation. Returns text ending in a newline.
 */
function emitNode(v: GoValue, indent: number, inSequenceItem: boolean): string {
  if (!isCollection(v) || isEmptyCollection(v)) {
    const text = Array.isArray(v) ? '[]' : isCollection(v) ? '{}' : scalarText(v, false, nested(indent, inSequenceItem));
    return text.endsWith('\n') ? text : `${text}\n`;
  }
  const inner = nested(indent, inSequenceItem);
  let out = '';
  let first = true;
  const lead = (): string => {
    // The first entry of a collection inside a sequence item shares the item's line.
    const s = first && inSequenceItem ? '' : ' '.repeat(inner);
    first = false;
    return s;
  };
  if (Array.isArray(v)) {
    for (const item of v) {
      out += `${lead()}- ${emitNode(item, inner, true)}`;
    }
    return out;
  }
  for (const [k, val] of entriesOf(v)) {
    out += `${lead()}${scalarText(k, true, inner)}:`;
    if (isCollection(val) && !isEmptyCollection(val)) out += `\n${emitNode(val, inner, false)}`;
    else out += ` ${emitNode(val, inner, false)}`;
  }
  return out;
}

/** `yaml.Marshal(v)` for a decoded value (always ends with a newline, like yaml.v3). */
export function yamlV3Marshal(v: GoValue): string {
  return emitNode(v, -1, false);
}
