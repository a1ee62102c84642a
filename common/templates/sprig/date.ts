/**
 * Sprig's date functions (date.go) on gotime: date, dateInZone/date_in_zone, htmlDate,
 * htmlDateInZone, dateModify/date_modify, mustDateModify/must_date_modify, toDate, mustToDate,
 * unixEpoch, duration, durationRound; and time.Time as a template value with its common methods.
 *
 * Sprig formats the current time when `date` gets something that is not a time or an integer,
 * and `durationRound` measures from now when given a time: the engine reports an error there
 * instead (a file must not change on every refresh). `now` and `ago` stay excluded (funcmap.ts).
 */
import { formatTime, timeString } from '../gotime/format.ts';
import { durationString, parseDuration } from '../gotime/duration.ts';
import { LOCAL, UTC, loadLocation } from '../gotime/location.ts';
import { TimeParseError, parseTime } from '../gotime/parse.ts';
import { Time, ZERO_TIME, unixTime } from '../gotime/time.ts';
import { FuncError, fn, type TemplateFunction } from '../function-types.ts';
import { GoInt, GoObject, typeName, type Val } from '../values.ts';

const int64 = (n: number | bigint): GoInt => new GoInt('int64', BigInt(n));
const int = (n: number): GoInt => new GoInt('int', BigInt(n));
const str = (v: Val): string => v as string;

/** A time.Time in a template. */
export class TimeValue extends GoObject {
  readonly type = 'time.Time';
  readonly kind = 'struct';
  readonly t: Time;
  constructor(t: Time) { super(); this.t = t; }
  override toString(): string { return timeString(this.t); }
  /** MarshalJSON: RFC 3339 with nanoseconds, quoted. */
  override marshalJson(): string { return JSON.stringify(formatTime(this.t, '2006-01-02T15:04:05.999999999Z07:00')); }
  override equals(other: GoObject): boolean {
    return other instanceof TimeValue && other.t.sec === this.t.sec && other.t.nsec === this.t.nsec && other.t.loc === this.t.loc;
  }
  override method(name: string): TemplateFunction | undefined {
    const t = this.t;
    const c = (): ReturnType<Time['civil']> => t.civil();
    const other = (a: Val[]): Time => (a[0] as TimeValue).t;
    const cmp = (a: Val[]): number => { const o = other(a); return t.sec !== o.sec ? t.sec - o.sec : t.nsec - o.nsec; };
    switch (name) {
      case 'Year': return fn([], () => int(c().year));
      case 'YearDay': return fn([], () => int(c().yday));
      case 'Day': return fn([], () => int(c().day));
      case 'Hour': return fn([], () => int(c().hour));
      case 'Minute': return fn([], () => int(c().minute));
      case 'Second': return fn([], () => int(c().second));
      case 'Nanosecond': return fn([], () => int(t.nsec));
      case 'Unix': return fn([], () => int64(t.sec));
      case 'UnixMilli': return fn([], () => int64(BigInt(t.sec) * 1000n + BigInt(Math.floor(t.nsec / 1e6))));
      case 'UnixNano': return fn([], () => int64(BigInt.asIntN(64, BigInt(t.sec) * 1_000_000_000n + BigInt(t.nsec))));
      case 'Format': return fn(['string'], (a) => formatTime(t, str(a[0]!)));
      case 'String': return fn([], () => timeString(t));
      case 'UTC': return fn([], () => new TimeValue(t.in(UTC)));
      case 'Local': return fn([], () => new TimeValue(t.in(LOCAL)));
      case 'IsZero': return fn([], () => t.isZero());
      case 'Before': return fn(['time.Time'], (a) => cmp(a) < 0);
      case 'After': return fn(['time.Time'], (a) => cmp(a) > 0);
      case 'Equal': return fn(['time.Time'], (a) => cmp(a) === 0);
      case 'AddDate': return fn(['int', 'int', 'int'], (a) => new TimeValue(t.addDate(...(a.map((x) => Number((x as GoInt).v)) as [number, number, number]))));
      default: return undefined;
    }
  }
}

/** dateInZone's date argument: a time, or Unix seconds as int, int32 or int64. */
function toTime(fname: string, v: Val): Time {
  if (v instanceof TimeValue) return v.t;
  if (v instanceof GoInt && (v.type === 'int' || v.type === 'int64' || v.type === 'int32')) return unixTime(Number(v.v));
  throw new FuncError(`${fname}: the date is a ${typeName(v)}, not a time.Time or Unix seconds (Sprig would use the current time, so the file would change on every refresh)`);
}

function dateInZone(fname: string, layout: string, v: Val, zone: string): string {
  // An unknown zone falls back to UTC, as in Sprig.
  return formatTime(toTime(fname, v).in(loadLocation(zone) ?? UTC), layout);
}

function modify(d: string, v: Val, must: boolean): Val {
  const t = (v as TimeValue).t;
  let ns: bigint;
  try { ns = parseDuration(d); } catch (e) {
    if (must) throw new FuncError((e as Error).message);
    return v;
  }
  return new TimeValue(t.add(ns));
}

function toDate(layout: string, value: string, must: boolean): Val {
  try {
    return new TimeValue(parseTime(layout, value, LOCAL, LOCAL));
  } catch (e) {
    if (!(e instanceof TimeParseError)) throw e;
    if (must) throw new FuncError(e.message);
    return new TimeValue(ZERO_TIME);
  }
}

const INT64_MAX = (1n << 63n) - 1n;

/** strconv.ParseInt(s, 10, 64) as Sprig's duration uses it: errors give 0, overflow the limit. */
function parseInt10(s: string): bigint {
  if (!/^[+-]?\d+$/.test(s)) return 0n;
  const v = BigInt(s);
  return v > INT64_MAX ? INT64_MAX : v < -INT64_MAX - 1n ? -INT64_MAX - 1n : v;
}

/** duration: seconds (a string or an int64; anything else is 0) as a Go duration. */
function duration(v: Val): string {
  const n = typeof v === 'string' ? parseInt10(v) : v instanceof GoInt && v.type === 'int64' ? v.v : 0n;
  return durationString(BigInt.asIntN(64, n * 1_000_000_000n));
}

const ROUND_UNITS: readonly [bigint, string][] = [
  [3_600_000_000_000n * 24n * 365n, 'y'], [3_600_000_000_000n * 24n * 30n, 'mo'], [3_600_000_000_000n * 24n, 'd'],
  [3_600_000_000_000n, 'h'], [60_000_000_000n, 'm'], [1_000_000_000n, 's'],
];

/** durationRound: the largest unit the duration exceeds, truncated (`2h30m` → `2h`). */
function durationRound(v: Val): string {
  let d = 0n;
  if (typeof v === 'string') { try { d = parseDuration(v); } catch { d = 0n; } }
  else if (v instanceof GoInt && v.type === 'int64') d = v.v;
  else if (v instanceof TimeValue) throw new FuncError('durationRound: a time.Time is measured from now in Sprig, so the file would change on every refresh; pass a duration');
  const u = BigInt.asUintN(64, d < 0n ? -d : d);
  for (const [unit, suffix] of ROUND_UNITS) if (u > unit) return `${u / unit}${suffix}`;
  return '0s';
}

const tv = (v: Val): TimeValue => v as TimeValue;

export const DATE_FUNCS: ReadonlyArray<[string, TemplateFunction]> = [
  ['date', fn(['string', 'any'], (a) => dateInZone('date', str(a[0]!), a[1]!, 'Local'))],
  ['dateInZone', fn(['string', 'any', 'string'], (a) => dateInZone('dateInZone', str(a[0]!), a[1]!, str(a[2]!)))],
  ['date_in_zone', fn(['string', 'any', 'string'], (a) => dateInZone('date_in_zone', str(a[0]!), a[1]!, str(a[2]!)))],
  ['htmlDate', fn(['any'], (a) => dateInZone('htmlDate', '2006-01-02', a[0]!, 'Local'))],
  ['htmlDateInZone', fn(['any', 'string'], (a) => dateInZone('htmlDateInZone', '2006-01-02', a[0]!, str(a[1]!)))],
  ['dateModify', fn(['string', 'time.Time'], (a) => modify(str(a[0]!), a[1]!, false))],
  ['date_modify', fn(['string', 'time.Time'], (a) => modify(str(a[0]!), a[1]!, false))],
  ['mustDateModify', fn(['string', 'time.Time'], (a) => modify(str(a[0]!), a[1]!, true))],
  ['must_date_modify', fn(['string', 'time.Time'], (a) => modify(str(a[0]!), a[1]!, true))],
  ['toDate', fn(['string', 'string'], (a) => toDate(str(a[0]!), str(a[1]!), false))],
  ['mustToDate', fn(['string', 'string'], (a) => toDate(str(a[0]!), str(a[1]!), true))],
  ['unixEpoch', fn(['time.Time'], (a) => String(tv(a[0]!).t.sec))],
  ['duration', fn(['any'], (a) => duration(a[0]!))],
  ['durationRound', fn(['any'], (a) => durationRound(a[0]!))],
];
