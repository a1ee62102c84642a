/**
 * Go's `unicode` predicates and per-rune case mapping, which differ from JavaScript's: Go maps one
 * rune to one rune (`ToUpper('ß')` is 'ß', JavaScript gives "SS") and its IsSpace excludes U+FEFF.
 */

/** unicode.IsSpace. */
export const isGoSpace = (r: number): boolean =>
  (r >= 9 && r <= 13) || r === 0x20 || r === 0x85 || r === 0xa0 || r === 0x1680 || (r >= 0x2000 && r <= 0x200a) ||
  r === 0x2028 || r === 0x2029 || r === 0x202f || r === 0x205f || r === 0x3000;

const test = (re: RegExp, r: number): boolean => re.test(String.fromCodePoint(r));
export const isUpper = (r: number): boolean => test(/^\p{Lu}$/u, r);
export const isLower = (r: number): boolean => test(/^\p{Ll}$/u, r);
export const isTitle = (r: number): boolean => test(/^\p{Lt}$/u, r);
export const isLetter = (r: number): boolean => test(/^\p{L}$/u, r);
export const isDigit = (r: number): boolean => test(/^\p{Nd}$/u, r);
export const isNumber = (r: number): boolean => test(/^\p{N}$/u, r);
export const isPunct = (r: number): boolean => test(/^\p{P}$/u, r);

/** Single-rune mapping: JavaScript's result when it is one code point, else the rune itself. */
function mapRune(r: number, f: (s: string) => string): number {
  const m = f(String.fromCodePoint(r));
  const cp = m.codePointAt(0)!;
  return m.length === String.fromCodePoint(cp).length ? cp : r;
}
export const toUpperRune = (r: number): number => mapRune(r, (s) => s.toUpperCase());
export const toLowerRune = (r: number): number => (r === 0x130 ? 0x69 : mapRune(r, (s) => s.toLowerCase()));
/** unicode.ToTitle: upper case except the few title-case digraphs. */
export function toTitleRune(r: number): number {
  const t: Record<number, number> = { 0x1c4: 0x1c5, 0x1c5: 0x1c5, 0x1c6: 0x1c5, 0x1c7: 0x1c8, 0x1c8: 0x1c8, 0x1c9: 0x1c8, 0x1ca: 0x1cb, 0x1cb: 0x1cb, 0x1cc: 0x1cb, 0x1f1: 0x1f2, 0x1f2: 0x1f2, 0x1f3: 0x1f2 };
  return t[r] ?? toUpperRune(r);
}

export const runes = (s: string): number[] => [...s].map((c) => c.codePointAt(0)!);
export const fromRunes = (rs: readonly number[]): string => rs.map((r) => String.fromCodePoint(r)).join('');

/** strings.ToUpper / ToLower, rune by rune. */
export const goUpper = (s: string): string => fromRunes(runes(s).map(toUpperRune));
export const goLower = (s: string): string => fromRunes(runes(s).map(toLowerRune));

/** strings.TrimSpace. */
export function goTrimSpace(s: string): string {
  const rs = runes(s);
  let a = 0;
  let b = rs.length;
  while (a < b && isGoSpace(rs[a]!)) a++;
  while (b > a && isGoSpace(rs[b - 1]!)) b--;
  return fromRunes(rs.slice(a, b));
}

/** strings.Trim(s, cutset): strips runes in cutset from both ends. */
export function goTrim(s: string, cutset: string): string {
  const set = new Set(runes(cutset));
  const rs = runes(s);
  let a = 0;
  let b = rs.length;
  while (a < b && set.has(rs[a]!)) a++;
  while (b > a && set.has(rs[b - 1]!)) b--;
  return fromRunes(rs.slice(a, b));
}

/** strings.Title's word separator rule. */
function isSeparator(r: number): boolean {
  if (r <= 0x7f) return !/[0-9a-zA-Z_]/.test(String.fromCharCode(r));
  if (isLetter(r) || isDigit(r)) return false;
  return isGoSpace(r);
}

/** strings.Title (deprecated in Go, still what Sprig's `title` calls). */
export function goTitle(s: string): string {
  let prev = 0x20;
  return fromRunes(runes(s).map((r) => {
    const out = isSeparator(prev) ? toTitleRune(r) : r;
    prev = r;
    return out;
  }));
}

/** A Go string's bytes viewed one byte per char (how byte-wise Go code sees it). */
export const latin1Bytes = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');
/** Go s[a:b] on bytes; throws like Go's slice bounds panic. */
export function sliceBytes(s: string, a: number, b?: number): string {
  const buf = Buffer.from(s, 'utf8');
  const end = b ?? buf.length;
  if (a < 0 || end > buf.length || a > end) throw new Error(`runtime error: slice bounds out of range [${a}:${end}] with length ${buf.length}`);
  return buf.subarray(a, end).toString('utf8');
}
