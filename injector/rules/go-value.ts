/**
 * The value model the rule engine shares between its decoders and encoders. ack-secret-manager
 * decodes secret text into Go `interface{}` values (yaml.v3 or encoding/json) and prints them back
 * with Go formatting, so the engine keeps the distinctions Go keeps:
 *
 * - Go `int` (yaml.v3 integers) is a `bigint`, so 64-bit values survive and print as digits;
 * - Go `float64` (yaml.v3 floats, every encoding/json number) is a `number`;
 * - `map[string]interface{}` is a null-prototype plain object (no `__proto__` surprises);
 * - `map[interface{}]interface{}` (a YAML mapping with a non-string key) is a JS `Map`, which
 *   jmespath cannot index into, exactly as go-jmespath cannot;
 * - `[]interface{}` is an array; `nil` is `null`; strings and booleans are themselves;
 * - `time.Time` (a YAML timestamp) is a `GoTime`.
 */
export type GoValue = null | boolean | bigint | number | string | GoTime | GoValue[] | GoStringMap | GoAnyMap;

/** Go `map[string]interface{}`. */
export interface GoStringMap { [key: string]: GoValue }

/** Go `map[interface{}]interface{}`: a YAML mapping that had a non-string key. */
export type GoAnyMap = Map<GoValue, GoValue>;

/** A new empty `map[string]interface{}` without a prototype, so any key is an own data property. */
export function newStringMap(): GoStringMap {
  return Object.create(null) as GoStringMap;
}

/** True for `map[string]interface{}` values (plain objects, either prototype). */
export function isStringMap(v: unknown): v is GoStringMap {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Map) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === null || proto === Object.prototype;
}

/**
 * A Go `time.Time` decoded by yaml.v3 from a plain timestamp scalar (`2024-01-02`,
 * `2024-01-02T10:00:00+08:00`). ack-secret-manager skips it as a jmesPath result (it is none of
 * the printable types) and yaml.v3 prints it back as RFC 3339 with nanoseconds.
 */
export class GoTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** Fraction digits (at most 9, trailing zeros removed). */
  readonly fraction: string;
  /** Zone offset in minutes east of UTC; 0 prints as `Z`. */
  readonly offsetMinutes: number;

  constructor(parts: { year: number; month: number; day: number; hour: number; minute: number; second: number; fraction: string; offsetMinutes: number }) {
    this.year = parts.year; this.month = parts.month; this.day = parts.day;
    this.hour = parts.hour; this.minute = parts.minute; this.second = parts.second;
    this.fraction = parts.fraction.slice(0, 9).replace(/0+$/, '');
    this.offsetMinutes = parts.offsetMinutes;
  }

  /** Go `t.Format(time.RFC3339Nano)`. */
  toRfc3339Nano(): string {
    const p2 = (n: number): string => String(n).padStart(2, '0');
    const frac = this.fraction === '' ? '' : `.${this.fraction}`;
    const off = Math.abs(this.offsetMinutes);
    const zone = this.offsetMinutes === 0 ? 'Z' : `${this.offsetMinutes < 0 ? '-' : '+'}${p2(Math.floor(off / 60))}:${p2(off % 60)}`;
    return `${String(this.year).padStart(4, '0')}-${p2(this.month)}-${p2(this.day)}T${p2(this.hour)}:${p2(this.minute)}:${p2(this.second)}${frac}${zone}`;
  }
}
