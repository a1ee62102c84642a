/**
 * Sprig's `decryptAES` and `derivePassword` (crypto.go).
 *
 * decryptAES(password, base64): AES-256-CBC with the password's bytes as the key (cut or
 * zero-padded to 32 bytes), the first 16 bytes of the decoded text as the IV, and the last
 * byte's value of trailing padding removed without checking it, exactly as Sprig does. Input
 * that Sprig would panic on (shorter than a block, not whole blocks, padding longer than the
 * text) is an execution error, as text/template turns the panic into one. The plaintext is
 * output as UTF-8 text (bytes that are not UTF-8 become U+FFFD: docs/templates.md).
 * (`encryptAES` stays excluded: it draws a random IV, so its output changes every render.)
 *
 * derivePassword(counter, type, password, user, site): the Master Password algorithm v3 as
 * Sprig implements it: scrypt(password, "com.lyndir.masterpassword" + len(user) + user,
 * N=32768, r=8, p=2, 64 bytes), HMAC-SHA256 of the site seed, then the type's template. scrypt
 * with these parameters needs 32 MiB of memory for about 0.2 s; the key of the last few
 * (password, user) pairs is kept (bounded, in memory only) so a refresh does not pay again.
 */
import { createDecipheriv, createHmac, scryptSync } from 'node:crypto';
import { fn, FuncError, type TemplateFunction } from '../function-types.ts';
import { GoInt, type Val } from '../values.ts';
import { goBase64Decode } from './encoding.ts';

function decryptAES(password: string, crypt64: string): string {
  if (crypt64 === '') return '';
  const key = Buffer.alloc(32);
  Buffer.from(password, 'utf8').copy(key, 0, 0, 32);
  const decoded = goBase64Decode(crypt64);
  if ('errAt' in decoded) throw new FuncError(`illegal base64 data at input byte ${decoded.errAt}`);
  const crypt = decoded.bytes;
  if (crypt.length < 16) throw new Error(`runtime error: slice bounds out of range [:16] with capacity ${crypt.length}`);
  const body = crypt.subarray(16);
  if (body.length % 16 !== 0) throw new Error('crypto/cipher: input not full blocks');
  if (body.length === 0) throw new Error('runtime error: index out of range [-1]');
  const d = createDecipheriv('aes-256-cbc', key, crypt.subarray(0, 16)).setAutoPadding(false);
  const plain = Buffer.concat([d.update(body), d.final()]);
  const pad = plain[plain.length - 1]!;
  if (pad > plain.length) throw new Error(`runtime error: slice bounds out of range [:${plain.length - pad}]`);
  return plain.subarray(0, plain.length - pad).toString('utf8');
}

const SEED = 'com.lyndir.masterpassword';
const TEMPLATES: Readonly<Record<string, readonly string[]>> = {
  maximum: ['anoxxxxxxxxxxxxxxxxx', 'axxxxxxxxxxxxxxxxxno'],
  long: ['CvcvnoCvcvCvcv', 'CvcvCvcvnoCvcv', 'CvcvCvcvCvcvno', 'CvccnoCvcvCvcv', 'CvccCvcvnoCvcv', 'CvccCvcvCvcvno', 'CvcvnoCvccCvcv', 'CvcvCvccnoCvcv',
    'CvcvCvccCvcvno', 'CvcvnoCvcvCvcc', 'CvcvCvcvnoCvcc', 'CvcvCvcvCvccno', 'CvccnoCvccCvcv', 'CvccCvccnoCvcv', 'CvccCvccCvcvno', 'CvcvnoCvccCvcc',
    'CvcvCvccnoCvcc', 'CvcvCvccCvccno', 'CvccnoCvcvCvcc', 'CvccCvcvnoCvcc', 'CvccCvcvCvccno'],
  medium: ['CvcnoCvc', 'CvcCvcno'],
  short: ['Cvcn'],
  basic: ['aaanaaan', 'aannaaan', 'aaannaaa'],
  pin: ['nnnn'],
};
const CHARACTERS: Readonly<Record<string, string>> = {
  V: 'AEIOU', C: 'BCDFGHJKLMNPQRSTVWXYZ', v: 'aeiou', c: 'bcdfghjklmnpqrstvwxyz', A: 'AEIOUBCDFGHJKLMNPQRSTVWXYZ',
  a: 'AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz', n: '0123456789', o: "@&%?,=[]_:-+*$#!'^~;()/.",
  x: 'AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()',
};

const u32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32BE(n >>> 0); return b; };
/** `len(s)` as a big-endian uint32, then s: how the algorithm frames user and site. */
const framed = (s: Buffer): Buffer => Buffer.concat([Buffer.from(SEED), u32(s.length), s]);

/** scrypt keys of recent (password, user) pairs; bounded, never logged. */
const keys = new Map<string, Buffer>();
const MAX_KEYS = 4;

function masterKey(password: string, user: Buffer): Buffer {
  const id = `${password}\u0000${user.toString('latin1')}`;
  let key = keys.get(id);
  if (key === undefined) {
    // 128 * N * r = 32 MiB; Node's default maxmem (32 MiB) is just too small for it.
    key = scryptSync(Buffer.from(password, 'utf8'), framed(user), 64, { N: 32768, r: 8, p: 2, maxmem: 64 * 1024 * 1024 });
    if (keys.size >= MAX_KEYS) keys.delete(keys.keys().next().value!);
    keys.set(id, key);
  }
  return key;
}

function derivePassword(counter: number, type: string, password: string, user: string, site: string): string {
  const templates = TEMPLATES[type];
  if (templates === undefined || !Object.hasOwn(TEMPLATES, type)) return `cannot find password template ${type}`;
  const key = masterKey(password, Buffer.from(user, 'utf8'));
  const seed = createHmac('sha256', key).update(Buffer.concat([framed(Buffer.from(site, 'utf8')), u32(counter)])).digest();
  const template = templates[seed[0]! % templates.length]!;
  return [...template].map((t, i) => { const chars = CHARACTERS[t]!; return chars[seed[i + 1]! % chars.length]; }).join('');
}

const s = (v: Val): string => v as string;

export const CRYPTO_FUNCS: ReadonlyArray<[string, TemplateFunction]> = [
  ['decryptAES', fn(['string', 'string'], (a) => decryptAES(s(a[0]!), s(a[1]!)))],
  ['derivePassword', fn(['uint32', 'string', 'string', 'string', 'string'], (a) => derivePassword(Number((a[0] as GoInt).v), s(a[1]!), s(a[2]!), s(a[3]!), s(a[4]!)))],
];
