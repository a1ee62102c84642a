/**
 * Go's reference-time layouts (`Mon Jan 2 15:04:05 MST 2006`): splitting a layout into literal
 * text and elements, exactly as time.nextStdChunk does (shared by formatting and parsing).
 */

export const Std = {
  none: 0, longMonth: 1, month: 2, numMonth: 3, zeroMonth: 4, longWeekDay: 5, weekDay: 6, day: 7, underDay: 8, zeroDay: 9,
  underYearDay: 10, zeroYearDay: 11, hour: 12, hour12: 13, zeroHour12: 14, minute: 15, zeroMinute: 16, second: 17, zeroSecond: 18,
  longYear: 19, year: 20, pm: 21, lowerPm: 22, tz: 23, iso8601TZ: 24, iso8601SecondsTZ: 25, iso8601ShortTZ: 26, iso8601ColonTZ: 27,
  iso8601ColonSecondsTZ: 28, numTZ: 29, numSecondsTz: 30, numShortTZ: 31, numColonTZ: 32, numColonSecondsTZ: 33,
  fracSecond0: 34, fracSecond9: 35,
} as const;
export type StdCode = (typeof Std)[keyof typeof Std];

/** One element: its code, and for fractional seconds the digit count and separator. */
export interface StdChunk { code: StdCode; digits: number; sep: '.' | ',' }
export interface Split { prefix: string; std: StdChunk; suffix: string }

const STD0X: readonly StdCode[] = [Std.zeroMonth, Std.zeroDay, Std.zeroHour12, Std.zeroMinute, Std.zeroSecond, Std.year];
const startsWithLower = (s: string): boolean => s.length > 0 && s[0]! >= 'a' && s[0]! <= 'z';
const isDigitAt = (s: string, i: number): boolean => i < s.length && s[i]! >= '0' && s[i]! <= '9';

/** The [layout-prefix, element, suffix] table for the zone forms starting with '-' and 'Z'. */
const ZONES: readonly [string, StdCode][] = [
  ['-070000', Std.numSecondsTz], ['-07:00:00', Std.numColonSecondsTZ], ['-0700', Std.numTZ], ['-07:00', Std.numColonTZ], ['-07', Std.numShortTZ],
  ['Z070000', Std.iso8601SecondsTZ], ['Z07:00:00', Std.iso8601ColonSecondsTZ], ['Z0700', Std.iso8601TZ], ['Z07:00', Std.iso8601ColonTZ], ['Z07', Std.iso8601ShortTZ],
];

/** time.nextStdChunk: the text before the first element, the element, and the rest. */
export function nextStdChunk(layout: string): Split {
  const at = (i: number, code: StdCode, len: number, keep = 0, digits = 0, sep: '.' | ',' = '.'): Split =>
    ({ prefix: layout.slice(0, i + keep), std: { code, digits, sep }, suffix: layout.slice(i + len) });
  for (let i = 0; i < layout.length; i++) {
    const rest = layout.slice(i);
    switch (layout[i]) {
      case 'J':
        if (rest.startsWith('Jan')) {
          if (rest.startsWith('January')) return at(i, Std.longMonth, 7);
          if (!startsWithLower(rest.slice(3))) return at(i, Std.month, 3);
        }
        break;
      case 'M':
        if (rest.startsWith('Mon')) {
          if (rest.startsWith('Monday')) return at(i, Std.longWeekDay, 6);
          if (!startsWithLower(rest.slice(3))) return at(i, Std.weekDay, 3);
        }
        if (rest.startsWith('MST')) return at(i, Std.tz, 3);
        break;
      case '0':
        if (rest.length >= 2 && rest[1]! >= '1' && rest[1]! <= '6') return at(i, STD0X[rest.charCodeAt(1) - 49]!, 2);
        if (rest.startsWith('002')) return at(i, Std.zeroYearDay, 3);
        break;
      case '1':
        if (rest.startsWith('15')) return at(i, Std.hour, 2);
        return at(i, Std.numMonth, 1);
      case '2':
        if (rest.startsWith('2006')) return at(i, Std.longYear, 4);
        return at(i, Std.day, 1);
      case '_':
        if (rest.startsWith('_2')) {
          if (rest.startsWith('_2006')) return at(i, Std.longYear, 5, 1);
          return at(i, Std.underDay, 2);
        }
        if (rest.startsWith('__2')) return at(i, Std.underYearDay, 3);
        break;
      case '3': return at(i, Std.hour12, 1);
      case '4': return at(i, Std.minute, 1);
      case '5': return at(i, Std.second, 1);
      case 'P': if (rest.startsWith('PM')) return at(i, Std.pm, 2); break;
      case 'p': if (rest.startsWith('pm')) return at(i, Std.lowerPm, 2); break;
      case '-': case 'Z':
        for (const [text, code] of ZONES) if (rest.startsWith(text)) return at(i, code, text.length);
        break;
      case '.': case ',': {
        const ch = rest[1];
        if (ch === '0' || ch === '9') {
          let j = i + 1;
          while (j < layout.length && layout[j] === ch) j++;
          if (!isDigitAt(layout, j)) return at(i, ch === '0' ? Std.fracSecond0 : Std.fracSecond9, j - i, 0, j - (i + 1), layout[i] as '.' | ',');
        }
        break;
      }
    }
  }
  return { prefix: layout, std: { code: Std.none, digits: 0, sep: '.' }, suffix: '' };
}
