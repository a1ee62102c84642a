/**
 * The proleptic Gregorian calendar as Go's time package computes it: days since 1970-01-01 to and
 * from (year, month, day), leap years, month lengths and weekdays. Pure integer arithmetic
 * (Howard Hinnant's civil-from-days), exact for every year a template can reach.
 */

export const isLeap = (year: number): boolean => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);

const DAYS_BEFORE = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];

/** Days in the year before the first of `month` (1..13), ignoring leap days (Go's daysBefore). */
export const daysBefore = (month: number): number => DAYS_BEFORE[month - 1]!;

/** Days in `month` (1..12) of `year`. */
export const daysIn = (month: number, year: number): number => (month === 2 && isLeap(year) ? 29 : DAYS_BEFORE[month]! - DAYS_BEFORE[month - 1]!);

const floorDiv = (a: number, b: number): number => Math.floor(a / b);

/** Days since 1970-01-01 of a civil date (month 1..12, any day; day overflow is arithmetic). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = floorDiv(y, 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = floorDiv(153 * mp + 2, 5) + day - 1;
  const doe = yoe * 365 + floorDiv(yoe, 4) - floorDiv(yoe, 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The civil date of a day count since 1970-01-01. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = floorDiv(z, 146097);
  const doe = z - era * 146097;
  const yoe = floorDiv(doe - floorDiv(doe, 1460) + floorDiv(doe, 36524) - floorDiv(doe, 146096), 365);
  const doy = doe - (365 * yoe + floorDiv(yoe, 4) - floorDiv(yoe, 100));
  const mp = floorDiv(5 * doy + 2, 153);
  const day = doy - floorDiv(153 * mp + 2, 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: era * 400 + yoe + (month <= 2 ? 1 : 0), month, day };
}

/** 0 = Sunday. 1970-01-01 was a Thursday. */
export const weekdayOfDays = (days: number): number => ((days + 4) % 7 + 7) % 7;

export const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'] as const;
export const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
