/**
 * huandu/xstrings v1.5.0 case conversion as Sprig calls it: `camelcase` is ToPascalCase,
 * `snakecase` ToSnakeCase, `kebabcase` ToKebabCase. Ported rune for rune because the word
 * splitting (upper-case runs, digits, punctuation) decides the output.
 */
import { fromRunes, isGoSpace, isLetter, isNumber, isPunct, isUpper, runes, toLowerRune, toUpperRune } from './unicode.ts';

const isConnector = (r: number): boolean => r === 0x2d || r === 0x5f || isGoSpace(r);
/** xstrings isAlphabet: a letter outside the CJK blocks. */
const isAlphabet = (r: number): boolean => isLetter(r) && (r < 0x3400 || !/^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]$/u.test(String.fromCodePoint(r)));

/** toCamelCase(str, isBig=true): ToPascalCase. */
export function toPascalCase(str: string): string {
  const rs = runes(str);
  if (rs.length === 0) return '';
  const out: number[] = [];
  let i = 0;
  let r0 = 0;
  let upperFirst = false;
  for (; i < rs.length;) {
    r0 = rs[i++]!;
    if (!isConnector(r0)) { upperFirst = isUpper(r0); r0 = toUpperRune(r0); break; }
    out.push(r0);
  }
  if (i >= rs.length) { out.push(r0); return fromRunes(out); }
  for (; i < rs.length;) {
    const r1 = r0;
    r0 = rs[i++]!;
    if (isConnector(r0) && isConnector(r1)) { out.push(r1); continue; }
    if (isConnector(r1)) { upperFirst = isUpper(r0); r0 = toUpperRune(r0); }
    else {
      if (upperFirst) { if (isUpper(r0)) r0 = toLowerRune(r0); else upperFirst = false; }
      out.push(r1);
    }
  }
  out.push(r0);
  return fromRunes(out);
}

const W = { invalid: 0, number: 1, upper: 2, alphabet: 3, connector: 4, punct: 5, other: 6 } as const;
type Word = { wt: number; word: number[]; rest: number[] };

function runWhile(rs: number[], from: number, pred: (r: number) => boolean): number {
  let i = from;
  while (i < rs.length && pred(rs[i]!)) i++;
  return i;
}

function nextWord(rs: number[]): Word {
  if (rs.length === 0) return { wt: W.invalid, word: [], rest: [] };
  const r = rs[0]!;
  let end = 1;
  let wt: number = W.other;
  if (isConnector(r)) { wt = W.connector; end = runWhile(rs, 1, isConnector); }
  else if (isPunct(r)) { wt = W.punct; end = runWhile(rs, 1, isPunct); }
  else if (isUpper(r)) {
    wt = W.upper;
    if (rs.length > 1) {
      const r1 = rs[1]!;
      if (isUpper(r1)) {
        end = runWhile(rs, 1, isUpper);
        if (end < rs.length && isAlphabet(rs[end]!)) end--;
      } else if (isAlphabet(r1)) end = runWhile(rs, 1, (x) => isAlphabet(x) && !isUpper(x));
    }
  } else if (isAlphabet(r)) { wt = W.alphabet; end = runWhile(rs, 1, (x) => isAlphabet(x) && !isUpper(x)); }
  else if (isNumber(r)) { wt = W.number; end = runWhile(rs, 1, isNumber); }
  else end = runWhile(rs, 1, (x) => !(isConnector(x) || isAlphabet(x) || isNumber(x) || isPunct(x)));
  return { wt, word: rs.slice(0, end), rest: rs.slice(end) };
}

function toLower(out: number[], wt: number, word: number[], connector: number): void {
  if (wt !== W.upper && wt !== W.connector) { out.push(...word); return; }
  for (const r of word) out.push(isConnector(r) ? connector : isUpper(r) ? toLowerRune(r) : r);
}

/** camelCaseToLowerCase: the shared body of ToSnakeCase and ToKebabCase. */
export function camelToLower(str: string, connector: number): string {
  if (str === '') return '';
  const out: number[] = [];
  let { wt, word, rest } = nextWord(runes(str));
  const advance = (): void => { ({ wt, word, rest } = nextWord(rest)); };
  while (rest.length > 0) {
    if (wt !== W.connector) toLower(out, wt, word, connector);
    const prev = wt;
    const last = word;
    advance();
    if (prev === W.number) {
      while (wt === W.alphabet || wt === W.number) { toLower(out, wt, word, connector); advance(); }
      if (wt !== W.invalid && wt !== W.punct && wt !== W.connector) out.push(connector);
    } else if (prev === W.connector) toLower(out, prev, last, connector);
    else if (prev !== W.punct) afterLetters(out, connector, () => ({ wt, word, rest }), advance);
  }
  toLower(out, wt, word, connector);
  return fromRunes(out);
}

/** The `default:` branch of camelCaseToLowerCase (after an upper-case or alphabet word). */
function afterLetters(out: number[], connector: number, cur: () => Word, advance: () => void): void {
  let c = cur();
  if (c.wt !== W.number) { if (c.wt !== W.connector && c.wt !== W.punct) out.push(connector); return; }
  if (c.rest.length === 0) return;
  const last = c.word;
  advance();
  c = cur();
  if (c.wt !== W.alphabet) {
    toLower(out, W.number, last, connector);
    if (c.wt !== W.connector && c.wt !== W.punct) out.push(connector);
    return;
  }
  out.push(connector);
  toLower(out, W.number, last, connector);
  while (c.wt === W.alphabet || c.wt === W.number) { toLower(out, c.wt, c.word, connector); advance(); c = cur(); }
  if (c.wt !== W.invalid && c.wt !== W.connector && c.wt !== W.punct) out.push(connector);
}
