/**
 * text/template's predefined functions (`text/template/funcs.go`): and, or, not, len, index,
 * slice, print, printf, println, html, js, urlquery, call and the comparisons eq, ne, lt, le, gt,
 * ge with Go's rules (integers compare across signedness, int vs float is an error, missing values
 * compare equal to each other and unequal to anything else).
 */
import { fn, FuncError, type TemplateFunction } from './function-types.ts';
import { formatV, sprint, sprintf, sprintln } from './fmt.ts';
import { GoFloat, GoInt, GoMap, GoObject, GoSlice, NO_VALUE, byteLength, goInt, isSignedType, isTrue, kindName, typeName, type Val } from './values.ts';

type Kind = 'bool' | 'int' | 'uint' | 'float' | 'string' | 'invalid';

function basicKind(v: Val): Kind {
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string') return 'string';
  if (v instanceof GoInt) return isSignedType(v.type) ? 'int' : 'uint';
  if (v instanceof GoFloat) return 'float';
  return 'invalid';
}

const valid = (v: Val): boolean => v !== NO_VALUE && v !== null;
const num = (v: Val): bigint | number | string | boolean => (v instanceof GoInt || v instanceof GoFloat ? v.v : (v as string | boolean));

function eq(args: Val[]): Val {
  const [a, ...rest] = args;
  if (rest.length === 0) throw new FuncError('missing argument for comparison');
  const k1 = basicKind(a!);
  for (const b of rest) {
    const k2 = basicKind(b);
    let truth = false;
    if (k1 !== k2) {
      if ((k1 === 'int' && k2 === 'uint') || (k1 === 'uint' && k2 === 'int')) truth = (a as GoInt).v === (b as GoInt).v;
      else if (valid(a!) && valid(b)) throw new FuncError('incompatible types for comparison');
    } else if (k1 === 'invalid') {
      if (a instanceof GoObject && b instanceof GoObject) {
        if (a.type !== b.type) throw new FuncError(`non-comparable types ${a.type}, ${b.type}`);
        truth = a.equals(b);
      } else if (a instanceof GoSlice || a instanceof GoMap || b instanceof GoSlice || b instanceof GoMap) {
        throw new FuncError(`non-comparable type ${typeName(valid(a!) ? a! : b)}`);
      } else truth = !valid(a!) && !valid(b);
    } else truth = num(a!) === num(b);
    if (truth) return true;
  }
  return false;
}

function lt(args: Val[]): Val {
  const [a, b] = args as [Val, Val];
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === 'invalid' || k2 === 'invalid') throw new FuncError('invalid type for comparison');
  if (k1 !== k2) {
    if ((k1 === 'int' && k2 === 'uint') || (k1 === 'uint' && k2 === 'int')) return (a as GoInt).v < (b as GoInt).v;
    throw new FuncError('incompatible types for comparison');
  }
  if (k1 === 'bool') throw new FuncError('invalid type for comparison');
  if (k1 === 'string') return Buffer.compare(Buffer.from(a as string), Buffer.from(b as string)) < 0;
  return num(a) < num(b);
}

const le = (args: Val[]): Val => lt(args) === true || eq(args) === true;

/** Index argument as Go's indexArg: an integer in [0, cap]. */
function indexArg(i: Val, cap: number): number {
  if (i === NO_VALUE || i === null) throw new FuncError('cannot index slice/array with nil');
  if (!(i instanceof GoInt)) throw new FuncError(`cannot index slice/array with type ${typeName(i)}`);
  if (i.v < 0n || i.v > BigInt(cap)) throw new FuncError(`index out of range: ${i.v}`);
  return Number(i.v);
}

function index(args: Val[]): Val {
  let item: Val = args[0]!;
  if (!valid(item)) throw new FuncError('index of untyped nil');
  for (const ix of args.slice(1)) {
    if (item === null || item === NO_VALUE) throw new FuncError('index of nil pointer');
    if (typeof item === 'string' || item instanceof GoSlice) {
      const bytes: Buffer | undefined = typeof item === "string" ? Buffer.from(item) : undefined;
      const len: number = bytes ? bytes.length : (item as GoSlice).items.length;
      const x = indexArg(ix, len);
      if (x === len) throw new FuncError(`index out of range: ${x}`);
      item = bytes ? new GoInt('uint8', BigInt(bytes[x]!)) : (item as GoSlice).items[x]!;
    } else if (item instanceof GoMap) {
      if (ix === NO_VALUE || ix === null) throw new FuncError('value is nil; should be of type string');
      if (typeof ix !== 'string') throw new FuncError(`value has type ${typeName(ix)}; should be string`);
      const got = item.entries.get(ix);
      item = got !== undefined ? got : item.elem === 'string' ? '' : null;
    } else throw new FuncError(`can't index item of type ${typeName(item)}`);
  }
  return item;
}

function slice(args: Val[]): Val {
  const item = args[0]!;
  const idx = args.slice(1);
  if (!valid(item)) throw new FuncError('slice of untyped nil');
  if (idx.length > 3) throw new FuncError(`too many slice indexes: ${idx.length}`);
  let len: number;
  if (typeof item === 'string') {
    if (idx.length === 3) throw new FuncError('cannot 3-index slice a string');
    len = byteLength(item);
  } else if (item instanceof GoSlice) len = item.items.length;
  else throw new FuncError(`can't slice item of type ${typeName(item)}`);
  const x = [0, len, len];
  idx.forEach((v, i) => { x[i] = indexArg(v, len); });
  if (x[0]! > x[1]!) throw new FuncError(`invalid slice index: ${x[0]} > ${x[1]}`);
  if (idx.length === 3 && x[1]! > x[2]!) throw new FuncError(`invalid slice index: ${x[1]} > ${x[2]}`);
  if (typeof item === 'string') return Buffer.from(item).subarray(x[0], x[1]).toString('utf8');
  return new GoSlice(item.elem, item.items.slice(x[0], x[1]));
}

function length(args: Val[]): Val {
  const v = args[0]!;
  if (v === null) throw new FuncError('len of nil pointer');
  if (typeof v === 'string') return goInt(byteLength(v));
  if (v instanceof GoSlice) return goInt(v.items.length);
  if (v instanceof GoMap) return goInt(v.entries.size);
  if (v === NO_VALUE) throw new FuncError('reflect: call of reflect.Value.Type on zero Value');
  throw new FuncError(`len of type ${typeName(v)}`);
}

/** html/js/urlquery's evalArgs: a single string as is, else Sprint with "<no value>" for nil. */
const evalArgs = (args: Val[]): string =>
  args.length === 1 && typeof args[0] === 'string' ? args[0] : sprint(args.map((a) => (a === null || a === NO_VALUE ? '<no value>' : a)));

function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) => ({ '\0': '\ufffd', '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
}

function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const r = ch.codePointAt(0)!;
    const special: Record<string, string> = { '\\': '\\\\', "'": "\\'", '"': '\\"', '<': '\\u003C', '>': '\\u003E', '&': '\\u0026', '=': '\\u003D' };
    if (special[ch] !== undefined) out += special[ch];
    else if (r < 0x20) out += `\\u00${r.toString(16).toUpperCase().padStart(2, '0')}`;
    else if (r < 0x80 || /^[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}]$/u.test(ch) && (r === 0x20 || !/\p{Zs}/u.test(ch))) out += ch;
    else out += `\\u${r.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return out;
}

/** Go's url.QueryEscape. */
export function queryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The predefined functions, by name. */
export const BUILTINS: ReadonlyMap<string, TemplateFunction> = new Map<string, TemplateFunction>([
  ['and', fn(['value', 'value'], () => NO_VALUE, true)],
  ['or', fn(['value', 'value'], () => NO_VALUE, true)],
  ['not', fn(['value'], (a) => !isTrue(a[0]!))],
  ['len', fn(['value'], length)],
  ['index', fn(['value', 'value'], index, true)],
  ['slice', fn(['value', 'value'], slice, true)],
  ['print', fn(['any'], (a) => sprint(a), true)],
  ['printf', fn(['string', 'any'], (a) => sprintf(a[0] as string, a.slice(1)), true)],
  ['println', fn(['any'], (a) => sprintln(a), true)],
  ['html', fn(['any'], (a) => htmlEscape(evalArgs(a)), true)],
  ['js', fn(['any'], (a) => jsEscape(evalArgs(a)), true)],
  ['urlquery', fn(['any'], (a) => queryEscape(evalArgs(a)), true)],
  ['call', fn(['value', 'value'], (a) => { throw new FuncError(`non-function value of type ${kindName(a[0]!)}`); }, true)],
  ['eq', fn(['value', 'value'], eq, true)],
  ['ne', fn(['value', 'value'], (a) => !eq(a))],
  ['lt', fn(['value', 'value'], lt)],
  ['le', fn(['value', 'value'], le)],
  ['gt', fn(['value', 'value'], (a) => !le(a))],
  ['ge', fn(['value', 'value'], (a) => !lt(a))],
]);
