/**
 * Go's *time.Location for the engine: UTC, Local, fixed zones (what parsing an offset creates) and
 * named IANA zones, whose offsets and abbreviations come from the time zone database of Node's
 * Intl (Go reads the same database from zoneinfo files).
 *
 * Local is UTC: the injector renders files for a pod, and neither the sidecar's TZ nor the
 * node's is the application's, so templates see the same time zone wherever they run (the oracle
 * runs Go with TZ=UTC, where Go's Local is named "UTC" and has offset 0).
 *
 * Abbreviations: Intl has no API for the tz database's abbreviations, so a named zone's `MST`
 * is the first alphabetic short name among a few English locales (EST, CET, BST, IST, JST, AEST
 * ...) and otherwise Go's numeric form (`+08`, `-0330`), as the database writes zones without an
 * abbreviation. Where the database has a letter abbreviation no locale prints (Asia/Shanghai's
 * CST, Europe/Moscow's MSK), the engine prints the numeric form (docs/templates.md, differences).
 */

/** The zone in effect at an instant: Go's `name, offset` from Location.lookup. */
export interface Zone { readonly abbrev: string; readonly offset: number }

/** A location; compared by identity, as Go's `==` on time.Time compares the *Location pointer. */
export class Location {
  readonly name: string;
  readonly lookup: (unixSec: number) => Zone;
  constructor(name: string, lookup: (unixSec: number) => Zone) { this.name = name; this.lookup = lookup; }
}

export const UTC = new Location('UTC', () => ({ abbrev: 'UTC', offset: 0 }));
export const LOCAL = new Location('Local', () => ({ abbrev: 'UTC', offset: 0 }));

/** Go shares one location per unnamed whole-hour offset from -12h to +14h (time.FixedZone). */
const unnamedHours = new Map<number, Location>();

/** time.FixedZone(name, offset): a new location, except the shared unnamed whole-hour ones. */
export function fixedZone(name: string, offset: number): Location {
  const hour = Math.trunc(offset / 3600);
  const shared = name === '' && hour >= -12 && hour <= 14 && hour * 3600 === offset;
  const cached = shared ? unnamedHours.get(hour) : undefined;
  if (cached !== undefined) return cached;
  const zone: Zone = { abbrev: name, offset };
  const loc = new Location(name, () => zone);
  if (shared) unnamedHours.set(hour, loc);
  return loc;
}

const LOCALES = ['en-US', 'en-GB', 'en-IN', 'en-AU', 'ja-JP'] as const;
const named = new Map<string, Location | null>();
/** Bounded: Intl formatters per zone are cached, and the cache holds at most this many zones. */
const MAX_ZONES = 64;

/** Go's numeric abbreviation for a zone without a name: +08, -03, +0530. */
function numericAbbrev(offset: number): string {
  const sign = offset < 0 ? '-' : '+';
  const m = Math.floor(Math.abs(offset) / 60);
  const hh = String(Math.floor(m / 60)).padStart(2, '0');
  return m % 60 === 0 ? `${sign}${hh}` : `${sign}${hh}${String(m % 60).padStart(2, '0')}`;
}

/** Intl's Date range is ±8.64e15 ms; instants beyond it use the edge's zone. */
const clampMs = (sec: number): number => Math.max(-8.64e12, Math.min(8.64e12, sec)) * 1000;

function intlLocation(name: string): Location {
  const offsetFmt = new Intl.DateTimeFormat('en-US', { timeZone: name, timeZoneName: 'longOffset', year: 'numeric' });
  const shortFmts = LOCALES.map((l) => new Intl.DateTimeFormat(l, { timeZone: name, timeZoneName: 'short', year: 'numeric' }));
  const part = (f: Intl.DateTimeFormat, ms: number): string => f.formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value ?? '';
  return new Location(name, (unixSec) => {
    const ms = clampMs(unixSec);
    const m = /^GMT(?:([+-])(\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(part(offsetFmt, ms));
    const offset = m?.[1] === undefined ? 0 : (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0));
    for (const f of shortFmts) {
      const s = part(f, ms);
      if (/^[A-Z]{3,5}$/.test(s) && (s !== 'GMT' || offset === 0)) return { abbrev: s, offset };
    }
    return { abbrev: numericAbbrev(offset), offset };
  });
}

/** Intl accepts a zone name whatever its case; Go's zoneinfo files are case-sensitive. */
function intlAccepts(name: string): boolean {
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    return resolved === name || resolved.toLowerCase() !== name.toLowerCase();
  } catch {
    return false;
  }
}

/** time.LoadLocation: undefined where Go returns an error. */
export function loadLocation(name: string): Location | undefined {
  if (name === '' || name === 'UTC') return UTC;
  if (name === 'Local') return LOCAL;
  if (name.includes('..') || name.startsWith('/') || name.includes('\\') || !/^[A-Za-z0-9_+\-/]+$/.test(name)) return undefined;
  let loc = named.get(name);
  if (loc === undefined) {
    loc = intlAccepts(name) ? intlLocation(name) : null;
    if (named.size >= MAX_ZONES) named.clear();
    named.set(name, loc);
  }
  return loc ?? undefined;
}
