/**
 * time.Time.Format: a port of Go's appendFormat, element by element (time/format.go).
 */
import { DAY_NAMES, MONTH_NAMES } from './calendar.ts';
import { Std, nextStdChunk, type StdChunk } from './layout.ts';
import type { Time } from './time.ts';

/** Go's appendInt: a sign, then at least `width` digits. */
export function padInt(x: number, width: number): string {
  const digits = String(Math.abs(x)).padStart(width, '0');
  return x < 0 ? `-${digits}` : digits;
}

/** appendNano: `.000` keeps every digit, `.999` trims trailing zeros (and the separator). */
function nano(nsec: number, std: StdChunk): string {
  const trim = std.code === Std.fracSecond9;
  if (trim && (std.digits === 0 || nsec === 0)) return '';
  let s = std.sep + padInt(nsec, 9);
  if (std.digits < 9) s = s.slice(0, 1 + std.digits);
  if (trim) s = s.replace(/0+$/, '').replace(/[.,]$/, '');
  return s;
}

function zoneOffset(code: number, offset: number): string {
  const iso = code === Std.iso8601TZ || code === Std.iso8601ColonTZ || code === Std.iso8601SecondsTZ || code === Std.iso8601ShortTZ || code === Std.iso8601ColonSecondsTZ;
  if (offset === 0 && iso) return 'Z';
  const minutes = Math.trunc(offset / 60);
  const abs = Math.abs(offset);
  let s = (minutes < 0 ? '-' : '+') + padInt(Math.floor(Math.abs(minutes) / 60), 2);
  if (code === Std.iso8601ColonTZ || code === Std.numColonTZ || code === Std.iso8601ColonSecondsTZ || code === Std.numColonSecondsTZ) s += ':';
  if (code !== Std.numShortTZ && code !== Std.iso8601ShortTZ) s += padInt(Math.abs(minutes) % 60, 2);
  if (code === Std.iso8601SecondsTZ || code === Std.numSecondsTz || code === Std.numColonSecondsTZ || code === Std.iso8601ColonSecondsTZ) {
    if (code === Std.numColonSecondsTZ || code === Std.iso8601ColonSecondsTZ) s += ':';
    s += padInt(abs % 60, 2);
  }
  return s;
}

/** t.Format(layout). */
export function formatTime(t: Time, layout: string): string {
  const c = t.civil();
  const out: string[] = [];
  let rest = layout;
  while (rest !== '') {
    const { prefix, std, suffix } = nextStdChunk(rest);
    out.push(prefix);
    if (std.code === Std.none) break;
    rest = suffix;
    const hr12 = c.hour % 12 === 0 ? 12 : c.hour % 12;
    switch (std.code) {
      case Std.year: out.push(padInt(Math.abs(c.year) % 100, 2)); break;
      case Std.longYear: out.push(padInt(c.year, 4)); break;
      case Std.month: out.push(MONTH_NAMES[c.month - 1]!.slice(0, 3)); break;
      case Std.longMonth: out.push(MONTH_NAMES[c.month - 1]!); break;
      case Std.numMonth: out.push(String(c.month)); break;
      case Std.zeroMonth: out.push(padInt(c.month, 2)); break;
      case Std.weekDay: out.push(DAY_NAMES[c.weekday]!.slice(0, 3)); break;
      case Std.longWeekDay: out.push(DAY_NAMES[c.weekday]!); break;
      case Std.day: out.push(String(c.day)); break;
      case Std.underDay: out.push(c.day < 10 ? ` ${c.day}` : String(c.day)); break;
      case Std.zeroDay: out.push(padInt(c.day, 2)); break;
      case Std.underYearDay: out.push(String(c.yday).padStart(3, ' ')); break;
      case Std.zeroYearDay: out.push(padInt(c.yday, 3)); break;
      case Std.hour: out.push(padInt(c.hour, 2)); break;
      case Std.hour12: out.push(String(hr12)); break;
      case Std.zeroHour12: out.push(padInt(hr12, 2)); break;
      case Std.minute: out.push(String(c.minute)); break;
      case Std.zeroMinute: out.push(padInt(c.minute, 2)); break;
      case Std.second: out.push(String(c.second)); break;
      case Std.zeroSecond: out.push(padInt(c.second, 2)); break;
      case Std.pm: out.push(c.hour >= 12 ? 'PM' : 'AM'); break;
      case Std.lowerPm: out.push(c.hour >= 12 ? 'pm' : 'am'); break;
      case Std.tz: {
        if (c.zone.abbrev !== '') { out.push(c.zone.abbrev); break; }
        const m = Math.trunc(c.zone.offset / 60);
        out.push((m < 0 ? '-' : '+') + padInt(Math.floor(Math.abs(m) / 60), 2) + padInt(Math.abs(m) % 60, 2));
        break;
      }
      case Std.fracSecond0: case Std.fracSecond9: out.push(nano(c.nsec, std)); break;
      default: out.push(zoneOffset(std.code, c.zone.offset));
    }
  }
  return out.join('');
}

/** Go's Time.String (without the monotonic reading, which only time.Now has). */
export const timeString = (t: Time): string => formatTime(t, '2006-01-02 15:04:05.999999999 -0700 MST');
