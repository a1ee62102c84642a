/**
 * Sprig's encodings and checksums (b64enc/b64dec, b32enc/b32dec, sha1sum, sha256sum, sha512sum,
 * adler32sum) and Go's `path` and `path/filepath` functions (Linux: both are `/`-separated).
 */
import { createHash } from 'node:crypto';
import { fn, type TemplateFunction } from '../function-types.ts';
import type { Val } from '../values.ts';

const s = (v: Val): string => v as string;
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

const B64_STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** One quantum of encoding/base64 decodeQuantum: up to 4 symbols, padding and newline rules. */
function decodeQuantum(src: Buffer, si0: number, alphabet: string, padded: boolean, out: number[]): { si: number; err?: number } {
  const dbuf: number[] = [];
  let si = si0;
  for (let j = 0; j < 4; j++) {
    if (si === src.length) {
      if (j === 0) return { si };
      if (j === 1 || padded) return { si, err: si - j };
      break;
    }
    const inb = src[si++]!;
    const d = alphabet.indexOf(String.fromCharCode(inb));
    if (inb < 128 && d >= 0) { dbuf.push(d); continue; }
    if (inb === 10 || inb === 13) { j--; continue; }
    if (!padded || inb !== 0x3d) return { si, err: si - 1 };
    if (j < 2) return { si, err: si - 1 };
    if (j === 2) {
      while (si < src.length && (src[si] === 10 || src[si] === 13)) si++;
      if (si === src.length) return { si, err: src.length };
      if (src[si] !== 0x3d) return { si, err: si - 1 };
      si++;
    }
    while (si < src.length && (src[si] === 10 || src[si] === 13)) si++;
    const trailing = si < src.length ? si : undefined;
    emit(dbuf, out);
    return trailing === undefined ? { si } : { si, err: trailing };
  }
  emit(dbuf, out);
  return { si };
}

function emit(dbuf: number[], out: number[]): void {
  const v = ((dbuf[0] ?? 0) << 18) | ((dbuf[1] ?? 0) << 12) | ((dbuf[2] ?? 0) << 6) | (dbuf[3] ?? 0);
  const n = dbuf.length - 1;
  if (n >= 1) out.push((v >> 16) & 255);
  if (n >= 2) out.push((v >> 8) & 255);
  if (n >= 3) out.push(v & 255);
}

/** Go's (non-strict) base64 DecodeString: the bytes, or the offset of Go's CorruptInputError. */
export function goBase64Decode(text: string, url = false, padded = true): { bytes: Buffer } | { errAt: number } {
  const src = Buffer.from(text, 'utf8');
  const out: number[] = [];
  let si = 0;
  while (si < src.length) {
    const q = decodeQuantum(src, si, url ? B64_URL : B64_STD, padded, out);
    if (q.err !== undefined) return { errAt: q.err };
    if (q.si === si) break;
    si = q.si;
  }
  return { bytes: Buffer.from(out) };
}

function b64dec(v: string): string {
  const r = goBase64Decode(v);
  return 'bytes' in r ? r.bytes.toString('utf8') : `illegal base64 data at input byte ${r.errAt}`;
}

function b32enc(v: string): string {
  const bytes = Buffer.from(v, 'utf8');
  let out = '';
  let bits = 0;
  let acc = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b; bits += 8;
    while (bits >= 5) { out += B32[(acc >> (bits - 5)) & 31]; bits -= 5; }
  }
  if (bits > 0) out += B32[(acc << (5 - bits)) & 31];
  while (out.length % 8 !== 0) out += '=';
  return out;
}

function b32dec(v: string): string | undefined {
  const t = v.replace(/[\r\n]/g, '');
  if (t.length % 8 !== 0 || !/^[A-Z2-7]*=*$/.test(t)) return undefined;
  const body = t.replace(/=+$/, '');
  if (![0, 2, 4, 5, 7].includes(body.length % 8)) return undefined;
  const out: number[] = [];
  let bits = 0;
  let acc = 0;
  for (const c of body) {
    acc = (acc << 5) | B32.indexOf(c); bits += 5;
    if (bits >= 8) { out.push((acc >> (bits - 8)) & 255); bits -= 8; }
  }
  return Buffer.from(out).toString('utf8');
}

function adler32(v: string): string {
  let a = 1;
  let b = 0;
  for (const byte of Buffer.from(v, 'utf8')) { a = (a + byte) % 65521; b = (b + a) % 65521; }
  return String(((b << 16) | a) >>> 0);
}

/** path.Clean. */
export function pathClean(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') { if (out.length > 0 && out[out.length - 1] !== '..') out.pop(); else if (!rooted) out.push('..'); continue; }
    out.push(part);
  }
  const joined = out.join('/');
  return rooted ? `/${joined}` : joined === '' ? '.' : joined;
}

function pathBase(p: string): string {
  if (p === '') return '.';
  const t = p.replace(/\/+$/, '');
  if (t === '') return '/';
  return t.slice(t.lastIndexOf('/') + 1);
}

function pathDir(p: string): string {
  const i = p.lastIndexOf('/');
  return pathClean(p.slice(0, i + 1));
}

function pathExt(p: string): string {
  for (let i = p.length - 1; i >= 0 && p[i] !== '/'; i--) if (p[i] === '.') return p.slice(i);
  return '';
}

const hash = (alg: string, v: string): string => createHash(alg).update(Buffer.from(v, 'utf8')).digest('hex');

/** The encoding, checksum and path families. */
export const ENCODING_FUNCS: ReadonlyArray<[string, TemplateFunction]> = [
  ['b64enc', fn(['string'], (a) => Buffer.from(s(a[0]!), 'utf8').toString('base64'))],
  ['b64dec', fn(['string'], (a) => b64dec(s(a[0]!)))],
  ['b32enc', fn(['string'], (a) => b32enc(s(a[0]!)))],
  ['b32dec', fn(['string'], (a) => b32dec(s(a[0]!)) ?? 'illegal base32 data at input byte 0')],
  ['sha1sum', fn(['string'], (a) => hash('sha1', s(a[0]!)))],
  ['sha256sum', fn(['string'], (a) => hash('sha256', s(a[0]!)))],
  ['sha512sum', fn(['string'], (a) => hash('sha512', s(a[0]!)))],
  ['adler32sum', fn(['string'], (a) => adler32(s(a[0]!)))],
  ...(['', 'os'] as const).flatMap((p): [string, ReturnType<typeof fn>][] => [
    [p ? 'osBase' : 'base', fn(['string'], (a) => pathBase(s(a[0]!)))],
    [p ? 'osDir' : 'dir', fn(['string'], (a) => pathDir(s(a[0]!)))],
    [p ? 'osClean' : 'clean', fn(['string'], (a) => pathClean(s(a[0]!)))],
    [p ? 'osExt' : 'ext', fn(['string'], (a) => pathExt(s(a[0]!)))],
    [p ? 'osIsAbs' : 'isAbs', fn(['string'], (a) => s(a[0]!).startsWith('/'))],
  ]),
];
