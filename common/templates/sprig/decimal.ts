/**
 * The part of shopspring/decimal that Sprig's `addf`/`subf`/`mulf`/`divf` use: each operand
 * becomes the exact decimal of its shortest float64 text (NewFromFloat), sums and products are
 * exact, quotients are rounded half away from zero to 16 places (DivisionPrecision), and the
 * result goes back to the nearest float64.
 */
import { FuncError } from '../function-types.ts';
import type { Val } from '../values.ts';
import { toFloat64 } from './cast.ts';

interface Dec { c: bigint; e: number }

function fromFloat(f: number): Dec {
  if (!Number.isFinite(f)) throw new FuncError(`Cannot create a Decimal from ${Number.isNaN(f) ? 'NaN' : f > 0 ? '+Inf' : '-Inf'}`);
  const [m = '0', ex = '0'] = f.toExponential().split('e');
  const [int = '0', frac = ''] = m.split('.');
  return { c: BigInt(int + frac), e: Number(ex) - frac.length };
}

const align = (a: Dec, b: Dec): [bigint, bigint, number] => {
  const e = Math.min(a.e, b.e);
  return [a.c * 10n ** BigInt(a.e - e), b.c * 10n ** BigInt(b.e - e), e];
};

function div(a: Dec, b: Dec): Dec {
  if (b.c === 0n) throw new FuncError('decimal division by zero');
  const shift = a.e - b.e + 16;
  let num = a.c;
  let den = b.c;
  if (shift >= 0) num *= 10n ** BigInt(shift); else den *= 10n ** BigInt(-shift);
  const neg = (num < 0n) !== (den < 0n);
  const an = num < 0n ? -num : num;
  const ad = den < 0n ? -den : den;
  let q = an / ad;
  if ((an % ad) * 2n >= ad) q += 1n;
  return { c: neg ? -q : q, e: -16 };
}

/** Folds `ops` into `first` with one decimal operation; returns the float64 result. */
export function decimalOp(first: Val, ops: readonly Val[], op: 'add' | 'sub' | 'mul' | 'div'): number {
  let acc = fromFloat(toFloat64(first));
  for (const x of ops) {
    const d = fromFloat(toFloat64(x));
    if (op === 'mul') acc = { c: acc.c * d.c, e: acc.e + d.e };
    else if (op === 'div') acc = div(acc, d);
    else { const [p, q, e] = align(acc, d); acc = { c: op === 'add' ? p + q : p - q, e }; }
  }
  return Number(`${acc.c}e${acc.e}`);
}
