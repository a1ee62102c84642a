/**
 * Sprig's defaults.go and reflect.go: `default`, `empty`, `coalesce`, `all`, `any`, `ternary`,
 * the JSON functions, `typeOf`/`kindOf`/`typeIs`/`kindIs`/`typeIsLike`/`deepEqual`, and `fail`.
 */
import { fn, FuncError, type TemplateFunction } from '../function-types.ts';
import { GoFloat, GoInt, GoMap, GoSlice, NO_VALUE, kindName, typeName, type Val } from '../values.ts';
import { marshal, unmarshal } from './json.ts';

/** Sprig's empty: nil, zero numbers, false, and empty strings/lists/maps. */
export function empty(v: Val): boolean {
  if (v === null || v === NO_VALUE) return true;
  if (typeof v === 'string') return v.length === 0;
  if (typeof v === 'boolean') return !v;
  if (v instanceof GoInt) return v.v === 0n;
  if (v instanceof GoFloat) return v.v === 0;
  if (v instanceof GoSlice) return v.items.length === 0;
  if (v instanceof GoMap) return v.entries.size === 0;
  return false;
}

const nil = (v: Val): Val => (v === NO_VALUE ? null : v);
const swallow = (f: () => Val, fallback: Val): Val => { try { return f(); } catch { return fallback; } };

/** Lazily bound to avoid an import cycle with collections.ts. */
let deepEqualImpl: (a: Val, b: Val) => boolean = () => false;
export function bindDeepEqual(f: (a: Val, b: Val) => boolean): void { deepEqualImpl = f; }

/** The defaults, JSON, reflection and flow-control family. */
export const DEFAULT_FUNCS: ReadonlyArray<[string, TemplateFunction]> = [
  ['default', fn(['any', 'any'], (a) => (a.length < 2 || empty(a[1]!) ? nil(a[0]!) : nil(a[1]!)), true)],
  ['empty', fn(['any'], (a) => empty(a[0]!))],
  ['coalesce', fn(['any'], (a) => a.find((x) => !empty(x)) ?? null, true)],
  ['all', fn(['any'], (a) => a.every((x) => !empty(x)), true)],
  ['any', fn(['any'], (a) => a.some((x) => !empty(x)), true)],
  ['fromJson', fn(['string'], (a) => swallow(() => unmarshal(a[0] as string), null))],
  ['mustFromJson', fn(['string'], (a) => unmarshal(a[0] as string))],
  ['toJson', fn(['any'], (a) => swallow(() => marshal(a[0]!, true), ''))],
  ['mustToJson', fn(['any'], (a) => marshal(a[0]!, true))],
  ['toPrettyJson', fn(['any'], (a) => swallow(() => marshal(a[0]!, true, '  '), ''))],
  ['mustToPrettyJson', fn(['any'], (a) => marshal(a[0]!, true, '  '))],
  ['toRawJson', fn(['any'], (a) => marshal(a[0]!, false))],
  ['mustToRawJson', fn(['any'], (a) => marshal(a[0]!, false))],
  ['ternary', fn(['any', 'any', 'bool'], (a) => (a[2] ? nil(a[0]!) : nil(a[1]!)))],
  ['typeOf', fn(['any'], (a) => typeName(a[0]!))],
  ['typeIs', fn(['string', 'any'], (a) => a[0] === typeName(a[1]!))],
  ['typeIsLike', fn(['string', 'any'], (a) => a[0] === typeName(a[1]!) || `*${a[0] as string}` === typeName(a[1]!))],
  ['kindOf', fn(['any'], (a) => kindName(a[0]!))],
  ['kindIs', fn(['string', 'any'], (a) => a[0] === kindName(a[1]!))],
  ['deepEqual', fn(['any', 'any'], (a) => deepEqualImpl(a[0]!, a[1]!))],
  ['fail', fn(['string'], (a) => { throw new FuncError(a[0] as string); })],
];
