/**
 * Go's `strconv.Unquote` for the three literal forms a template can hold: "interpreted",
 * `raw` and 'c' (a character constant, which becomes a rune number).
 */

export class UnquoteError extends Error {
  constructor() { super('invalid syntax'); this.name = 'UnquoteError'; }
}

const SIMPLE: Readonly<Record<string, number>> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, "'": 39, '"': 34 };

/** Decodes one escape at s[i] (just after the backslash); returns the code point or byte and the next index. */
function unescape(s: string, i: number, quote: string): { value: number; byte: boolean; next: number } {
  const c = s[i];
  if (c === undefined) throw new UnquoteError();
  if (c in SIMPLE) {
    if ((c === "'" || c === '"') && c !== quote) throw new UnquoteError();
    return { value: SIMPLE[c]!, byte: false, next: i + 1 };
  }
  const hex = (n: number, byte: boolean): { value: number; byte: boolean; next: number } => {
    const h = s.slice(i + 1, i + 1 + n);
    if (h.length !== n || !/^[0-9a-fA-F]+$/.test(h)) throw new UnquoteError();
    const v = parseInt(h, 16);
    if (!byte && (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))) throw new UnquoteError();
    return { value: v, byte, next: i + 1 + n };
  };
  if (c === 'x') return hex(2, true);
  if (c === 'u') return hex(4, false);
  if (c === 'U') return hex(8, false);
  if (c >= '0' && c <= '7') {
    const o = s.slice(i, i + 3);
    if (!/^[0-7]{3}$/.test(o) || parseInt(o, 8) > 255) throw new UnquoteError();
    return { value: parseInt(o, 8), byte: true, next: i + 3 };
  }
  throw new UnquoteError();
}

const utf8 = new TextDecoder('utf-8');

/** Unquotes a "..." or `...` literal; \x and octal escapes are bytes, decoded as UTF-8 at the end. */
export function goUnquote(quoted: string): string {
  const q = quoted[0];
  if (quoted.length < 2 || quoted[quoted.length - 1] !== q) throw new UnquoteError();
  const body = quoted.slice(1, -1);
  if (q === '`') {
    if (body.includes('`')) throw new UnquoteError();
    return body.replace(/\r/g, '');
  }
  if (q !== '"') throw new UnquoteError();
  if (!body.includes('\\')) {
    if (body.includes('"') || body.includes('\n')) throw new UnquoteError();
    return body;
  }
  const bytes: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < body.length;) {
    const ch = body[i]!;
    if (ch === '"' || ch === '\n') throw new UnquoteError();
    if (ch !== '\\') {
      const cp = body.codePointAt(i)!;
      const w = cp > 0xffff ? 2 : 1;
      bytes.push(...enc.encode(body.slice(i, i + w)));
      i += w;
      continue;
    }
    const e = unescape(body, i + 1, '"');
    if (e.byte) bytes.push(e.value); else bytes.push(...enc.encode(String.fromCodePoint(e.value)));
    i = e.next;
  }
  return utf8.decode(new Uint8Array(bytes));
}

/** Unquotes a 'c' character constant to its rune value. */
export function goUnquoteChar(quoted: string): number {
  if (quoted.length < 3 || quoted[0] !== "'" || quoted[quoted.length - 1] !== "'") throw new UnquoteError();
  const body = quoted.slice(1, -1);
  if (body[0] === '\\') {
    const e = unescape(body, 1, "'");
    if (e.next !== body.length) throw new UnquoteError();
    return e.value;
  }
  const cp = body.codePointAt(0)!;
  if ((cp > 0xffff ? 2 : 1) !== body.length || cp === 0x27 || cp === 10) throw new UnquoteError();
  return cp;
}
