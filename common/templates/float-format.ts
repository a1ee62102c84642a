/**
 * Go's float formatting with an explicit precision (`%e`, `%f`, `%g` with `.N`): strconv rounds
 * the EXACT binary value half-to-even, where JavaScript's toFixed rounds ties away from zero
 * (Go prints `%.0f` of 0.5 as "0", JavaScript "1"). The exact decimal expansion of a double is
 * finite, so it is computed with BigInt and rounded here.
 */

/** Decimal digits (no leading/trailing zeros) and point position: value = 0.d1d2... × 10^dp. */
export interface Decimal { d: string; dp: number }

/** The exact decimal expansion of a finite non-negative double. */
export function exactDecimal(abs: number): Decimal {
  if (abs === 0) return { d: '', dp: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, abs);
  const bits = view.getBigUint64(0);
  const biasedExp = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let exp: number;
  if (biasedExp === 0) exp = -1074; else { mant |= 1n << 52n; exp = biasedExp - 1075; }
  let digits: string;
  let dp: number;
  if (exp >= 0) { digits = (mant << BigInt(exp)).toString(); dp = digits.length; }
  else { digits = (mant * 5n ** BigInt(-exp)).toString(); dp = digits.length + exp; }
  const trimmed = digits.replace(/0+$/, '');
  const lead = trimmed.length - trimmed.replace(/^0+/, '').length;
  return { d: trimmed.slice(lead), dp: dp - lead };
}

/** Shortest round-trip digits (what Go uses with precision -1), from JavaScript's own algorithm. */
export function shortestDecimal(abs: number): Decimal {
  if (abs === 0) return { d: '', dp: 0 };
  const [m = '', e = '0'] = abs.toExponential().split('e');
  const d = m.replace('.', '').replace(/0+$/, '');
  return { d, dp: Number(e) + 1 };
}

/** Rounds to `nd` significant digits, half to even on the exact value (strconv decimal.Round). */
export function roundDecimal(x: Decimal, nd: number): Decimal {
  if (nd < 0) return { d: '', dp: 0 };
  if (nd >= x.d.length) return x;
  const next = x.d.charCodeAt(nd) - 48;
  let up = next > 5;
  if (next === 5) up = nd + 1 < x.d.length || (nd > 0 && (x.d.charCodeAt(nd - 1) - 48) % 2 === 1);
  if (!up) {
    const d = x.d.slice(0, nd).replace(/0+$/, '');
    return d === '' ? { d: '', dp: 0 } : { d, dp: x.dp };
  }
  const digits = x.d.slice(0, nd).split('').map(Number);
  let i = nd - 1;
  while (i >= 0 && digits[i] === 9) { digits[i] = 0; i--; }
  if (i < 0) return { d: '1', dp: x.dp + 1 };
  digits[i]! += 1;
  return { d: digits.slice(0, i + 1).join(''), dp: x.dp };
}

const digitAt = (x: Decimal, i: number): string => (i >= 0 && i < x.d.length ? x.d[i]! : '0');

/** %e body with `prec` fraction digits (prec -1: shortest); `upper` for %E. */
export function formatE(x: Decimal, prec: number, upper: boolean, sharp = false): string {
  const frac = prec < 0 ? Math.max(x.d.length - 1, 0) : prec;
  let s = digitAt(x, 0);
  if (frac > 0 || sharp) s += '.';
  for (let i = 1; i <= frac; i++) s += digitAt(x, i);
  const exp = x.d === '' ? 0 : x.dp - 1;
  const e = Math.abs(exp);
  return `${s}${upper ? 'E' : 'e'}${exp < 0 ? '-' : '+'}${e < 10 ? `0${e}` : e}`;
}

/** %f body with `prec` fraction digits. */
export function formatF(x: Decimal, prec: number, sharp = false): string {
  let s = '';
  if (x.dp > 0) for (let i = 0; i < x.dp; i++) s += digitAt(x, i); else s = '0';
  if (prec > 0 || sharp) s += '.';
  for (let i = 0; i < prec; i++) s += digitAt(x, x.dp + i);
  return s;
}

/** Formats |f| for verb e/E/f/F/g/G with precision (-1 = shortest), as strconv.FormatFloat. */
export function formatFloatAbs(abs: number, verb: string, prec: number, sharp = false): string {
  const shortest = prec < 0;
  let x = shortest ? shortestDecimal(abs) : exactDecimal(abs);
  const lower = verb.toLowerCase();
  if (lower === 'e') { if (!shortest) x = roundDecimal(x, prec + 1); return formatE(x, prec, verb === 'E', sharp); }
  if (lower === 'f') { if (!shortest) x = roundDecimal(x, x.dp + prec); return formatF(x, shortest ? Math.max(x.d.length - x.dp, 0) : prec, sharp); }
  let p = prec;
  if (!shortest) { if (p === 0) p = 1; x = roundDecimal(x, p); } else p = x.d.length;
  let eprec = p;
  if (eprec > x.d.length && x.d.length >= x.dp) eprec = x.d.length;
  if (shortest) eprec = 6;
  const exp = x.dp - 1;
  if (exp < -4 || exp >= eprec) return formatE(x, Math.min(p, x.d.length) - 1, verb === 'G', sharp);
  if (p > x.dp) p = x.d.length;
  return formatF(x, Math.max(p - x.dp, 0), sharp);
}
