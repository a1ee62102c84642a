/**
 * Sprig's string functions (strings.go and the goutils/xstrings helpers it calls). Go strings
 * are bytes: `trunc`, `substr`, `abbrev` and `wrap` count bytes, as Sprig does.
 */
import { fn, FuncError, type TemplateFunction } from '../function-types.ts';
import { formatV, goQuoteString, sprintf } from '../fmt.ts';
import { GoInt, GoMap, GoSlice, NO_VALUE, byteLength, goInt, stringSlice, type Val } from '../values.ts';
import { camelToLower, toPascalCase } from './case-words.ts';
import { fromRunes, goLower, goTitle, goTrim, goTrimSpace, goUpper, isGoSpace, isLower, isTitle, isUpper, latin1Bytes, runes, sliceBytes, toLowerRune, toTitleRune, toUpperRune } from './unicode.ts';

/** Sprig's strval: strings as they are, everything else with %v. */
export const strval = (v: Val): string => (typeof v === 'string' ? v : formatV(v === NO_VALUE ? null : v));
const isNil = (v: Val): boolean => v === null || v === NO_VALUE;
const n = (v: Val): number => Number((v as GoInt).v);
const s = (v: Val): string => v as string;

/** Sprig's strslice: []string as is, other lists element-wise without nils, a scalar as [it]. */
export function strslice(v: Val): string[] {
  if (v instanceof GoSlice) return v.items.filter((x) => x !== null).map(strval);
  if (isNil(v)) return [];
  return [strval(v)];
}

function abbreviateFull(str: string, offset: number, maxWidth: number): string {
  const len = byteLength(str);
  if (str === '') return '';
  if (maxWidth < 4) return '';
  if (len <= maxWidth) return str;
  let off = Math.min(offset, len);
  if (len - off < maxWidth - 3) off = len - (maxWidth - 3);
  if (off <= 4) return `${sliceBytes(str, 0, maxWidth - 3)}...`;
  if (maxWidth < 7) return '';
  if (off + maxWidth - 3 < len) return `...${abbreviateFull(sliceBytes(str, off), 0, maxWidth - 3)}`;
  return `...${sliceBytes(str, len - (maxWidth - 3))}`;
}

/** goutils.WrapCustom (byte offsets, ' ' as the only break). */
function wrapCustom(str: string, wrapLength: number, newLine: string, wrapLong: boolean): string {
  if (str === '') return '';
  const nl = newLine === '' ? '\n' : newLine;
  const w = Math.max(wrapLength, 1);
  const b = Buffer.from(str, 'utf8');
  const len = b.length;
  let offset = 0;
  let out = '';
  const cut = (a: number, z: number): string => b.subarray(a, z).toString('utf8');
  while (len - offset > w) {
    if (b[offset] === 0x20) { offset++; continue; }
    const end = Math.min(w + offset + 1, len);
    const at = b.subarray(offset, end).lastIndexOf(0x20);
    if (at >= 0) { out += cut(offset, offset + at) + nl; offset += at + 1; continue; }
    if (wrapLong) { out += cut(offset, w + offset) + nl; offset += w; continue; }
    const idx = b.indexOf(0x20, w + offset);
    if (idx < 0) { out += cut(offset, len); offset = len; }
    else { out += cut(offset, idx) + nl; offset = idx + 1; }
  }
  return out + cut(offset, len);
}

/** goutils.SwapCase. */
function swapCase(str: string): string {
  let ws = true;
  return fromRunes(runes(str).map((r) => {
    if (isUpper(r) || isTitle(r)) { ws = false; return toLowerRune(r); }
    if (isLower(r)) { const out = ws ? toTitleRune(r) : toUpperRune(r); ws = false; return out; }
    ws = isGoSpace(r);
    return r;
  }));
}

/** goutils.Initials: byte-wise, as Go's implementation is. */
function initials(str: string): string {
  let gap = true;
  let out = '';
  for (const ch of latin1Bytes(str)) {
    const r = ch.charCodeAt(0);
    if (isGoSpace(r)) gap = true;
    else if (gap) { out += String.fromCodePoint(r); gap = false; }
  }
  return out;
}

/** goutils.DeleteWhiteSpace: byte-wise too. */
function deleteWhiteSpace(str: string): string {
  const bytes = latin1Bytes(str);
  const kept = [...bytes].filter((c) => !isGoSpace(c.charCodeAt(0)));
  return kept.length === bytes.length ? str : kept.join('');
}

function substring(start: number, end: number, str: string): string {
  if (start < 0) return sliceBytes(str, 0, end);
  if (end < 0 || end > byteLength(str)) return sliceBytes(str, start);
  return sliceBytes(str, start, end);
}

function trunc(c: number, str: string): string {
  const len = byteLength(str);
  if (c < 0 && len + c > 0) return sliceBytes(str, len + c);
  if (c >= 0 && len > c) return sliceBytes(str, 0, c);
  return str;
}

const splitMap = (parts: string[]): GoMap => new GoMap('string', new Map(parts.map((p, i) => [`_${i}`, p])));

/** strings.SplitN with Go's rules for n and an empty separator. */
export function goSplitN(str: string, sep: string, count: number): string[] {
  if (count === 0) return [];
  if (sep === '') { const rs = [...str]; return count < 0 || count >= rs.length ? rs : [...rs.slice(0, count - 1), rs.slice(count - 1).join('')]; }
  const parts = str.split(sep);
  if (count < 0 || parts.length <= count) return parts;
  return [...parts.slice(0, count - 1), parts.slice(count - 1).join(sep)];
}

function repeat(count: number, str: string): string {
  if (count < 0) throw new FuncError('strings: negative Repeat count');
  if (count * byteLength(str) > 16 * 1024 * 1024) throw new FuncError('strings: Repeat output too large');
  return str.repeat(count);
}

const indent = (spaces: number, v: string): string => { const pad = ' '.repeat(Math.max(spaces, 0)); return pad + v.replaceAll('\n', `\n${pad}`); };

/** The string family. */
export const STRING_FUNCS: ReadonlyArray<[string, TemplateFunction]> = [
  ['hello', fn([], () => 'Hello!')],
  ['abbrev', fn(['int', 'string'], (a) => (n(a[0]!) < 4 ? s(a[1]!) : abbreviateFull(s(a[1]!), 0, n(a[0]!))))],
  ['abbrevboth', fn(['int', 'int', 'string'], (a) => {
    const [l, r, str] = [n(a[0]!), n(a[1]!), s(a[2]!)];
    return r < 4 || (l > 0 && r < 7) ? str : abbreviateFull(str, l, r);
  })],
  ['trunc', fn(['int', 'string'], (a) => trunc(n(a[0]!), s(a[1]!)))],
  ['trim', fn(['string'], (a) => goTrimSpace(s(a[0]!)))],
  ['upper', fn(['string'], (a) => goUpper(s(a[0]!)))],
  ['lower', fn(['string'], (a) => goLower(s(a[0]!)))],
  ['title', fn(['string'], (a) => goTitle(s(a[0]!)))],
  ['untitle', fn(['string'], (a) => { let next = true; return fromRunes(runes(s(a[0]!)).map((r) => { if (isGoSpace(r)) { next = true; return r; } if (next) { next = false; return toLowerRune(r); } return r; })); })],
  ['substr', fn(['int', 'int', 'string'], (a) => substring(n(a[0]!), n(a[1]!), s(a[2]!)))],
  ['repeat', fn(['int', 'string'], (a) => repeat(n(a[0]!), s(a[1]!)))],
  ['trimall', fn(['string', 'string'], (a) => goTrim(s(a[1]!), s(a[0]!)))],
  ['trimAll', fn(['string', 'string'], (a) => goTrim(s(a[1]!), s(a[0]!)))],
  ['trimSuffix', fn(['string', 'string'], (a) => (s(a[1]!).endsWith(s(a[0]!)) ? s(a[1]!).slice(0, s(a[1]!).length - s(a[0]!).length) : s(a[1]!)))],
  ['trimPrefix', fn(['string', 'string'], (a) => (s(a[1]!).startsWith(s(a[0]!)) ? s(a[1]!).slice(s(a[0]!).length) : s(a[1]!)))],
  ['nospace', fn(['string'], (a) => deleteWhiteSpace(s(a[0]!)))],
  ['initials', fn(['string'], (a) => initials(s(a[0]!)))],
  ['swapcase', fn(['string'], (a) => swapCase(s(a[0]!)))],
  ['snakecase', fn(['string'], (a) => camelToLower(s(a[0]!), 0x5f))],
  ['camelcase', fn(['string'], (a) => toPascalCase(s(a[0]!)))],
  ['kebabcase', fn(['string'], (a) => camelToLower(s(a[0]!), 0x2d))],
  ['wrap', fn(['int', 'string'], (a) => wrapCustom(s(a[1]!), n(a[0]!), '', false))],
  ['wrapWith', fn(['int', 'string', 'string'], (a) => wrapCustom(s(a[2]!), n(a[0]!), s(a[1]!), true))],
  ['contains', fn(['string', 'string'], (a) => s(a[1]!).includes(s(a[0]!)))],
  ['hasPrefix', fn(['string', 'string'], (a) => s(a[1]!).startsWith(s(a[0]!)))],
  ['hasSuffix', fn(['string', 'string'], (a) => s(a[1]!).endsWith(s(a[0]!)))],
  ['quote', fn(['any'], (a) => a.filter((x) => !isNil(x)).map((x) => goQuoteString(strval(x))).join(' '), true)],
  ['squote', fn(['any'], (a) => a.filter((x) => !isNil(x)).map((x) => `'${formatV(x)}'`).join(' '), true)],
  ['cat', fn(['any'], (a) => { const v = a.filter((x) => !isNil(x)); return sprintf(v.map(() => '%v').join(' '), v); }, true)],
  ['indent', fn(['int', 'string'], (a) => indent(n(a[0]!), s(a[1]!)))],
  ['nindent', fn(['int', 'string'], (a) => `\n${indent(n(a[0]!), s(a[1]!))}`)],
  ['replace', fn(['string', 'string', 'string'], (a) => goReplaceAll(s(a[2]!), s(a[0]!), s(a[1]!)))],
  ['plural', fn(['string', 'string', 'int'], (a) => (n(a[2]!) === 1 ? s(a[0]!) : s(a[1]!)))],
  ['toString', fn(['any'], (a) => strval(a[0]!))],
  ['join', fn(['string', 'any'], (a) => strslice(a[1]!).join(s(a[0]!)))],
  ['split', fn(['string', 'string'], (a) => splitMap(goSplitN(s(a[1]!), s(a[0]!), -1)))],
  ['splitList', fn(['string', 'string'], (a) => stringSlice(goSplitN(s(a[1]!), s(a[0]!), -1)))],
  ['splitn', fn(['string', 'int', 'string'], (a) => splitMap(goSplitN(s(a[2]!), s(a[0]!), n(a[1]!))))],
  ['toStrings', fn(['any'], (a) => stringSlice(strslice(a[0]!)))],
  ['sortAlpha', fn(['any'], (a) => (a[0] instanceof GoSlice ? stringSlice(strslice(a[0]).sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)))) : stringSlice([strval(a[0]!)])))],
];

/** strings.Replace(s, old, new, -1), including Go's rule for an empty `old` (insert between runes). */
export function goReplaceAll(str: string, old: string, repl: string): string {
  if (old === '') return [...str].length === 0 ? repl : repl + [...str].join(repl) + repl;
  return str.split(old).join(repl);
}
