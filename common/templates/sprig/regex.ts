/**
 * Sprig's regex family on Go's RE2 syntax, through the RE2 → JavaScript translation of
 * common/go-regexp.ts, with Go's iteration rules (an empty match right after a previous
 * match is skipped; `n < 0` means all; Split's edge cases).
 */
import { compileGoRegexp, goReplaceAllString, type GoRegexp } from '../../go-regexp.ts';
import { fn, FuncError, type TemplateFunction } from '../function-types.ts';
import { stringSlice, type GoInt, type Val } from '../values.ts';

const s = (v: Val): string => v as string;
const n = (v: Val): number => Number((v as GoInt).v);

/**
 * Compiles, turning a syntax error into the function's error (Sprig: panic or error, both fail).
 * The message leaves out the pattern fragment Go quotes: a pattern may come from secret data.
 */
export function compile(pattern: string): GoRegexp {
  try { return compileGoRegexp(pattern); } catch (e) { throw new FuncError(withoutFragment(e)); }
}

/** `error parsing regexp: missing closing ): \`(\`` → `error parsing regexp: missing closing )`. */
export const withoutFragment = (e: unknown): string => (e as Error).message.replace(/: `[\s\S]*`$/, '');

/** Regexp.FindAllStringIndex(s, n). */
export function findAllIndex(re: GoRegexp, str: string, limit: number): [number, number][] {
  const out: [number, number][] = [];
  const max = limit < 0 ? str.length + 1 : limit;
  let pos = 0;
  let prevEnd = -1;
  while (out.length < max && pos <= str.length) {
    re.js.lastIndex = pos;
    const m = re.js.exec(str);
    if (m === null) break;
    const start = m.index;
    const end = start + m[0].length;
    let accept = true;
    if (end === pos) {
      if (start === prevEnd) accept = false;
      const cp = str.codePointAt(pos);
      pos += cp === undefined ? 1 : cp > 0xffff ? 2 : 1;
    } else pos = end;
    prevEnd = end;
    if (accept) out.push([start, end]);
  }
  return out;
}

function split(re: GoRegexp, str: string, limit: number): string[] {
  if (limit === 0) return [];
  if (re.source.length > 0 && str.length === 0) return [''];
  const out: string[] = [];
  let beg = 0;
  let end = 0;
  for (const [a, b] of findAllIndex(re, str, limit)) {
    if (limit > 0 && out.length === limit - 1) break;
    end = a;
    if (b !== 0) out.push(str.slice(beg, end));
    beg = b;
  }
  if (end !== str.length) out.push(str.slice(beg));
  return out;
}

function replaceLiteral(re: GoRegexp, str: string, repl: string): string {
  let out = '';
  let last = 0;
  for (const [a, b] of findAllIndex(re, str, -1)) { out += str.slice(last, a) + repl; last = b; }
  return out + str.slice(last);
}

/** regexp.QuoteMeta. */
export const quoteMeta = (str: string): string => str.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');

const firstMatch = (re: GoRegexp, str: string): string => { const m = findAllIndex(re, str, 1)[0]; return m ? str.slice(m[0], m[1]) : ''; };

/** The regex family (the `must` forms and the plain forms fail alike on a bad pattern). */
export const REGEX_FUNCS: ReadonlyArray<[string, TemplateFunction]> = [
  ...['regexMatch', 'mustRegexMatch'].map((k): [string, TemplateFunction] => [k, fn(['string', 'string'], (a) => findAllIndex(compileOrFalse(k, s(a[0]!)), s(a[1]!), 1).length > 0)]),
  ...['regexFindAll', 'mustRegexFindAll'].map((k): [string, TemplateFunction] => [k, fn(['string', 'string', 'int'], (a) => { const re = compile(s(a[0]!)); return stringSlice(findAllIndex(re, s(a[1]!), n(a[2]!)).map(([x, y]) => s(a[1]!).slice(x, y))); })]),
  ...['regexFind', 'mustRegexFind'].map((k): [string, TemplateFunction] => [k, fn(['string', 'string'], (a) => firstMatch(compile(s(a[0]!)), s(a[1]!)))]),
  ...['regexReplaceAll', 'mustRegexReplaceAll'].map((k): [string, TemplateFunction] => [k, fn(['string', 'string', 'string'], (a) => goReplaceAllString(compile(s(a[0]!)), s(a[1]!), s(a[2]!)))]),
  ...['regexReplaceAllLiteral', 'mustRegexReplaceAllLiteral'].map((k): [string, TemplateFunction] => [k, fn(['string', 'string', 'string'], (a) => replaceLiteral(compile(s(a[0]!)), s(a[1]!), s(a[2]!)))]),
  ...['regexSplit', 'mustRegexSplit'].map((k): [string, TemplateFunction] => [k, fn(['string', 'string', 'int'], (a) => stringSlice(split(compile(s(a[0]!)), s(a[1]!), n(a[2]!))))]),
  ['regexQuoteMeta', fn(['string'], (a) => quoteMeta(s(a[0]!)))],
];

/** regexMatch swallows a bad pattern as "no match" (regexp.MatchString's error is dropped). */
function compileOrFalse(name: string, pattern: string): GoRegexp {
  try { return compileGoRegexp(pattern); } catch (e) {
    if (name === 'regexMatch') return compileGoRegexp('[^\\x00-\\x{10FFFF}]');
    throw new FuncError(withoutFragment(e));
  }
}
