/**
 * Go's time.Time: an instant (Unix seconds and nanoseconds) and the location it is shown in.
 * Immutable; the operations the template functions and methods need (Date, Unix, Add, AddDate,
 * In) behave as Go's do, including the normalisation of out-of-range fields in Date.
 */
import { civilFromDays, daysFromCivil, weekdayOfDays } from './calendar.ts';
import { LOCAL, UTC, type Location, type Zone } from './location.ts';

const NS = 1_000_000_000;

/** The broken-down fields of a time in its location. */
export interface Civil {
  year: number; month: number; day: number; hour: number; minute: number; second: number;
  nsec: number; weekday: number; yday: number; zone: Zone;
}

export class Time {
  /** Seconds since 1970-01-01 UTC. */
  readonly sec: number;
  /** 0 ≤ nsec < 1e9. */
  readonly nsec: number;
  readonly loc: Location;
  constructor(sec: number, nsec: number, loc: Location) { this.sec = sec; this.nsec = nsec; this.loc = loc; }

  /** The fields as Go's Time.Date/Clock/YearDay/Weekday/Zone return them. */
  civil(): Civil {
    const zone = this.loc.lookup(this.sec);
    const local = this.sec + zone.offset;
    const days = Math.floor(local / 86400);
    const secOfDay = local - days * 86400;
    const { year, month, day } = civilFromDays(days);
    return {
      year, month, day, nsec: this.nsec, zone,
      hour: Math.floor(secOfDay / 3600), minute: Math.floor(secOfDay / 60) % 60, second: secOfDay % 60,
      weekday: weekdayOfDays(days), yday: days - daysFromCivil(year, 1, 1) + 1,
    };
  }

  in(loc: Location): Time { return new Time(this.sec, this.nsec, loc); }

  /** t.Add(d) for a duration in nanoseconds. */
  add(d: bigint): Time {
    const total = BigInt(this.nsec) + d;
    const s = total / BigInt(NS);
    let sec = this.sec + Number(s);
    let nsec = Number(total - s * BigInt(NS));
    if (nsec < 0) { nsec += NS; sec--; }
    return new Time(sec, nsec, this.loc);
  }

  /** t.AddDate(years, months, days): Date() normalises the result, as in Go. */
  addDate(years: number, months: number, days: number): Time {
    const c = this.civil();
    return date(c.year + years, c.month + months, c.day + days, c.hour, c.minute, c.second, c.nsec, this.loc);
  }

  /** Go's IsZero: January 1, year 1, 00:00:00 UTC. */
  isZero(): boolean { return this.sec === ZERO_UNIX && this.nsec === 0; }
}

/** Unix seconds of Go's zero Time (0001-01-01T00:00:00Z). */
export const ZERO_UNIX = -62135596800;
/** time.Time{}. */
export const ZERO_TIME = new Time(ZERO_UNIX, 0, UTC);

/** time.Unix(sec, 0): in Local, as Go returns it. */
export const unixTime = (sec: number): Time => new Time(sec, 0, LOCAL);

/** Go's norm: moves overflow of lo (base `base`) into hi. */
function norm(hi: number, lo: number, base: number): [number, number] {
  const q = Math.floor(lo / base);
  return [hi + q, lo - q * base];
}

/** time.Date: fields out of range are normalised (October 32 is November 1). */
export function date(year: number, month: number, day: number, hour: number, min: number, sec: number, nsec: number, loc: Location): Time {
  let m0 = month - 1;
  [year, m0] = norm(year, m0, 12);
  [sec, nsec] = norm(sec, nsec, NS);
  [min, sec] = norm(min, sec, 60);
  [hour, min] = norm(hour, min, 60);
  [day, hour] = norm(day, hour, 24);
  const days = daysFromCivil(year, m0 + 1, 1) + day - 1;
  let unix = days * 86400 + hour * 3600 + min * 60 + sec;
  // Go looks the offset up at the wall time taken as UTC, then again at the corrected instant.
  const offset = loc.lookup(unix).offset;
  if (offset !== 0) unix -= loc.lookup(unix - offset).offset;
  return new Time(unix, nsec, loc);
}
