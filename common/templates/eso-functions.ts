/**
 * The functions ack-secret-manager 0.6.x adds to Sprig (template_processor.go: bcrypt, htpasswd,
 * jsonPath, mergeJson, parseKeyValue, toLines) and the two its README names without defining
 * (regexReplace, b64decSafe), defined in docs/templates.md.
 */
import bcryptjs from 'bcryptjs';
import { compileGoRegexp, goReplaceAllString } from '../go-regexp.ts';
import { fn, FuncError, type TemplateFunction } from './function-types.ts';
import { GoInt, GoMap, fromJsonValue, stringSlice, type GoValue, type Val } from './values.ts';
import { marshal } from './sprig/json.ts';
import { withoutFragment } from './sprig/regex.ts';
import { goTrimSpace } from './sprig/unicode.ts';

const s = (v: Val): string => v as string;

/** Above this cost a single hash takes seconds: refused to keep one render bounded. */
export const MAX_BCRYPT_COST = 12;

/** golang.org/x/crypto/bcrypt.GenerateFromPassword; ack returns "" on its errors. */
export function bcryptHash(password: string, cost: number): string {
  const c = cost < 4 ? 10 : cost;
  if (c > 31 || Buffer.byteLength(password, 'utf8') > 72) return '';
  if (c > MAX_BCRYPT_COST) throw new FuncError(`bcrypt cost ${c} is above the allowed ${MAX_BCRYPT_COST}`);
  const salt = bcryptjs.genSaltSync(c).replace(/^\$2b\$/, '$2a$');
  return bcryptjs.hashSync(password, salt);
}

function parseJson(text: string): { ok: true; v: unknown } | { ok: false } {
  try { return { ok: true, v: JSON.parse(text) }; } catch { return { ok: false }; }
}

/** jsonPath(json, "a.b.0.c"): dot path with numeric list indices; "" when absent or not JSON. */
function jsonPath(json: string, path: string): Val {
  const p = parseJson(json);
  if (!p.ok) return '';
  let cur: unknown = p.v;
  if (path !== '') {
    for (const part of path.split('.')) {
      if (Array.isArray(cur)) {
        if (!/^[+-]?\d+$/.test(part)) return '';
        const i = Number(part);
        if (i < 0 || i >= cur.length) return '';
        cur = cur[i];
      } else if (cur !== null && typeof cur === 'object') {
        if (!Object.hasOwn(cur, part)) return '';
        cur = (cur as Record<string, unknown>)[part];
      } else return '';
    }
  }
  return fromJsonValue(cur);
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = base[k];
    const isObj = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);
    out[k] = isObj(b) && isObj(v) ? deepMerge(b, v) : v;
  }
  return out;
}

/** mergeJson(base, override): deep merge of two JSON objects, compact; base unchanged when either is not an object. */
function mergeJson(base: string, override: string): string {
  const b = parseJson(base);
  const o = parseJson(override);
  const isMap = (x: { ok: boolean; v?: unknown }): boolean => x.ok && (x.v === null || (typeof x.v === 'object' && !Array.isArray(x.v)));
  if (!isMap(b) || !isMap(o)) return base;
  const merged = deepMerge((b as { v: Record<string, unknown> | null }).v ?? {}, (o as { v: Record<string, unknown> | null }).v ?? {});
  return marshal(fromJsonValue(merged), true);
}

/** parseKeyValue: `k=v` lines, trimmed, blank and `#` lines skipped, later keys win. */
function parseKeyValue(input: string): GoMap {
  const m = new Map<string, GoValue>();
  for (const raw of input.split('\n')) {
    const line = goTrimSpace(raw);
    if (line === '' || line.startsWith('#')) continue;
    const at = line.indexOf('=');
    if (at < 0) continue;
    m.set(goTrimSpace(line.slice(0, at)), goTrimSpace(line.slice(at + 1)));
  }
  return new GoMap('string', m);
}

/** b64decSafe: standard or URL alphabet, padding optional, surrounding space ignored; not base64 → the input unchanged. */
export function b64decSafe(input: string): string {
  const t = goTrimSpace(input);
  if (!/^[A-Za-z0-9+/\-_]*={0,2}$/.test(t) || /[+/]/.test(t) && /[-_]/.test(t)) return input;
  const body = t.replace(/=+$/, '');
  if (body.length % 4 === 1 || (t.includes('=') && t.length % 4 !== 0)) return input;
  const buf = Buffer.from(body.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (buf.toString('base64').replace(/=+$/, '') !== body.replace(/-/g, '+').replace(/_/g, '/')) return input;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(buf);
  return text;
}

/** The ack-secret-manager functions, by name. */
export const ESO_FUNCS: ReadonlyArray<[string, TemplateFunction]> = [
  ['bcrypt', fn(['string', 'int'], (a) => bcryptHash(s(a[0]!), a.length > 1 ? Number((a[1] as GoInt).v) : 10), true)],
  ['htpasswd', fn(['string', 'string'], (a) => { const h = bcryptHash(s(a[1]!), 10); return h === '' ? '' : `${s(a[0]!)}:${h}\n`; })],
  ['jsonPath', fn(['string', 'string'], (a) => jsonPath(s(a[0]!), s(a[1]!)))],
  ['mergeJson', fn(['string', 'string'], (a) => mergeJson(s(a[0]!), s(a[1]!)))],
  ['parseKeyValue', fn(['string'], (a) => parseKeyValue(s(a[0]!)))],
  ['toLines', fn(['string'], (a) => (s(a[0]!) === '' ? stringSlice([]) : stringSlice(goTrimSpace(s(a[0]!)).split('\n'))))],
  ['regexReplace', fn(['string', 'string', 'string'], (a) => {
    try { return goReplaceAllString(compileGoRegexp(s(a[1]!)), s(a[0]!), s(a[2]!)); } catch (e) { throw new FuncError(withoutFragment(e)); }
  })],
  ['b64decSafe', fn(['string'], (a) => b64decSafe(s(a[0]!)))],
];
