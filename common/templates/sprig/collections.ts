/**
 * Sprig's list and dict functions (list.go, dict.go). Lists come back as []interface{};
 * `keys` and `values` return Go map order, which Go randomises: here it is sorted (by key), a
 * deterministic choice inside Go's set of possible outputs.
 */
import { fn, FuncError, type TemplateFunction } from '../function-types.ts';
import { GoFloat, GoInt, GoMap, GoSlice, NO_VALUE, anyMap, anySlice, kindName, sortedKeys, stringSlice, typeName, type GoValue, type Val } from '../values.ts';
import { empty } from './defaults.ts';
import { strval } from './strings.ts';
import { toInt64 } from './cast.ts';

const nil = (v: Val): GoValue => (v === NO_VALUE ? null : v);

/** reflect.DeepEqual on template values (types must match; nil and empty slices differ). */
export function deepEqual(a: Val, b: Val): boolean {
  const x = nil(a);
  const y = nil(b);
  if (x === null || y === null) return x === y;
  if (typeName(x) !== typeName(y)) return false;
  if (x instanceof GoInt || x instanceof GoFloat) return x.v === (y as GoInt | GoFloat).v;
  if (x instanceof GoSlice) {
    const ys = y as GoSlice;
    return x.nil === ys.nil && x.items.length === ys.items.length && x.items.every((v, i) => deepEqual(v, ys.items[i]!));
  }
  if (x instanceof GoMap) {
    const ym = y as GoMap;
    return x.entries.size === ym.entries.size && [...x.entries].every(([k, v]) => ym.entries.has(k) && deepEqual(v, ym.entries.get(k)!));
  }
  return x === y;
}

/** The elements of a slice, or the Go error/panic Sprig raises for other kinds. */
function items(v: Val, what: string): GoValue[] {
  if (v instanceof GoSlice) return v.items;
  if (v === null || v === NO_VALUE) throw new FuncError('runtime error: invalid memory address or nil pointer dereference');
  throw new FuncError(`Cannot ${what} type ${kindName(v)}`);
}
const nilSlice = (): GoSlice => new GoSlice('interface {}', [], true);

function chunk(size: number, list: Val): GoSlice {
  const xs = items(list, 'chunk');
  if (size <= 0) throw new FuncError('runtime error: integer divide by zero');
  const out: GoValue[] = [];
  for (let i = 0; i < xs.length; i += size) out.push(anySlice(xs.slice(i, i + size)));
  return new GoSlice('[]interface {}', out);
}

function sprigSlice(list: Val, idx: Val[]): Val {
  const xs = items(list, 'slice');
  if (!(list instanceof GoSlice) || xs.length === 0) return null;
  const start = idx.length > 0 ? Number(toInt64(idx[0]!)) : 0;
  const end = idx.length < 2 ? xs.length : Number(toInt64(idx[1]!));
  if (start < 0 || end > xs.length || start > end) throw new FuncError(`reflect: slice index out of range`);
  return new GoSlice(list.elem, xs.slice(start, end));
}

const m = (v: Val): GoMap => v as GoMap;

/** mergo's Merge/MergeWithOverwrite on map[string]interface{} (in place, nested maps merged). */
export function mergeInto(dst: GoMap, src: GoMap, overwrite: boolean): void {
  for (const [key, s] of src.entries) {
    const d = dst.entries.get(key);
    if (s === null) { if (overwrite) dst.entries.set(key, null); continue; }
    if (s instanceof GoMap && d instanceof GoMap) mergeInto(d, s, overwrite);
    if (s instanceof GoSlice) dst.entries.set(key, overwrite || dst.entries.size === 0 ? s : d === undefined || d === null ? new GoSlice(s.elem, []) : d);
    if (d !== undefined && !empty(d)) {
      if (s instanceof GoSlice) continue;
      if (s instanceof GoMap && d instanceof GoMap) continue;
    }
    if (overwrite || d === undefined || empty(d)) dst.entries.set(key, s);
  }
}

function dig(a: Val[]): Val {
  if (a.length < 3) throw new FuncError('dig needs at least three arguments');
  let dict = a[a.length - 1];
  const def = a[a.length - 2]!;
  const ks = a.slice(0, -2);
  if (!(dict instanceof GoMap) || dict.elem !== 'interface {}') throw new FuncError(`interface conversion: interface {} is ${typeName(dict!)}, not map[string]interface {}`);
  for (let i = 0; i < ks.length; i++) {
    const k = ks[i];
    if (typeof k !== 'string') throw new FuncError(`interface conversion: interface {} is ${typeName(k!)}, not string`);
    const step: GoValue | undefined = (dict as GoMap).entries.get(k);
    if (step === undefined) return def;
    if (i === ks.length - 1) return step;
    if (!(step instanceof GoMap) || step.elem !== 'interface {}') throw new FuncError(`interface conversion: interface {} is ${typeName(step)}, not map[string]interface {}`);
    dict = step;
  }
  return def;
}

function dict(a: Val[]): GoMap {
  const out = new Map<string, GoValue>();
  for (let i = 0; i < a.length; i += 2) out.set(strval(a[i]!), i + 1 >= a.length ? '' : nil(a[i + 1]!));
  return anyMap(out);
}

/** The list family. */
export const LIST_FUNCS: ReadonlyArray<[string, TemplateFunction]> = [
  ['list', fn(['any'], (a) => anySlice(a.map(nil)), true)],
  ['tuple', fn(['any'], (a) => anySlice(a.map(nil)), true)],
  ...['append', 'push', 'mustAppend', 'mustPush'].map((name): [string, TemplateFunction] => [name, fn(['any', 'any'], (a) => anySlice([...items(a[0]!, 'push on'), nil(a[1]!)]))]),
  ...['prepend', 'mustPrepend'].map((name): [string, TemplateFunction] => [name, fn(['any', 'any'], (a) => anySlice([nil(a[1]!), ...items(a[0]!, 'prepend on')]))]),
  ...['first', 'mustFirst'].map((name): [string, TemplateFunction] => [name, fn(['any'], (a) => items(a[0]!, 'find first on')[0] ?? null)]),
  ...['last', 'mustLast'].map((name): [string, TemplateFunction] => [name, fn(['any'], (a) => { const xs = items(a[0]!, 'find last on'); return xs.length ? xs[xs.length - 1]! : null; })]),
  ...['rest', 'mustRest'].map((name): [string, TemplateFunction] => [name, fn(['any'], (a) => { const xs = items(a[0]!, 'find rest on'); return xs.length ? anySlice(xs.slice(1)) : nilSlice(); })]),
  ...['initial', 'mustInitial'].map((name): [string, TemplateFunction] => [name, fn(['any'], (a) => { const xs = items(a[0]!, 'find initial on'); return xs.length ? anySlice(xs.slice(0, -1)) : nilSlice(); })]),
  ...['reverse', 'mustReverse'].map((name): [string, TemplateFunction] => [name, fn(['any'], (a) => anySlice([...items(a[0]!, 'find reverse on')].reverse()))]),
  ...['uniq', 'mustUniq'].map((name): [string, TemplateFunction] => [name, fn(['any'], (a) => { const out: GoValue[] = []; for (const x of items(a[0]!, 'find uniq on')) if (!out.some((y) => deepEqual(x, y))) out.push(x); return anySlice(out); })]),
  ...['without', 'mustWithout'].map((name): [string, TemplateFunction] => [name, fn(['any', 'any'], (a) => anySlice(items(a[0]!, 'find without on').filter((x) => !a.slice(1).some((o) => deepEqual(x, o)))), true)]),
  ...['has', 'mustHas'].map((name): [string, TemplateFunction] => [name, fn(['any', 'any'], (a) => (a[1] === null || a[1] === NO_VALUE ? false : items(a[1]!, 'find has on').some((x) => deepEqual(a[0]!, x))))]),
  ...['slice', 'mustSlice'].map((name): [string, TemplateFunction] => [name, fn(['any', 'any'], (a) => sprigSlice(a[0]!, a.slice(1)), true)]),
  ...['compact', 'mustCompact'].map((name): [string, TemplateFunction] => [name, fn(['any'], (a) => anySlice(items(a[0]!, 'compact on').filter((x) => !empty(x))))]),
  ...['chunk', 'mustChunk'].map((name): [string, TemplateFunction] => [name, fn(['int', 'any'], (a) => chunk(Number((a[0] as GoInt).v), a[1]!))]),
  ['concat', fn(['any'], (a) => { const out: GoValue[] = []; for (const l of a) out.push(...items(l, 'concat type')); return a.length ? anySlice(out) : nilSlice(); }, true)],
];

/** The dict family. */
export const DICT_FUNCS: ReadonlyArray<[string, TemplateFunction]> = [
  ['dict', fn(['any'], dict, true)],
  ['get', fn(['map[string]interface {}', 'string'], (a) => m(a[0]!).entries.get(a[1] as string) ?? '')],
  ['set', fn(['map[string]interface {}', 'string', 'any'], (a) => { m(a[0]!).entries.set(a[1] as string, nil(a[2]!)); return a[0]!; })],
  ['unset', fn(['map[string]interface {}', 'string'], (a) => { m(a[0]!).entries.delete(a[1] as string); return a[0]!; })],
  ['hasKey', fn(['map[string]interface {}', 'string'], (a) => m(a[0]!).entries.has(a[1] as string))],
  ['pluck', fn(['string', 'map[string]interface {}'], (a) => anySlice(a.slice(1).filter((d) => m(d).entries.has(a[0] as string)).map((d) => m(d).entries.get(a[0] as string)!)), true)],
  ['keys', fn(['map[string]interface {}'], (a) => stringSlice(a.flatMap((d) => sortedKeys(m(d)))), true)],
  ['pick', fn(['map[string]interface {}', 'string'], (a) => anyMap(new Map((a.slice(1) as string[]).filter((k) => m(a[0]!).entries.has(k)).map((k) => [k, m(a[0]!).entries.get(k)!]))), true)],
  ['omit', fn(['map[string]interface {}', 'string'], (a) => anyMap(new Map([...m(a[0]!).entries].filter(([k]) => !(a.slice(1) as string[]).includes(k)))), true)],
  ...['merge', 'mustMerge'].map((name): [string, TemplateFunction] => [name, fn(['map[string]interface {}', 'map[string]interface {}'], (a) => { for (const src of a.slice(1)) mergeInto(m(a[0]!), m(src), false); return a[0]!; }, true)]),
  ...['mergeOverwrite', 'mustMergeOverwrite'].map((name): [string, TemplateFunction] => [name, fn(['map[string]interface {}', 'map[string]interface {}'], (a) => { for (const src of a.slice(1)) mergeInto(m(a[0]!), m(src), true); return a[0]!; }, true)]),
  ['values', fn(['map[string]interface {}'], (a) => anySlice(sortedKeys(m(a[0]!)).map((k) => m(a[0]!).entries.get(k)!)))],
  ['dig', fn(['any'], dig, true)],
  ...['deepCopy', 'mustDeepCopy'].map((name): [string, TemplateFunction] => [name, fn(['any'], (a) => copyValue(nil(a[0]!)))]),
];

/** copystructure.Copy: a deep copy (nil stays nil). */
function copyValue(v: GoValue): GoValue {
  if (v instanceof GoSlice) return new GoSlice(v.elem, v.items.map(copyValue), v.nil);
  if (v instanceof GoMap) return new GoMap(v.elem, new Map([...v.entries].map(([k, x]) => [k, copyValue(x)])));
  return v;
}
