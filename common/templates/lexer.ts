/**
 * The lexer of Go's text/template (`text/template/parse/lex.go`), item for item: the parser pulls
 * one item at a time, so trim markers, comments and delimiters behave exactly as in Go. Positions
 * are UTF-16 offsets into the source; `location.ts` turns them into Go's byte columns.
 */

export const Item = {
  Error: 0, Bool: 1, Char: 2, CharConstant: 3, Comment: 4, Complex: 5, Assign: 6, Declare: 7, EOF: 8,
  Field: 9, Identifier: 10, LeftDelim: 11, LeftParen: 12, Number: 13, Pipe: 14, RawString: 15,
  RightDelim: 16, RightParen: 17, Space: 18, String: 19, Text: 20, Variable: 21,
  Keyword: 22, Block: 23, Break: 24, Continue: 25, Dot: 26, Define: 27, Else: 28, End: 29, If: 30,
  Nil: 31, Range: 32, Template: 33, With: 34,
} as const;
export type ItemType = (typeof Item)[keyof typeof Item];

/** One lexed item: its type, start offset, text and the line it starts on. */
export interface Token { typ: ItemType; pos: number; val: string; line: number }

const KEYWORDS: ReadonlyMap<string, ItemType> = new Map<string, ItemType>([
  ['.', Item.Dot], ['block', Item.Block], ['break', Item.Break], ['continue', Item.Continue],
  ['define', Item.Define], ['else', Item.Else], ['end', Item.End], ['if', Item.If],
  ['range', Item.Range], ['nil', Item.Nil], ['template', Item.Template], ['with', Item.With],
]);

const LEFT = '{{';
const RIGHT = '}}';
const EOF = -1;

/** Go's isSpace: only the four ASCII spaces. */
export const isSpace = (r: number): boolean => r === 0x20 || r === 0x09 || r === 0x0d || r === 0x0a;
/** Go's isAlphaNumeric: `_`, unicode.IsLetter or unicode.IsDigit. */
export const isAlphaNumeric = (r: number): boolean =>
  r === 0x5f || (r >= 0 && /^[\p{L}\p{Nd}]$/u.test(String.fromCodePoint(r)));
const hasLeftTrimMarker = (s: string, at: number): boolean => s.length - at >= 2 && s[at] === '-' && isSpace(s.charCodeAt(at + 1));
const hasRightTrimMarker = (s: string, at: number): boolean => s.length - at >= 2 && isSpace(s.charCodeAt(at)) && s[at + 1] === '-';
const trimRightLength = (s: string): number => s.length - s.replace(/[ \t\r\n]+$/, '').length;
const trimLeftLength = (s: string): number => s.length - s.replace(/^[ \t\r\n]+/, '').length;
const countNewlines = (s: string): number => { let n = 0; for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 10) n++; return n; };

type State = ((l: Lexer) => State) | null;

/** The state machine; `nextItem()` runs states until one emits. */
export class Lexer {
  input: string;
  pos = 0;
  start = 0;
  atEOF = false;
  parenDepth = 0;
  line = 1;
  startLine = 1;
  item: Token = { typ: Item.EOF, pos: 0, val: 'EOF', line: 1 };
  insideAction = false;
  breakOK = true;
  continueOK = true;

  constructor(input: string) { this.input = input; }

  next(): number {
    if (this.pos >= this.input.length) { this.atEOF = true; return EOF; }
    const r = this.input.codePointAt(this.pos)!;
    this.pos += r > 0xffff ? 2 : 1;
    if (r === 10) this.line++;
    return r;
  }

  peek(): number { const r = this.next(); this.backup(); return r; }

  backup(): void {
    if (!this.atEOF && this.pos > 0) {
      const lo = this.input.charCodeAt(this.pos - 1);
      const w = lo >= 0xdc00 && lo <= 0xdfff && this.pos >= 2 ? 2 : 1;
      this.pos -= w;
      if (lo === 10) this.line--;
    }
  }

  thisItem(typ: ItemType): Token {
    const t = { typ, pos: this.start, val: this.input.slice(this.start, this.pos), line: this.startLine };
    this.start = this.pos;
    this.startLine = this.line;
    return t;
  }

  emit(typ: ItemType): State { this.item = this.thisItem(typ); return null; }
  emitItem(t: Token): State { this.item = t; return null; }

  ignore(): void {
    this.line += countNewlines(this.input.slice(this.start, this.pos));
    this.start = this.pos;
    this.startLine = this.line;
  }

  accept(valid: string): boolean {
    const r = this.next();
    if (r !== EOF && valid.includes(String.fromCodePoint(r))) return true;
    this.backup();
    return false;
  }

  acceptRun(valid: string): void { while (this.accept(valid)) { /* consume */ } }

  errorf(message: string): State {
    this.item = { typ: Item.Error, pos: this.start, val: message, line: this.startLine };
    this.start = 0;
    this.pos = 0;
    this.input = '';
    return null;
  }

  nextItem(): Token {
    this.item = { typ: Item.EOF, pos: this.pos, val: 'EOF', line: this.startLine };
    let state: State = this.insideAction ? lexInsideAction : lexText;
    while (state !== null) state = state(this);
    return this.item;
  }

  atRightDelim(): { delim: boolean; trim: boolean } {
    if (hasRightTrimMarker(this.input, this.pos) && this.input.startsWith(RIGHT, this.pos + 2)) return { delim: true, trim: true };
    if (this.input.startsWith(RIGHT, this.pos)) return { delim: true, trim: false };
    return { delim: false, trim: false };
  }

  atTerminator(): boolean {
    const r = this.peek();
    if (isSpace(r)) return true;
    if (r === EOF || r === 0x2e || r === 0x2c || r === 0x7c || r === 0x3a || r === 0x29 || r === 0x28) return true;
    return this.input.startsWith(RIGHT, this.pos);
  }
}

function lexText(l: Lexer): State {
  const x = l.input.indexOf(LEFT, l.pos);
  if (x >= 0) {
    if (x > l.pos) {
      l.pos = x;
      let trim = 0;
      if (hasLeftTrimMarker(l.input, l.pos + LEFT.length)) trim = trimRightLength(l.input.slice(l.start, l.pos));
      l.pos -= trim;
      l.line += countNewlines(l.input.slice(l.start, l.pos));
      const i = l.thisItem(Item.Text);
      l.pos += trim;
      l.ignore();
      if (i.val.length > 0) return l.emitItem(i);
    }
    return lexLeftDelim;
  }
  l.pos = l.input.length;
  if (l.pos > l.start) {
    l.line += countNewlines(l.input.slice(l.start, l.pos));
    return l.emit(Item.Text);
  }
  return l.emit(Item.EOF);
}

function lexLeftDelim(l: Lexer): State {
  l.pos += LEFT.length;
  const trim = hasLeftTrimMarker(l.input, l.pos);
  const after = trim ? 2 : 0;
  if (l.input.startsWith('/*', l.pos + after)) {
    l.pos += after;
    l.ignore();
    return lexComment;
  }
  const i = l.thisItem(Item.LeftDelim);
  l.insideAction = true;
  l.pos += after;
  l.ignore();
  l.parenDepth = 0;
  return l.emitItem(i);
}

function lexComment(l: Lexer): State {
  l.pos += 2;
  const x = l.input.indexOf('*/', l.pos);
  if (x < 0) return l.errorf('unclosed comment');
  l.pos = x + 2;
  const { delim, trim } = l.atRightDelim();
  if (!delim) return l.errorf('comment ends before closing delimiter');
  l.line += countNewlines(l.input.slice(l.start, l.pos));
  if (trim) l.pos += 2;
  l.pos += RIGHT.length;
  if (trim) l.pos += trimLeftLength(l.input.slice(l.pos));
  l.ignore();
  return lexText;
}

function lexRightDelim(l: Lexer): State {
  const { trim } = l.atRightDelim();
  if (trim) { l.pos += 2; l.ignore(); }
  l.pos += RIGHT.length;
  const i = l.thisItem(Item.RightDelim);
  if (trim) { l.pos += trimLeftLength(l.input.slice(l.pos)); l.ignore(); }
  l.insideAction = false;
  return l.emitItem(i);
}

function lexInsideAction(l: Lexer): State {
  if (l.atRightDelim().delim) return l.parenDepth === 0 ? lexRightDelim : l.errorf('unclosed left paren');
  const r = l.next();
  if (r === EOF) return l.errorf('unclosed action');
  if (isSpace(r)) { l.backup(); return lexSpace; }
  switch (r) {
    case 0x3d: return l.emit(Item.Assign);
    case 0x3a: return l.next() !== 0x3d ? l.errorf('expected :=') : l.emit(Item.Declare);
    case 0x7c: return l.emit(Item.Pipe);
    case 0x22: return lexQuote;
    case 0x60: return lexRawQuote;
    case 0x24: return lexVariable;
    case 0x27: return lexChar;
    case 0x28: l.parenDepth++; return l.emit(Item.LeftParen);
    case 0x29:
      l.parenDepth--;
      return l.parenDepth < 0 ? l.errorf('unexpected right paren') : l.emit(Item.RightParen);
  }
  if (r === 0x2e && l.pos < l.input.length) {
    const c = l.input.charCodeAt(l.pos);
    if (c < 0x30 || c > 0x39) return lexField;
  }
  if (r === 0x2e || r === 0x2b || r === 0x2d || (r >= 0x30 && r <= 0x39)) { l.backup(); return lexNumber; }
  if (isAlphaNumeric(r)) { l.backup(); return lexIdentifier; }
  if (r <= 0x7f && r >= 0x20 && r !== 0x7f) return l.emit(Item.Char);
  return l.errorf(`unrecognized character in action: ${goRuneName(r)}`);
}

/** Go's `%#U` for a rune: `U+0001` or `U+00E9 'é'`. */
export function goRuneName(r: number): string {
  const hex = `U+${r.toString(16).toUpperCase().padStart(4, '0')}`;
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}]$/u.test(String.fromCodePoint(r)) ? `${hex} '${String.fromCodePoint(r)}'` : hex;
}

function lexSpace(l: Lexer): State {
  let n = 0;
  while (isSpace(l.peek())) { l.next(); n++; }
  if (hasRightTrimMarker(l.input, l.pos - 1) && l.input.startsWith(RIGHT, l.pos - 1 + 2)) {
    l.backup();
    if (n === 1) return lexRightDelim;
  }
  return l.emit(Item.Space);
}

function lexIdentifier(l: Lexer): State {
  for (;;) {
    const r = l.next();
    if (isAlphaNumeric(r)) continue;
    l.backup();
    const word = l.input.slice(l.start, l.pos);
    if (!l.atTerminator()) return l.errorf(`bad character ${goRuneName(r)}`);
    const kw = KEYWORDS.get(word);
    if (kw !== undefined && kw > Item.Keyword) {
      if ((kw === Item.Break && !l.breakOK) || (kw === Item.Continue && !l.continueOK)) return l.emit(Item.Identifier);
      return l.emit(kw);
    }
    if (word[0] === '.') return l.emit(Item.Field);
    if (word === 'true' || word === 'false') return l.emit(Item.Bool);
    return l.emit(Item.Identifier);
  }
}

const lexField = (l: Lexer): State => lexFieldOrVariable(l, Item.Field);
function lexVariable(l: Lexer): State {
  if (l.atTerminator()) return l.emit(Item.Variable);
  return lexFieldOrVariable(l, Item.Variable);
}

function lexFieldOrVariable(l: Lexer, typ: ItemType): State {
  if (l.atTerminator()) return l.emit(typ === Item.Variable ? Item.Variable : Item.Dot);
  let r: number;
  for (;;) {
    r = l.next();
    if (!isAlphaNumeric(r)) { l.backup(); break; }
  }
  if (!l.atTerminator()) return l.errorf(`bad character ${goRuneName(r)}`);
  return l.emit(typ);
}

function lexQuoted(l: Lexer, quote: number, typ: ItemType, what: string): State {
  for (;;) {
    let r = l.next();
    if (r === 0x5c) {
      r = l.next();
      if (r !== EOF && r !== 10) continue;
    }
    if (r === EOF || r === 10) return l.errorf(`unterminated ${what}`);
    if (r === quote) return l.emit(typ);
  }
}
const lexChar = (l: Lexer): State => lexQuoted(l, 0x27, Item.CharConstant, 'character constant');
const lexQuote = (l: Lexer): State => lexQuoted(l, 0x22, Item.String, 'quoted string');

function lexRawQuote(l: Lexer): State {
  for (;;) {
    const r = l.next();
    if (r === EOF) return l.errorf('unterminated raw quoted string');
    if (r === 0x60) return l.emit(Item.RawString);
  }
}

function lexNumber(l: Lexer): State {
  if (!scanNumber(l)) return l.errorf(`bad number syntax: ${goQuote(l.input.slice(l.start, l.pos))}`);
  const sign = l.peek();
  if (sign === 0x2b || sign === 0x2d) {
    if (!scanNumber(l) || l.input[l.pos - 1] !== 'i') return l.errorf(`bad number syntax: ${goQuote(l.input.slice(l.start, l.pos))}`);
    return l.emit(Item.Complex);
  }
  return l.emit(Item.Number);
}

function scanNumber(l: Lexer): boolean {
  l.accept('+-');
  let digits = '0123456789_';
  if (l.accept('0')) {
    if (l.accept('xX')) digits = '0123456789abcdefABCDEF_';
    else if (l.accept('oO')) digits = '01234567_';
    else if (l.accept('bB')) digits = '01_';
  }
  l.acceptRun(digits);
  if (l.accept('.')) l.acceptRun(digits);
  if (digits.length === 11 && l.accept('eE')) { l.accept('+-'); l.acceptRun('0123456789_'); }
  if (digits.length === 23 && l.accept('pP')) { l.accept('+-'); l.acceptRun('0123456789_'); }
  l.accept('i');
  if (isAlphaNumeric(l.peek())) { l.next(); return false; }
  return true;
}

/** Go's `%q` for the short strings that appear in messages (ASCII escapes, `\u` otherwise). */
export function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\\u00([0-9a-f]{2})/g, '\\x$1').replace(/\u007f/g, '\\x7f');
}
