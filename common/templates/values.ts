/**
 * Go values as the template engine sees them. Templates are typed in Go: `typeOf`, `eq`, argument
 * checks and `printf` all depend on whether a number is an `int`, an `int64` or a `float64`, and
 * whether a list is `[]string` or `[]interface {}`. Strings and bools are JavaScript's own; numbers
 * and collections carry their Go type. `NO_VALUE` is Go's invalid reflect.Value (a missing map key),
 * `null` is a nil interface.
 */
import { compareUtf8 } from '../go-json-string.ts';
import type { TemplateFunction } from './function-types.ts';

export type IntType = 'int' | 'int8' | 'int16' | 'int32' | 'int64' | 'uint' | 'uint8' | 'uint16' | 'uint32' | 'uint64';
export type FloatType = 'float64' | 'float32';

/** An integer of a Go integer type (the value is kept in range by the constructor's callers). */
export class GoInt {
  readonly type: IntType;
  readonly v: bigint;
  constructor(type: IntType, v: bigint) { this.type = type; this.v = v; }
}
/** A float64 (or float32). */
export class GoFloat {
  readonly type: FloatType;
  readonly v: number;
  constructor(type: FloatType, v: number) { this.type = type; this.v = v; }
}
/** A slice `[]elem`; `nil` marks a nil slice (json `null`). */
export class GoSlice {
  readonly elem: string;
  readonly items: GoValue[];
  readonly nil: boolean;
  constructor(elem: string, items: GoValue[], nil = false) { this.elem = elem; this.items = items; this.nil = nil; }
}
/** A `map[string]elem` (insertion order is irrelevant: Go prints and ranges in sorted key order). */
export class GoMap {
  readonly elem: string;
  readonly entries: Map<string, GoValue>;
  constructor(elem: string, entries: Map<string, GoValue>) { this.elem = elem; this.entries = entries; }
}

/**
 * A value of a named Go type that templates reach only through its methods (time.Time,
 * *semver.Version): `typeOf` prints `type`, `kindOf` prints `kind`, `{{ x }}` and
 * `printf "%v"` print its String method, `toJson` its MarshalJSON, and `.Name` calls a method.
 */
export abstract class GoObject {
  abstract readonly type: string;
  abstract readonly kind: 'struct' | 'ptr';
  /** Go's String method: what fmt prints for %v and %s. */
  abstract toString(): string;
  /** json.Marshal's output for this value. */
  abstract marshalJson(): string;
  /** The exported method `name`, bound to this receiver, or undefined. */
  abstract method(name: string): TemplateFunction | undefined;
  /** Go's `==` on two values of the same type (eq). */
  abstract equals(other: GoObject): boolean;
}

export type GoValue = string | boolean | GoInt | GoFloat | GoSlice | GoMap | GoObject | null;
/** Go's invalid reflect.Value: what a missing key evaluates to. */
export const NO_VALUE: unique symbol = Symbol('no value');
export type Val = GoValue | typeof NO_VALUE;

export const goInt = (v: number | bigint): GoInt => new GoInt('int', BigInt(v));
export const goInt64 = (v: number | bigint): GoInt => new GoInt('int64', BigInt.asIntN(64, BigInt(v)));
export const goFloat = (v: number): GoFloat => new GoFloat('float64', v);
export const anySlice = (items: GoValue[]): GoSlice => new GoSlice('interface {}', items);
export const stringSlice = (items: string[]): GoSlice => new GoSlice('string', items);
export const anyMap = (entries?: Map<string, GoValue>): GoMap => new GoMap('interface {}', entries ?? new Map());

/** Go's `%T`. */
export function typeName(v: Val): string {
  if (v === NO_VALUE || v === null) return '<nil>';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (v instanceof GoInt || v instanceof GoFloat) return v.type;
  if (v instanceof GoSlice) return `[]${v.elem}`;
  if (v instanceof GoObject) return v.type;
  return `map[string]${v.elem}`;
}

/** reflect.Kind's name. */
export function kindName(v: Val): string {
  if (v === NO_VALUE || v === null) return 'invalid';
  if (v instanceof GoSlice) return 'slice';
  if (v instanceof GoMap) return 'map';
  if (v instanceof GoObject) return v.kind;
  return typeName(v);
}

export const isSignedType = (t: string): boolean => t === 'int' || t === 'int8' || t === 'int16' || t === 'int32' || t === 'int64';
export const isUnsignedType = (t: string): boolean => t === 'uint' || t === 'uint8' || t === 'uint16' || t === 'uint32' || t === 'uint64';

/** Map keys in Go's order (byte-wise, as fmt and range sort them). */
export function sortedKeys(m: GoMap): string[] {
  return [...m.entries.keys()].sort(compareUtf8);
}

/** Go's truth (text/template isTrue): empty and zero values are false. */
export function isTrue(v: Val): boolean {
  if (v === NO_VALUE || v === null) return false;
  if (typeof v === 'string') return v.length > 0;
  if (typeof v === 'boolean') return v;
  if (v instanceof GoInt) return v.v !== 0n;
  if (v instanceof GoFloat) return v.v !== 0;
  if (v instanceof GoSlice) return v.items.length > 0;
  if (v instanceof GoObject) return true; // a struct, or a non-nil pointer
  return v.entries.size > 0;
}

/** A JSON-decoded JavaScript value as Go's encoding/json decodes it into interface{}. */
export function fromJsonValue(v: unknown): GoValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return goFloat(v);
  if (Array.isArray(v)) return anySlice(v.map(fromJsonValue));
  const m = new Map<string, GoValue>();
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) m.set(k, fromJsonValue(x));
  return anyMap(m);
}

/** The UTF-8 length of a Go string (Go's len counts bytes). */
export const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');
