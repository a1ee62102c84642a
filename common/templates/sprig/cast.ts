/**
 * spf13/cast v1.7.0 conversions as Sprig uses them (`int`, `int64`, `float64`, `add`, `max`,
 * ...): errors are swallowed to 0, strings parse with strconv's base-0 rules after trailing
 * ".000" is trimmed, floats truncate toward zero.
 */
import { parseGoFloat, parseGoInt } from '../numbers.ts';
import { GoFloat, GoInt, type Val } from '../values.ts';

/** cast's trimZeroDecimal: "1.000" → "1", "1.50" unchanged. */
function trimZeroDecimal(s: string): string {
  let foundZero = false;
  for (let i = s.length; i > 0; i--) {
    const c = s[i - 1];
    if (c === '.') { if (foundZero) return s.slice(0, i - 1); }
    else if (c === '0') foundZero = true;
    else return s;
  }
  return s;
}

/** Go's float64 → int64 conversion (truncation; out-of-range values as amd64 yields them). */
export function truncToInt64(f: number): bigint {
  if (Number.isNaN(f) || !Number.isFinite(f) || f >= 2 ** 63 || f < -(2 ** 63)) return -(1n << 63n);
  return BigInt(Math.trunc(f));
}

/** cast.ToInt64 (also ToInt: Go's int is 64-bit here). */
export function toInt64(v: Val): bigint {
  if (v instanceof GoInt) return BigInt.asIntN(64, v.v);
  if (v instanceof GoFloat) return truncToInt64(v.v);
  if (typeof v === 'string') return parseGoInt(trimZeroDecimal(v)) ?? 0n;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  return 0n;
}

/** strconv.ParseFloat including inf/infinity/nan spellings. */
export function parseFloatLoose(s: string): number | undefined {
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(s);
  if (special) return special[2]!.toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
  return parseGoFloat(s);
}

/** cast.ToFloat64. */
export function toFloat64(v: Val): number {
  if (v instanceof GoInt) return Number(v.v);
  if (v instanceof GoFloat) return v.v;
  if (typeof v === 'string') return parseFloatLoose(v) ?? 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return 0;
}
