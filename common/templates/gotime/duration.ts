/**
 * Go's time.Duration (int64 nanoseconds, kept as a bigint): ParseDuration and Duration.String,
 * ported from time/format.go and time/time.go with the same overflow rules and output.
 */
import { leadingInt } from './parse.ts';

const UNITS: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n], ['us', 1000n], ['\u00b5s', 1000n], ['\u03bcs', 1000n], ['ms', 1_000_000n], ['s', 1_000_000_000n], ['m', 60_000_000_000n], ['h', 3_600_000_000_000n],
]);
const LIMIT = 1n << 63n;

/** leadingFraction: digits after the point, ignoring those past int64 precision. */
function leadingFraction(s: string): { x: bigint; scale: number; rest: string } {
  let i = 0;
  let x = 0n;
  let scale = 1;
  let overflow = false;
  for (; i < s.length && s[i]! >= '0' && s[i]! <= '9'; i++) {
    if (overflow) continue;
    if (x > (LIMIT - 1n) / 10n) { overflow = true; continue; }
    const y = x * 10n + BigInt(s.charCodeAt(i) - 48);
    if (y > LIMIT) { overflow = true; continue; }
    x = y;
    scale *= 10;
  }
  return { x, scale, rest: s.slice(i) };
}

/** time.ParseDuration; throws Error with Go's message. */
export function parseDuration(input: string): bigint {
  const invalid = (): never => { throw new Error(`time: invalid duration ${JSON.stringify(input)}`); };
  let s = input;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) { neg = s[0] === '-'; s = s.slice(1); }
  if (s === '0') return 0n;
  if (s === '') invalid();
  let d = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || (s[0]! >= '0' && s[0]! <= '9'))) invalid();
    let v: bigint;
    const before = s.length;
    try { ({ x: v, rest: s } = leadingInt(s)); } catch { return invalid(); }
    const pre = before !== s.length;
    let f = 0n;
    let scale = 1;
    let post = false;
    if (s[0] === '.') {
      s = s.slice(1);
      const l = s.length;
      ({ x: f, scale, rest: s } = leadingFraction(s));
      post = l !== s.length;
    }
    if (!pre && !post) invalid();
    let i = 0;
    while (i < s.length && s[i] !== '.' && !(s[i]! >= '0' && s[i]! <= '9')) i++;
    if (i === 0) throw new Error(`time: missing unit in duration ${JSON.stringify(input)}`);
    const u = s.slice(0, i);
    s = s.slice(i);
    const unit = UNITS.get(u);
    if (unit === undefined) throw new Error(`time: unknown unit ${JSON.stringify(u)} in duration ${JSON.stringify(input)}`);
    if (v > LIMIT / unit) invalid();
    v *= unit;
    if (f > 0n) {
      // Go computes the fraction in float64, so fractions of hours are nanosecond-accurate.
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > LIMIT) invalid();
    }
    d += v;
    if (d > LIMIT) invalid();
  }
  if (neg) return -d;
  if (d > LIMIT - 1n) invalid();
  return d;
}

/** The fraction of v / 10^prec without trailing zeros (and without the point when 0). */
function fmtFrac(v: bigint, prec: number): { frac: string; v: bigint } {
  let digits = '';
  let print = false;
  for (let i = 0; i < prec; i++) {
    const digit = v % 10n;
    print ||= digit !== 0n;
    if (print) digits = digit.toString() + digits;
    v /= 10n;
  }
  return { frac: print ? `.${digits}` : '', v };
}

/** Duration.String: `1h2m3.5s`, `1.5ms`, `0s`. */
export function durationString(d: bigint): string {
  const neg = d < 0n;
  let u = BigInt.asUintN(64, neg ? -d : d);
  let out: string;
  if (u < 1_000_000_000n) {
    if (u === 0n) return '0s';
    const [prec, unit] = u < 1000n ? [0, 'ns'] : u < 1_000_000n ? [3, '\u00b5s'] : [6, 'ms'];
    const r = fmtFrac(u, prec);
    out = `${r.v}${r.frac}${unit}`;
  } else {
    const r = fmtFrac(u, 9);
    u = r.v;
    out = `${u % 60n}${r.frac}s`;
    u /= 60n;
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}
