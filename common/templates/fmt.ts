/**
 * Go's `fmt` for the value kinds a template can hold: `%v` printing (what `{{ x }}` writes),
 * Sprint/Sprintln spacing rules, and Sprintf with flags, width, precision and the verbs
 * b c d e E f F g G o O q s t T U v x X, including Go's error forms (`%!d(string=x)`,
 * `%!v(MISSING)`, `%!(EXTRA ...)`).
 */
import { formatFloatAbs } from './float-format.ts';
import { GoFloat, GoInt, GoMap, GoObject, GoSlice, NO_VALUE, isSignedType, sortedKeys, typeName, type Val } from './values.ts';

/** Parsed flags of one verb. */
export interface Flags { plus: boolean; minus: boolean; sharp: boolean; space: boolean; zero: boolean; width: number; prec: number }
const NO_FLAGS: Flags = { plus: false, minus: false, sharp: false, space: false, zero: false, width: -1, prec: -1 };

const isPrintRune = (r: number): boolean => r === 0x20 || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(String.fromCodePoint(r));
const hex = (n: number, w: number): string => n.toString(16).padStart(w, '0');

/** strconv.Quote (or QuoteToASCII when `ascii`), quote char `q`. */
export function goQuoteString(s: string, ascii = false, q = '"'): string {
  let out = q;
  for (const ch of s) {
    const r = ch.codePointAt(0)!;
    if (ch === q || ch === '\\') { out += `\\${ch}`; continue; }
    if (ascii ? r < 0x7f && r >= 0x20 : isPrintRune(r)) { out += ch; continue; }
    switch (r) {
      case 7: out += '\\a'; continue;
      case 8: out += '\\b'; continue;
      case 12: out += '\\f'; continue;
      case 10: out += '\\n'; continue;
      case 13: out += '\\r'; continue;
      case 9: out += '\\t'; continue;
      case 11: out += '\\v'; continue;
    }
    if (r < 0x20 || r === 0x7f) out += `\\x${hex(r, 2)}`;
    else if (r === 0xfffd && ch !== '\ufffd') out += '\\ufffd';
    else if (r < 0x10000) out += `\\u${hex(r, 4)}`;
    else out += `\\U${hex(r, 8)}`;
  }
  return out + q;
}

function pad(s: string, f: Flags, zeroOK = true): string {
  const len = [...s].length;
  if (f.width < 0 || len >= f.width) return s;
  const n = f.width - len;
  if (f.minus) return s + ' '.repeat(n);
  if (f.zero && zeroOK) {
    const sign = /^[+\- ]/.test(s) ? s[0]! : '';
    return sign + '0'.repeat(n) + s.slice(sign.length);
  }
  return ' '.repeat(n) + s;
}

function fmtInteger(v: bigint, signed: boolean, verb: string, f: Flags): string | undefined {
  const neg = v < 0n;
  let a = neg ? -v : v;
  let digits: string;
  switch (verb) {
    case 'd': case 'v': digits = a.toString(10); break;
    case 'b': digits = a.toString(2); break;
    case 'o': case 'O': digits = a.toString(8); break;
    case 'x': digits = a.toString(16); break;
    case 'X': digits = a.toString(16).toUpperCase(); break;
    case 'c': return pad(String.fromCodePoint(validRune(v)), f, false);
    case 'q': return pad(goQuoteString(String.fromCodePoint(validRune(v)), f.plus, "'"), f, false);
    case 'U': {
      const u = `U+${a.toString(16).toUpperCase().padStart(4, '0')}`;
      return pad(f.sharp && isPrintRune(Number(a)) ? `${u} '${String.fromCodePoint(Number(a))}'` : u, f, false);
    }
    default: return undefined;
  }
  if (f.prec >= 0) { digits = f.prec === 0 && a === 0n ? '' : digits.padStart(f.prec, '0'); }
  else if (f.zero && !f.minus && f.width > 0) {
    const prefixLen = (neg || f.plus || f.space ? 1 : 0) + (f.sharp && (verb === 'x' || verb === 'X') ? 2 : f.sharp && verb === 'b' ? 2 : verb === 'O' ? 2 : 0);
    digits = digits.padStart(f.width - prefixLen, '0');
  }
  if (f.sharp) {
    if (verb === 'b') digits = `0b${digits}`;
    else if (verb === 'o' && digits[0] !== '0') digits = `0${digits}`;
    else if (verb === 'x') digits = `0x${digits}`;
    else if (verb === 'X') digits = `0X${digits}`;
  }
  if (verb === 'O') digits = `0o${digits}`;
  a = 0n;
  const sign = neg ? '-' : f.plus ? '+' : f.space ? ' ' : '';
  void signed;
  return pad(sign + digits, { ...f, zero: false });
}

const validRune = (v: bigint): number => (v < 0n || v > 0x10ffffn || (v >= 0xd800n && v <= 0xdfffn) ? 0xfffd : Number(v));

function fmtFloat(v: number, verb: string, f: Flags): string | undefined {
  if (!'veEfFgG'.includes(verb)) return undefined;
  if (Number.isNaN(v)) return pad(f.plus ? '+NaN' : f.space ? ' NaN' : 'NaN', f, false);
  if (!Number.isFinite(v)) return pad(v < 0 ? '-Inf' : f.space && !f.plus ? ' Inf' : '+Inf', f, false);
  const abs = Math.abs(v);
  let body: string;
  if (verb === 'v') body = formatFloatAbs(abs, 'g', f.prec, f.sharp);
  else if ('eEfF'.includes(verb)) body = formatFloatAbs(abs, verb === 'F' ? 'f' : verb, f.prec < 0 ? 6 : f.prec, f.sharp);
  else body = formatFloatAbs(abs, verb, f.prec, f.sharp);
  const sign = v < 0 || Object.is(v, -0) ? '-' : f.plus ? '+' : f.space ? ' ' : '';
  return pad(sign + body, f);
}

function fmtString(s: string, verb: string, f: Flags): string | undefined {
  const cut = f.prec >= 0 ? [...s].slice(0, f.prec).join('') : s;
  switch (verb) {
    case 'v': case 's': return pad(cut, f);
    case 'q':
      if (f.sharp && !cut.includes('`') && ![...cut].some((c) => c !== '\t' && !isPrintRune(c.codePointAt(0)!))) return pad(`\`${cut}\``, f);
      return pad(goQuoteString(cut, f.plus), f);
    case 'x': case 'X': {
      const bytes = [...Buffer.from(f.prec >= 0 ? Buffer.from(s).subarray(0, f.prec) : Buffer.from(s))];
      let h = bytes.map((b) => (f.sharp ? (verb === 'x' ? '0x' : '0X') : '') + hex(b, 2)).join(f.space ? ' ' : '');
      if (f.sharp && !f.space) h = (verb === 'x' ? '0x' : '0X') + bytes.map((b) => hex(b, 2)).join('');
      return pad(verb === 'X' ? h.toUpperCase().replace(/0X/g, '0X') : h, f);
    }
    default: return undefined;
  }
}

/** Formats one operand for one verb; undefined when the verb does not apply to the type. */
function fmtValue(v: Val, verb: string, f: Flags, depth: number): string | undefined {
  if (verb === 'T') return pad(typeName(v), f);
  if (verb === 'v' && f.sharp) return pad(goSyntax(v, true), f);
  if (v === NO_VALUE || v === null) return verb === 'v' ? pad('<nil>', f) : undefined;
  if (typeof v === 'string') return fmtString(v, verb, f);
  if (typeof v === 'boolean') return verb === 'v' || verb === 't' ? pad(String(v), f) : undefined;
  if (v instanceof GoInt) return fmtInteger(v.v, isSignedType(v.type), verb, f);
  if (v instanceof GoFloat) return fmtFloat(v.v, verb, f);
  if (v instanceof GoSlice) {
    const parts = v.items.map((x) => fmtValue(x, verb, f, depth + 1) ?? badVerb(x, verb));
    return `[${parts.join(' ')}]`;
  }
  if (v instanceof GoMap) {
    const parts = sortedKeys(v).map((k) => `${fmtValue(k, verb, f, depth + 1) ?? badVerb(k, verb)}:${fmtValue(v.entries.get(k)!, verb, f, depth + 1) ?? badVerb(v.entries.get(k)!, verb)}`);
    return `map[${parts.join(' ')}]`;
  }
  // fmt's handleMethods: a Stringer prints its String() for the string-like verbs.
  if (v instanceof GoObject) return verb === 'v' || verb === 's' || verb === 'q' || verb === 'x' || verb === 'X' ? fmtString(v.toString(), verb, f) : undefined;
  return undefined;
}

/** `%#v`: Go-syntax representation (`[]interface {}{1, "a"}`). */
function goSyntax(v: Val, top: boolean): string {
  if (v === NO_VALUE || v === null) return top ? '<nil>' : 'interface {}(nil)';
  if (typeof v === 'string') return goQuoteString(v);
  if (typeof v === 'boolean') return String(v);
  if (v instanceof GoInt) return v.type === 'int' || !top ? v.v.toString() : `${v.v}`;
  if (v instanceof GoFloat) { const t = formatFloatAbs(Math.abs(v.v), 'g', -1); return (v.v < 0 ? '-' : '') + t; }
  if (v instanceof GoSlice) return v.nil ? `[]${v.elem}(nil)` : `[]${v.elem}{${v.items.map((x) => goSyntax(x, false)).join(', ')}}`;
  // Go prints the unexported struct fields here; the engine prints the String form instead.
  if (v instanceof GoObject) return `${v.type}(${goQuoteString(v.toString())})`;
  return `map[string]${v.elem}{${sortedKeys(v).map((k) => `${goQuoteString(k)}:${goSyntax(v.entries.get(k)!, false)}`).join(', ')}}`;
}

function badVerb(v: Val, verb: string): string {
  if (v === NO_VALUE || v === null) return `%!${verb}(<nil>)`;
  return `%!${verb}(${typeName(v)}=${fmtValue(v, 'v', NO_FLAGS, 0)})`;
}

/** `%v` of one value, as `{{ x }}` and fmt.Sprint print it. */
export function formatV(v: Val): string {
  return fmtValue(v, 'v', NO_FLAGS, 0)!;
}

/** fmt.Sprint: spaces between operands when neither side is a string. */
export function sprint(args: readonly Val[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += formatV(a);
  });
  return out;
}

/** fmt.Sprintln: always spaces, then a newline. */
export function sprintln(args: readonly Val[]): string {
  return `${args.map(formatV).join(' ')}\n`;
}

/** Reads flags, width and precision at format[i]; returns them and the index of the verb. */
function parseSpec(format: string, start: number, args: readonly Val[], argi: { n: number }): { f: Flags; i: number; bad: string } {
  const f: Flags = { ...NO_FLAGS };
  let i = start;
  let bad = '';
  for (; i < format.length; i++) {
    const c = format[i];
    if (c === '+') f.plus = true; else if (c === '-') f.minus = true; else if (c === '#') f.sharp = true;
    else if (c === ' ') f.space = true; else if (c === '0') f.zero = true; else break;
  }
  const num = (): number => { let n = -1; while (i < format.length && format[i]! >= '0' && format[i]! <= '9') { n = (n < 0 ? 0 : n * 10) + Number(format[i]); i++; } return n; };
  const star = (): number => {
    const a = args[argi.n++];
    if (a instanceof GoInt) return Number(a.v);
    bad = a === undefined ? '%!(BADWIDTH)' : '%!(BADWIDTH)';
    return -1;
  };
  if (format[i] === '*') { i++; f.width = star(); if (f.width < 0 && bad === '' && f.width !== -1) { f.minus = true; f.width = -f.width; } }
  else f.width = num();
  if (format[i] === '.') {
    i++;
    if (format[i] === '*') { i++; f.prec = star(); if (bad) bad = '%!(BADPREC)'; }
    else { const p = num(); f.prec = p < 0 ? 0 : p; }
  }
  if (f.minus) f.zero = false;
  return { f, i, bad };
}

/** fmt.Sprintf. */
export function sprintf(format: string, args: readonly Val[]): string {
  let out = '';
  const argi = { n: 0 };
  for (let i = 0; i < format.length;) {
    const c = format[i]!;
    if (c !== '%') { const j = format.indexOf('%', i); const end = j < 0 ? format.length : j; out += format.slice(i, end); i = end; continue; }
    const spec = parseSpec(format, i + 1, args, argi);
    out += spec.bad;
    i = spec.i;
    if (i >= format.length) { out += '%!(NOVERB)'; break; }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') { out += '%'; continue; }
    if (argi.n >= args.length) { out += `%!${verb}(MISSING)`; continue; }
    const a = args[argi.n++]!;
    out += fmtValue(a, verb, spec.f, 0) ?? badVerb(a, verb);
  }
  if (argi.n < args.length) out += `%!(EXTRA ${args.slice(argi.n).map((a) => (a === null || a === NO_VALUE ? '<nil>' : `${typeName(a)}=${formatV(a)}`)).join(', ')})`;
  return out;
}
