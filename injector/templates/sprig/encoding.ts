/**
 * Sprig's encodings and checksums (b64enc/b64dec, b32enc/b32dec, sha1sum, sha256sum, sha512sum,
 * adler32sum) and Go's `path` and `path/filepath` functions (Linux: both are `/`-separated).
 */
import { createHash } from 'node:crypto';
import { fn, type TemplateFunction } from '../function-types.ts';
import type { Val } from '../values.ts';

const s = (v: Val): string => v as string;
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** base64.StdEncoding.DecodeString: strict padding; Sprig returns the error text on failure. */
export function b64StdDecode(v: string): string | undefined {
  const t = v.replace(/[\r\n]/g, '');
  if (t.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(t)) return undefined;
  const buf = Buffer.from(t, 'base64');
  if (buf.toString('base64') !== t) return undefined;
  return buf.toString('utf8');
}

function firstBadBase64(v: string): number {
  const t = v.replace(/[\r\n]/g, '');
  const m = /[^A-Za-z0-9+/=]|=[^=]|=(?==.)/.exec(t);
  if (m) return m.index + (m[0][0] === '=' ? 0 : 0);
  return Math.floor(t.length / 4) * 4 - (t.length % 4 === 0 ? 0 : 0);
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
  ['b64dec', fn(['string'], (a) => b64StdDecode(s(a[0]!)) ?? `illegal base64 data at input byte ${firstBadBase64(s(a[0]!))}`)],
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
