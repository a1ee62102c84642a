/**
 * Go's float printing, reproduced so files match ack-secret-manager byte for byte. Two formats
 * matter: `strconv.FormatFloat(f, 'g', -1, 64)` (what `fmt.Sprintf("%v")` and yaml.v3 print) and
 * encoding/json's float encoder. Both start from the shortest digits that round-trip, which is
 * also what JavaScript's `Number.prototype.toExponential()` without an argument yields.
 */

/** Shortest round-trip decimal digits and the exponent of the first digit, for a finite non-zero |f|. */
function shortestDigits(abs: number): { digits: string; exp: number } {
  const [mantissa = '', exponent = '0'] = abs.toExponential().split('e');
  return { digits: mantissa.replace('.', ''), exp: Number(exponent) };
}

/**
 * `strconv.FormatFloat(f, 'g', -1, 64)`, i.e. Go's `%v` for a float64: scientific notation when
 * the exponent is < -4 or >= 6 (strconv/ftoa.go: "if precision was the shortest possible, use
 * precision 6 for this decision"), the exponent with a sign and at least two digits (`1e+06`).
 */
export function formatGoFloatG(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  const sign = f < 0 || Object.is(f, -0) ? '-' : '';
  const abs = Math.abs(f);
  if (abs === 0) return `${sign}0`;
  const { digits, exp } = shortestDigits(abs);
  if (exp < -4 || exp >= 6) {
    const frac = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const e = Math.abs(exp);
    return `${sign}${digits[0]}${frac}e${exp < 0 ? '-' : '+'}${e < 10 ? `0${e}` : e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/**
 * encoding/json's float64 encoding (encode.go floatEncoder): ES6 number formatting, which is
 * JavaScript's own `String(n)` (`1e+21`, `1e-7`), except that Go keeps the sign of negative zero.
 * Non-finite values cannot occur: they are not JSON.
 */
export function formatGoJsonFloat(f: number): string {
  if (Object.is(f, -0)) return '-0';
  return String(f);
}
