/**
 * Sprig's math: integer arithmetic on int64 (`add`, `sub`, `mul`, `div`, `mod`, `max`, `min`)
 * through cast's lenient conversions, float arithmetic (`addf`...) through shopspring/decimal
 * (exact decimal of each operand's shortest representation), rounding, `until`, `seq`.
 */
import { fn, FuncError, type TemplateFunction } from '../function-types.ts';
import { formatV } from '../fmt.ts';
import { GoInt, GoSlice, goFloat, goInt, goInt64, type Val } from '../values.ts';
import { toFloat64, toInt64 } from './cast.ts';
import { decimalOp } from './decimal.ts';

const n = (v: Val): number => Number((v as GoInt).v);

function untilStep(start: number, stop: number, step: number): number[] {
  const out: number[] = [];
  const guard = (): void => { if (out.length > 1_000_000) throw new FuncError('until: more than 1000000 elements'); };
  if (stop < start) {
    if (step >= 0) return out;
    for (let i = start; i > stop; i += step) { out.push(i); guard(); }
    return out;
  }
  if (step <= 0) return out;
  for (let i = start; i < stop; i += step) { out.push(i); guard(); }
  return out;
}
const intSlice = (xs: number[]): GoSlice => new GoSlice('int', xs.map((x) => goInt(x)));

function seq(params: number[]): string {
  let inc = 1;
  const join = (xs: number[]): string => xs.join(' ');
  switch (params.length) {
    case 0: return '';
    case 1: { const end = params[0]!; if (end < 1) inc = -1; return join(untilStep(1, end + inc, inc)); }
    case 2: { const [start, end] = params as [number, number]; const step = end < start ? -1 : 1; return join(untilStep(start, end + step, step)); }
    case 3: {
      const [start, step, end] = params as [number, number, number];
      if (end < start) { inc = -1; if (step > 0) return ''; }
      return join(untilStep(start, end + inc, step));
    }
    default: return '';
  }
}

function round(a: Val, p: number, opt: Val[]): number {
  const roundOn = opt.length > 0 ? toFloat64(opt[0]!) : 0.5;
  const val = toFloat64(a);
  const pow = 10 ** p;
  const digit = pow * val;
  const div = digit - Math.trunc(digit);
  return (div >= roundOn ? Math.ceil(digit) : Math.floor(digit)) / pow;
}

const i64 = (v: bigint): GoInt => goInt64(v);
function divide(a: bigint, b: bigint, op: 'div' | 'mod'): bigint {
  if (b === 0n) throw new FuncError('runtime error: integer divide by zero');
  return op === 'div' ? a / b : a % b;
}

/** The math family. */
export const NUMERIC_FUNCS: ReadonlyArray<[string, TemplateFunction]> = [
  ['atoi', fn(['string'], (a) => goInt(parseGoIntBase10(a[0] as string)))],
  ['int64', fn(['any'], (a) => i64(toInt64(a[0]!)))],
  ['int', fn(['any'], (a) => goInt(toInt64(a[0]!)))],
  ['float64', fn(['any'], (a) => goFloat(toFloat64(a[0]!)))],
  ['seq', fn(['int'], (a) => seq(a.map(n)), true)],
  ['toDecimal', fn(['any'], (a) => i64(parseOctal(formatV(a[0]!))))],
  ['until', fn(['int'], (a) => intSlice(untilStep(0, n(a[0]!), n(a[0]!) < 0 ? -1 : 1)))],
  ['untilStep', fn(['int', 'int', 'int'], (a) => intSlice(untilStep(n(a[0]!), n(a[1]!), n(a[2]!))))],
  ['add1', fn(['any'], (a) => i64(toInt64(a[0]!) + 1n))],
  ['add', fn(['any'], (a) => i64(a.reduce<bigint>((acc, x) => BigInt.asIntN(64, acc + toInt64(x)), 0n)), true)],
  ['sub', fn(['any', 'any'], (a) => i64(toInt64(a[0]!) - toInt64(a[1]!)))],
  ['div', fn(['any', 'any'], (a) => i64(divide(toInt64(a[0]!), toInt64(a[1]!), 'div')))],
  ['mod', fn(['any', 'any'], (a) => i64(divide(toInt64(a[0]!), toInt64(a[1]!), 'mod')))],
  ['mul', fn(['any', 'any'], (a) => i64(a.slice(1).reduce<bigint>((acc, x) => BigInt.asIntN(64, acc * toInt64(x)), toInt64(a[0]!))), true)],
  ['add1f', fn(['any'], (a) => goFloat(decimalOp(a[0]!, [goInt(1)], 'add')))],
  ['addf', fn(['any'], (a) => goFloat(decimalOp(goFloat(0), a, 'add')), true)],
  ['subf', fn(['any', 'any'], (a) => goFloat(decimalOp(a[0]!, a.slice(1), 'sub')), true)],
  ['divf', fn(['any', 'any'], (a) => goFloat(decimalOp(a[0]!, a.slice(1), 'div')), true)],
  ['mulf', fn(['any', 'any'], (a) => goFloat(decimalOp(a[0]!, a.slice(1), 'mul')), true)],
  ['biggest', fn(['any', 'any'], (a) => i64(a.map(toInt64).reduce((x, y) => (y > x ? y : x))), true)],
  ['max', fn(['any', 'any'], (a) => i64(a.map(toInt64).reduce((x, y) => (y > x ? y : x))), true)],
  ['min', fn(['any', 'any'], (a) => i64(a.map(toInt64).reduce((x, y) => (y < x ? y : x))), true)],
  ['maxf', fn(['any', 'any'], (a) => goFloat(a.map(toFloat64).reduce((x, y) => goMax(x, y))), true)],
  ['minf', fn(['any', 'any'], (a) => goFloat(a.map(toFloat64).reduce((x, y) => goMin(x, y))), true)],
  ['ceil', fn(['any'], (a) => goFloat(Math.ceil(toFloat64(a[0]!))))],
  ['floor', fn(['any'], (a) => goFloat(Math.floor(toFloat64(a[0]!))))],
  ['round', fn(['any', 'int', 'float64'], (a) => goFloat(round(a[0]!, n(a[1]!), a.slice(2))), true)],
];

/** math.Max / math.Min: NaN wins, +0 beats -0. */
const goMax = (x: number, y: number): number => (Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.max(x, y));
const goMin = (x: number, y: number): number => (Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.min(x, y));

/** strconv.Atoi: base 10 only, sign allowed, 0 on error (Sprig drops the error). */
function parseGoIntBase10(s: string): bigint {
  const t = s.startsWith('+') || s.startsWith('-') ? s.slice(1) : s;
  if (!/^[0-9]+$/.test(t)) return 0n;
  const v = BigInt(t) * (s[0] === '-' ? -1n : 1n);
  const max = (1n << 63n) - 1n;
  return v > max ? max : v < -max - 1n ? -max - 1n : v;
}

/** strconv.ParseInt(s, 8, 64), 0 on error. */
function parseOctal(s: string): bigint {
  const m = /^([+-]?)([0-7]+)$/.exec(s.replace(/_/g, '\u0000'));
  if (!m) return 0n;
  const v = BigInt(`0o${m[2]}`) * (m[1] === '-' ? -1n : 1n);
  return v < -(1n << 63n) || v >= 1n << 63n ? 0n : v;
}
