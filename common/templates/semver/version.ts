/**
 * github.com/Masterminds/semver/v3 v3.3.0's Version (version.go): the lenient parser NewVersion
 * (`v` prefix, missing minor/patch), String, Compare with its prerelease rules, and the Inc*
 * and Set* helpers. Errors carry the library's messages.
 */

export const ErrInvalidSemVer = 'Invalid Semantic Version';
const ErrSegmentStartsZero = 'Version segment starts with 0';
const ErrInvalidMetadata = 'Invalid Metadata string';
const ErrInvalidPrerelease = 'Invalid Prerelease string';

/** A semver error (Sprig returns it as the function's error). */
export class SemverError extends Error {
  constructor(message: string) { super(message); this.name = 'SemverError'; }
}

export const SEMVER_PATTERN = 'v?([0-9]+)(\\.[0-9]+)?(\\.[0-9]+)?(-([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?(\\+([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?';
const VERSION_RE = new RegExp(`^${SEMVER_PATTERN}$`);
const UINT64_MAX = (1n << 64n) - 1n;

export interface Version {
  readonly major: bigint; readonly minor: bigint; readonly patch: bigint;
  readonly pre: string; readonly metadata: string; readonly original: string;
}

const onlyDigits = (s: string): boolean => /^[0-9]*$/.test(s);
const onlyAllowed = (s: string): boolean => /^[0-9A-Za-z-]*$/.test(s);

function validatePrerelease(p: string): void {
  for (const part of p.split('.')) {
    if (onlyDigits(part)) { if (part.length > 1 && part[0] === '0') throw new SemverError(ErrSegmentStartsZero); }
    else if (!onlyAllowed(part)) throw new SemverError(ErrInvalidPrerelease);
  }
}

function validateMetadata(m: string): void {
  for (const part of m.split('.')) if (!onlyAllowed(part)) throw new SemverError(ErrInvalidMetadata);
}

/** strconv.ParseUint(s, 10, 64) of a digit string (the regex has checked the digits). */
function segment(s: string): bigint {
  const v = BigInt(s);
  if (v > UINT64_MAX) throw new SemverError(`Error parsing version segment: strconv.ParseUint: parsing ${JSON.stringify(s)}: value out of range`);
  return v;
}

/** semver.NewVersion. */
export function newVersion(v: string): Version {
  const m = VERSION_RE.exec(v);
  if (m === null) throw new SemverError(ErrInvalidSemVer);
  const version: Version = {
    major: segment(m[1]!), minor: m[2] ? segment(m[2].slice(1)) : 0n, patch: m[3] ? segment(m[3].slice(1)) : 0n,
    pre: m[5] ?? '', metadata: m[8] ?? '', original: v,
  };
  if (version.pre !== '') validatePrerelease(version.pre);
  if (version.metadata !== '') validateMetadata(version.metadata);
  return version;
}

/** Version.String: major.minor.patch[-pre][+metadata], without the `v`. */
export function versionString(v: Version): string {
  return `${v.major}.${v.minor}.${v.patch}${v.pre ? `-${v.pre}` : ''}${v.metadata ? `+${v.metadata}` : ''}`;
}

/** comparePrePart: numeric identifiers sort numerically and before alphanumeric ones. */
function comparePrePart(s: string, o: string): number {
  if (s === o) return 0;
  if (s === '') return -1;
  if (o === '') return 1;
  const sNum = /^[0-9]+$/.test(s) && BigInt(s) <= UINT64_MAX;
  const oNum = /^[0-9]+$/.test(o) && BigInt(o) <= UINT64_MAX;
  if (!sNum && !oNum) return Buffer.compare(Buffer.from(s), Buffer.from(o)) > 0 ? 1 : -1;
  if (!oNum) return -1;
  if (!sNum) return 1;
  return BigInt(s) > BigInt(o) ? 1 : -1;
}

export function comparePrerelease(v: string, o: string): number {
  const sp = v.split('.');
  const op = o.split('.');
  for (let i = 0; i < Math.max(sp.length, op.length); i++) {
    const d = comparePrePart(sp[i] ?? '', op[i] ?? '');
    if (d !== 0) return d;
  }
  return 0;
}

/** Version.Compare: -1, 0 or 1; metadata is ignored. */
export function compareVersions(v: Version, o: Version): number {
  for (const k of ['major', 'minor', 'patch'] as const) if (v[k] !== o[k]) return v[k] < o[k] ? -1 : 1;
  if (v.pre === '' && o.pre === '') return 0;
  if (v.pre === '') return 1;
  if (o.pre === '') return -1;
  return comparePrerelease(v.pre, o.pre);
}

const vPrefix = (v: Version): string => (v.original.startsWith('v') ? 'v' : '');
const withOriginal = (from: Version, next: Omit<Version, 'original'>): Version => ({ ...next, original: vPrefix(from) + versionString({ ...next, original: '' }) });

export function incPatch(v: Version): Version {
  return withOriginal(v, { ...v, pre: '', metadata: '', patch: v.pre !== '' ? v.patch : BigInt.asUintN(64, v.patch + 1n) });
}
export function incMinor(v: Version): Version {
  return withOriginal(v, { ...v, pre: '', metadata: '', patch: 0n, minor: BigInt.asUintN(64, v.minor + 1n) });
}
export function incMajor(v: Version): Version {
  return withOriginal(v, { ...v, pre: '', metadata: '', patch: 0n, minor: 0n, major: BigInt.asUintN(64, v.major + 1n) });
}
export function setPrerelease(v: Version, pre: string): Version {
  if (pre.length > 0) validatePrerelease(pre);
  return withOriginal(v, { ...v, pre });
}
export function setMetadata(v: Version, metadata: string): Version {
  if (metadata.length > 0) validateMetadata(metadata);
  return withOriginal(v, { ...v, metadata });
}
