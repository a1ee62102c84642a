/**
 * Go's number-literal rules as text/template applies them to constants (`parse.newNumber`):
 * strconv.ParseInt/ParseUint with base 0 (0x, 0o, 0b, leading-0 octal, `_` separators) and
 * ParseFloat, with the same "integer overflow" and "illegal number syntax" outcomes.
 */
import type { NumberNode } from './nodes.ts';
import { goUnquoteChar } from './unquote.ts';

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;

/** Go's underscoreOK: `_` only between digits or after a base prefix. */
function underscoreOK(s: string): boolean {
  if (!s.includes('_')) return true;
  let body = s.replace(/^[+-]/, '');
  if (/^0[xXbBoO]/.test(body)) body = body.slice(1);
  return !/(^_)|(_$)|(__)|(_[.eEpP])|([.eEpP]_)/.test(body.replace(/^[xXbBoO]/, 'x').replace(/^x_/, 'x1'));
}

/** strconv.ParseUint(s, 0, 64) without sign, or undefined on any error. */
export function parseGoUint(s: string): bigint | undefined {
  if (!underscoreOK(s)) return undefined;
  const t = s.replace(/_/g, '');
  let digits = t;
  let radix = 10;
  if (/^0[xX]/.test(t)) { radix = 16; digits = t.slice(2); }
  else if (/^0[bB]/.test(t)) { radix = 2; digits = t.slice(2); }
  else if (/^0[oO]/.test(t)) { radix = 8; digits = t.slice(2); }
  else if (/^0./.test(t)) { radix = 8; digits = t.slice(1); }
  const valid = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ }[radix]!;
  if (!valid.test(digits)) return undefined;
  let v = 0n;
  for (const ch of digits) v = v * BigInt(radix) + BigInt(parseInt(ch, radix));
  return v > UINT64_MAX ? undefined : v;
}

/** strconv.ParseInt(s, 0, 64), or undefined on any error. */
export function parseGoInt(s: string): bigint | undefined {
  const neg = s.startsWith('-');
  const u = parseGoUint(s.replace(/^[+-]/, ''));
  if (u === undefined) return undefined;
  const v = neg ? -u : u;
  return v < INT64_MIN || v > INT64_MAX ? undefined : v;
}

/** strconv.ParseFloat(s, 64) for decimal literals (hex floats are not supported). */
export function parseGoFloat(s: string): number | undefined {
  if (!underscoreOK(s)) return undefined;
  const t = s.replace(/_/g, '');
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return undefined;
  const f = Number(t);
  return Number.isFinite(f) ? f : undefined;
}

/** Builds a NumberNode as parse.newNumber does; throws Error with Go's message when it fails. */
export function newNumber(pos: number, text: string, char: boolean): NumberNode {
  const n: NumberNode = { kind: 'number', pos, text, isInt: false, isUint: false, isFloat: false, int64: 0n, uint64: 0n, float64: 0 };
  if (char) {
    const r = goUnquoteChar(text);
    return { ...n, isInt: true, isUint: true, isFloat: true, int64: BigInt(r), uint64: BigInt(r), float64: r };
  }
  if (text.endsWith('i')) throw new Error(`complex number constants are not supported: ${text}`);
  const u = parseGoUint(text);
  if (u !== undefined) { n.isUint = true; n.uint64 = u; }
  const i = parseGoInt(text);
  if (i !== undefined) {
    n.isInt = true; n.int64 = i;
    if (i === 0n) { n.isUint = true; n.uint64 = 0n; }
  }
  if (n.isInt) { n.isFloat = true; n.float64 = Number(n.int64); }
  else if (n.isUint) { n.isFloat = true; n.float64 = Number(n.uint64); }
  else {
    const f = parseGoFloat(text);
    if (f !== undefined) {
      if (!/[.eEpP]/.test(text)) throw new Error(`integer overflow: ${JSON.stringify(text)}`);
      n.isFloat = true; n.float64 = f;
      if (Number.isInteger(f) && f >= -(2 ** 63) && f < 2 ** 63) { n.isInt = true; n.int64 = BigInt(f); }
      if (Number.isInteger(f) && f >= 0 && f < 2 ** 64) { n.isUint = true; n.uint64 = BigInt(f); }
    }
  }
  if (!n.isInt && !n.isUint && !n.isFloat) throw new Error(`illegal number syntax: ${JSON.stringify(text)}`);
  return n;
}
