/**
 * time.ParseInLocation: a port of Go's time.parse (time/format.go), element by element, with the
 * same acceptance rules (what each element takes, the range checks, day-of-year, the zone
 * guesses for `MST` and numeric offsets). Errors carry Go's message shape.
 */
import { MONTH_NAMES, DAY_NAMES, daysBefore, daysIn, isLeap } from './calendar.ts';
import { Std, nextStdChunk, type StdChunk } from './layout.ts';
import { UTC, fixedZone, type Location } from './location.ts';
import { Time, date } from './time.ts';

/** A parse failure, worded as Go's *time.ParseError. */
export class TimeParseError extends Error {
  constructor(layout: string, value: string, layoutElem: string, valueElem: string, message: string) {
    super(message !== ''
      ? `parsing time ${JSON.stringify(value)}${message}`
      : `parsing time ${JSON.stringify(value)} as ${JSON.stringify(layout)}: cannot parse ${JSON.stringify(valueElem)} as ${JSON.stringify(layoutElem)}`);
    this.name = 'TimeParseError';
  }
}

class Bad extends Error {}
const isDigitAt = (s: string, i: number): boolean => i < s.length && s[i]! >= '0' && s[i]! <= '9';
const commaOrPeriod = (c: string | undefined): boolean => c === '.' || c === ',';

/** leadingInt: the leading digits (Go fails beyond 2^63). */
export function leadingInt(s: string): { x: bigint; rest: string } {
  let i = 0;
  let x = 0n;
  for (; i < s.length && s[i]! >= '0' && s[i]! <= '9'; i++) {
    if (x > (1n << 63n) / 10n) throw new Bad();
    x = x * 10n + BigInt(s.charCodeAt(i) - 48);
    if (x > 1n << 63n) throw new Bad();
  }
  return { x, rest: s.slice(i) };
}

function atoi(s: string): number {
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) { neg = s[0] === '-'; s = s.slice(1); }
  const { x, rest } = leadingInt(s);
  if (rest !== '') throw new Bad();
  return neg ? -Number(x) : Number(x);
}

function getnum(s: string, fixed: boolean): [number, string] {
  if (!isDigitAt(s, 0)) throw new Bad();
  if (!isDigitAt(s, 1)) {
    if (fixed) throw new Bad();
    return [s.charCodeAt(0) - 48, s.slice(1)];
  }
  return [(s.charCodeAt(0) - 48) * 10 + s.charCodeAt(1) - 48, s.slice(2)];
}

function getnum3(s: string, fixed: boolean): [number, string] {
  let n = 0;
  let i = 0;
  for (; i < 3 && isDigitAt(s, i); i++) n = n * 10 + s.charCodeAt(i) - 48;
  if (i === 0 || (fixed && i !== 3)) throw new Bad();
  return [n, s.slice(i)];
}

/** Case-insensitive prefix lookup in a name table (ASCII, as Go's match). */
function lookupName(tab: readonly string[], val: string): [number, string] {
  for (let i = 0; i < tab.length; i++) {
    const v = tab[i]!;
    if (val.length >= v.length && val.slice(0, v.length).toLowerCase() === v.toLowerCase()) return [i, val.slice(v.length)];
  }
  throw new Bad();
}

const cutspace = (s: string): string => s.replace(/^ +/, '');

/** skip: the layout's literal prefix must be in the value (runs of spaces match runs of spaces). */
function skip(value: string, prefix: string): string {
  while (prefix.length > 0) {
    if (prefix[0] === ' ') {
      if (value.length > 0 && value[0] !== ' ') throw new Bad();
      prefix = cutspace(prefix);
      value = cutspace(value);
      continue;
    }
    if (value.length === 0 || value[0] !== prefix[0]) throw new Bad();
    prefix = prefix.slice(1);
    value = value.slice(1);
  }
  return value;
}

function parseNanoseconds(value: string, nbytes: number): { ns: number; range: string } {
  if (!commaOrPeriod(value[0])) throw new Bad();
  if (nbytes > 10) { value = value.slice(0, 10); nbytes = 10; }
  let ns = atoi(value.slice(1, nbytes));
  if (ns < 0) return { ns: 0, range: 'fractional second' };
  for (let i = 0; i < 10 - nbytes; i++) ns *= 10;
  return { ns, range: '' };
}

function parseSignedOffset(value: string): number {
  if (value[0] !== '-' && value[0] !== '+') return 0;
  let r: ReturnType<typeof leadingInt>;
  try { r = leadingInt(value.slice(1)); } catch { return 0; }
  if (r.rest === value.slice(1) || r.x > 12n) return 0;
  return value.length - r.rest.length;
}

/** parseTimeZone: the length of a zone abbreviation at the start of value, or 0. */
function parseTimeZone(value: string): number {
  if (value.length < 3) return 0;
  if (value.startsWith('ChST') || value.startsWith('MeST')) return 4;
  if (value.startsWith('GMT')) return value.length === 3 ? 3 : 3 + parseSignedOffset(value.slice(3));
  if (value[0] === '+' || value[0] === '-') return parseSignedOffset(value);
  let n = 0;
  while (n < 6 && n < value.length && value[n]! >= 'A' && value[n]! <= 'Z') n++;
  if (n === 3) return 3;
  if (n === 4 && (value[3] === 'T' || value.startsWith('WITA'))) return 4;
  if (n === 5 && value[4] === 'T') return 5;
  return 0;
}

interface Fields {
  year: number; month: number; day: number; yday: number; hour: number; min: number; sec: number; nsec: number;
  z: Location | undefined; zoneOffset: number; zoneName: string; amSet: boolean; pmSet: boolean;
}

/** Parses one element at the start of value; returns the rest and any range error. */
function parseElem(std: StdChunk, value: string, layoutRest: string, f: Fields): { value: string; range: string } {
  let range = '';
  let p: string;
  switch (std.code) {
    case Std.year:
      if (value.length < 2) throw new Bad();
      p = value.slice(0, 2); value = value.slice(2);
      f.year = atoi(p);
      f.year += f.year >= 69 ? 1900 : 2000;
      break;
    case Std.longYear:
      if (value.length < 4 || !isDigitAt(value, 0)) throw new Bad();
      p = value.slice(0, 4); value = value.slice(4);
      f.year = atoi(p);
      break;
    case Std.month: [f.month, value] = lookupName(MONTH_NAMES.map((m) => m.slice(0, 3)), value); f.month++; break;
    case Std.longMonth: [f.month, value] = lookupName(MONTH_NAMES, value); f.month++; break;
    case Std.numMonth: case Std.zeroMonth:
      [f.month, value] = getnum(value, std.code === Std.zeroMonth);
      if (f.month <= 0 || f.month > 12) range = 'month';
      break;
    case Std.weekDay: [, value] = lookupName(DAY_NAMES.map((d) => d.slice(0, 3)), value); break;
    case Std.longWeekDay: [, value] = lookupName(DAY_NAMES, value); break;
    case Std.day: case Std.underDay: case Std.zeroDay:
      if (std.code === Std.underDay && value[0] === ' ') value = value.slice(1);
      [f.day, value] = getnum(value, std.code === Std.zeroDay);
      break;
    case Std.underYearDay: case Std.zeroYearDay:
      for (let i = 0; i < 2; i++) if (std.code === Std.underYearDay && value[0] === ' ') value = value.slice(1);
      [f.yday, value] = getnum3(value, std.code === Std.zeroYearDay);
      break;
    case Std.hour:
      [f.hour, value] = getnum(value, false);
      if (f.hour < 0 || f.hour >= 24) range = 'hour';
      break;
    case Std.hour12: case Std.zeroHour12:
      [f.hour, value] = getnum(value, std.code === Std.zeroHour12);
      if (f.hour < 0 || f.hour > 12) range = 'hour';
      break;
    case Std.minute: case Std.zeroMinute:
      [f.min, value] = getnum(value, std.code === Std.zeroMinute);
      if (f.min < 0 || f.min >= 60) range = 'minute';
      break;
    case Std.second: case Std.zeroSecond: {
      [f.sec, value] = getnum(value, std.code === Std.zeroSecond);
      if (f.sec < 0 || f.sec >= 60) { range = 'second'; break; }
      // A fractional second in the value that the layout does not ask for is taken here.
      if (value.length >= 2 && commaOrPeriod(value[0]) && isDigitAt(value, 1)) {
        const next = nextStdChunk(layoutRest).std.code;
        if (next === Std.fracSecond0 || next === Std.fracSecond9) break;
        let n = 2;
        while (n < value.length && isDigitAt(value, n)) n++;
        const r = parseNanoseconds(value, n);
        f.nsec = r.ns; range = r.range;
        value = value.slice(n);
      }
      break;
    }
    case Std.pm: case Std.lowerPm: {
      if (value.length < 2) throw new Bad();
      p = value.slice(0, 2); value = value.slice(2);
      const [pm, am] = std.code === Std.pm ? ['PM', 'AM'] : ['pm', 'am'];
      if (p === pm) f.pmSet = true; else if (p === am) f.amSet = true; else throw new Bad();
      break;
    }
    case Std.tz: {
      if (value.startsWith('UTC')) { f.z = UTC; value = value.slice(3); break; }
      const n = parseTimeZone(value);
      if (n === 0) throw new Bad();
      f.zoneName = value.slice(0, n); value = value.slice(n);
      break;
    }
    case Std.fracSecond0: {
      const ndigit = 1 + std.digits;
      if (value.length < ndigit) throw new Bad();
      const r = parseNanoseconds(value, ndigit);
      f.nsec = r.ns; range = r.range;
      value = value.slice(ndigit);
      break;
    }
    case Std.fracSecond9: {
      if (value.length < 2 || !commaOrPeriod(value[0]) || !isDigitAt(value, 1)) break;
      let i = 0;
      while (i + 1 < value.length && isDigitAt(value, i + 1)) i++;
      const r = parseNanoseconds(value, 1 + i);
      f.nsec = r.ns; range = r.range;
      value = value.slice(1 + i);
      break;
    }
    default: return parseOffset(std, value, f);
  }
  return { value, range };
}

/** The numeric zone elements (`-0700`, `Z07:00`, ...). */
function parseOffset(std: StdChunk, value: string, f: Fields): { value: string; range: string } {
  const c = std.code;
  const iso = c === Std.iso8601TZ || c === Std.iso8601ShortTZ || c === Std.iso8601ColonTZ || c === Std.iso8601SecondsTZ || c === Std.iso8601ColonSecondsTZ;
  if (iso && value[0] === 'Z') { f.z = UTC; return { value: value.slice(1), range: '' }; }
  let parts: [string, string, string, string];
  if (c === Std.iso8601ColonTZ || c === Std.numColonTZ) {
    if (value.length < 6 || value[3] !== ':') throw new Bad();
    parts = [value[0]!, value.slice(1, 3), value.slice(4, 6), '00']; value = value.slice(6);
  } else if (c === Std.numShortTZ || c === Std.iso8601ShortTZ) {
    if (value.length < 3) throw new Bad();
    parts = [value[0]!, value.slice(1, 3), '00', '00']; value = value.slice(3);
  } else if (c === Std.iso8601ColonSecondsTZ || c === Std.numColonSecondsTZ) {
    if (value.length < 9 || value[3] !== ':' || value[6] !== ':') throw new Bad();
    parts = [value[0]!, value.slice(1, 3), value.slice(4, 6), value.slice(7, 9)]; value = value.slice(9);
  } else if (c === Std.iso8601SecondsTZ || c === Std.numSecondsTz) {
    if (value.length < 7) throw new Bad();
    parts = [value[0]!, value.slice(1, 3), value.slice(3, 5), value.slice(5, 7)]; value = value.slice(7);
  } else {
    if (value.length < 5) throw new Bad();
    parts = [value[0]!, value.slice(1, 3), value.slice(3, 5), '00']; value = value.slice(5);
  }
  const [sign, hh, mm, ss] = parts;
  const hr = getnum(hh, true)[0];
  const mi = getnum(mm, true)[0];
  const se = getnum(ss, true)[0];
  let range = '';
  if (hr > 24) range = 'time zone offset hour';
  if (mi > 60) range = 'time zone offset minute';
  if (se > 60) range = 'time zone offset second';
  f.zoneOffset = (hr * 60 + mi) * 60 + se;
  if (sign === '-') f.zoneOffset = -f.zoneOffset;
  else if (sign !== '+') throw new Bad();
  return { value, range };
}

/** Turns a day of the year into month and day; checks them against any already parsed. */
function resolveYearDay(f: Fields, fail: (msg: string) => never): void {
  let yday = f.yday;
  let m = 0;
  let d = 0;
  if (isLeap(f.year)) {
    if (yday === 31 + 29) { m = 2; d = 29; } else if (yday > 31 + 29) yday--;
  }
  if (yday < 1 || yday > 365) fail(': day-of-year out of range');
  if (m === 0) {
    m = Math.floor((yday - 1) / 31) + 1;
    if (daysBefore(m + 1) < yday) m++;
    d = yday - daysBefore(m);
  }
  if (f.month >= 0 && f.month !== m) fail(': day-of-year does not match month');
  f.month = m;
  if (f.day >= 0 && f.day !== d) fail(': day-of-year does not match day');
  f.day = d;
}

/** time.ParseInLocation(layout, value, loc), with `local` as Go's time.Local. */
export function parseTime(layout: string, value: string, loc: Location, local: Location): Time {
  const alayout = layout;
  const avalue = value;
  const f: Fields = { year: 0, month: -1, day: -1, yday: -1, hour: 0, min: 0, sec: 0, nsec: 0, z: undefined, zoneOffset: -1, zoneName: '', amSet: false, pmSet: false };
  const fail = (msg: string): never => { throw new TimeParseError(alayout, avalue, '', value, msg); };
  for (;;) {
    const { prefix, std, suffix } = nextStdChunk(layout);
    const stdstr = layout.slice(prefix.length, layout.length - suffix.length);
    try { value = skip(value, prefix); } catch { throw new TimeParseError(alayout, avalue, prefix, value, ''); }
    if (std.code === Std.none) {
      if (value.length !== 0) fail(`: extra text: ${JSON.stringify(value)}`);
      break;
    }
    layout = suffix;
    const hold = value;
    let r: { value: string; range: string };
    try { r = parseElem(std, value, layout, f); } catch (e) {
      if (e instanceof Bad) throw new TimeParseError(alayout, avalue, stdstr, hold, '');
      throw e;
    }
    value = r.value;
    if (r.range !== '') fail(`: ${r.range} out of range`);
  }
  if (f.pmSet && f.hour < 12) f.hour += 12;
  else if (f.amSet && f.hour === 12) f.hour = 0;
  if (f.yday >= 0) resolveYearDay(f, fail);
  else {
    if (f.month < 0) f.month = 1;
    if (f.day < 0) f.day = 1;
  }
  if (f.day < 1 || f.day > daysIn(f.month, f.year)) fail(': day out of range');
  if (f.z !== undefined) return date(f.year, f.month, f.day, f.hour, f.min, f.sec, f.nsec, f.z);
  if (f.zoneOffset !== -1) {
    const t = date(f.year, f.month, f.day, f.hour, f.min, f.sec, f.nsec, UTC);
    const sec = t.sec - f.zoneOffset;
    const z = local.lookup(sec);
    const utc = new Time(sec, t.nsec, UTC);
    if (z.offset === f.zoneOffset && (f.zoneName === '' || z.abbrev === f.zoneName)) return utc.in(local);
    return utc.in(fixedZone(f.zoneName, f.zoneOffset));
  }
  if (f.zoneName !== '') {
    const t = date(f.year, f.month, f.day, f.hour, f.min, f.sec, f.nsec, UTC);
    // Local (UTC here) has no named zones to match, so Go makes a zone of unknown offset.
    let offset = 0;
    if (f.zoneName.length > 3 && f.zoneName.startsWith('GMT')) offset = atoi(f.zoneName.slice(3)) * 3600;
    return t.in(fixedZone(f.zoneName, offset));
  }
  return date(f.year, f.month, f.day, f.hour, f.min, f.sec, f.nsec, loc);
}
