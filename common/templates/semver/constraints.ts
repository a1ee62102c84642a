/**
 * github.com/Masterminds/semver/v3 v3.3.0's constraints (constraints.go): `||` alternatives of
 * comma- or space-separated comparisons, hyphen ranges (`1.2 - 1.4.5`), wildcards (`1.2.x`,
 * `*`), tilde (`~1.2.3`, `~>`) and caret (`^1.2`), with the library's rules for prereleases and
 * "dirty" (partly given) versions. The regular expressions are the library's, with `\s` spelled
 * as RE2's ASCII whitespace class.
 */
import { SemverError, compareVersions, comparePrerelease, newVersion, type Version } from './version.ts';

const S = '[\\t\\n\\f\\r ]';
const CV = 'v?([0-9|x|X|\\*]+)(\\.[0-9|x|X|\\*]+)?(\\.[0-9|x|X|\\*]+)?(-([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?(\\+([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?';
const OPS = '=||!=|>|<|>=|=>|<=|=<|~|~>|\\^';
const CONSTRAINT_RE = new RegExp(`^${S}*(${OPS})${S}*(${CV})${S}*$`);
const RANGE_RE = new RegExp(`${S}*(${CV})${S}+-${S}+(${CV})${S}*`, 'g');
const FIND_RE = new RegExp(`(${OPS})${S}*(${CV})`, 'g');
const VALID_RE = new RegExp(`^(${S}*(${OPS})${S}*(${CV})${S}*)((?:${S}+|,${S}*)(${OPS})${S}*(${CV})${S}*)*$`);

type Op = '' | '=' | '!=' | '>' | '<' | '>=' | '=>' | '<=' | '=<' | '~' | '~>' | '^';

interface Constraint { con: Version; orig: string; op: Op; minorDirty: boolean; patchDirty: boolean; dirty: boolean }

/** A parsed constraint: alternatives (`||`), each a list that must all hold. */
export type Constraints = readonly (readonly Constraint[])[];

const isX = (x: string): boolean => x === 'x' || x === '*' || x === 'X';

/** rewriteRange: `a - b` becomes `>= a, <= b `. */
function rewriteRange(i: string): string {
  let o = i;
  for (const m of i.matchAll(RANGE_RE)) o = o.replace(m[0], `>= ${m[1]}, <= ${m[11]} `);
  return o;
}

function parseConstraint(c: string): Constraint {
  const m = CONSTRAINT_RE.exec(c);
  if (m === null) throw new SemverError(`improper constraint: ${c}`);
  const [, op = '', orig = '', m3 = '', m4 = '', m5 = '', m6 = ''] = m;
  let ver = orig;
  let minorDirty = false;
  let patchDirty = false;
  let dirty = false;
  if (isX(m3) || m3 === '') { ver = `0.0.0${m6}`; dirty = true; }
  else if (isX(m4.replace(/^\./, '')) || m4 === '') { minorDirty = true; dirty = true; ver = `${m3}.0.0${m6}`; }
  else if (isX(m5.replace(/^\./, '')) || m5 === '') { dirty = true; patchDirty = true; ver = `${m3}${m4}.0${m6}`; }
  let con: Version;
  try { con = newVersion(ver); } catch { throw new SemverError('constraint Parser Error'); }
  return { con, orig, op: op as Op, minorDirty, patchDirty, dirty };
}

/** semver.NewConstraint. */
export function newConstraint(input: string): Constraints {
  const c = rewriteRange(input);
  return c.split('||').map((v) => {
    if (!VALID_RE.test(v)) throw new SemverError(`improper constraint: ${v}`);
    const found = [...v.matchAll(FIND_RE)].map((m) => m[0]);
    return (found.length > 0 ? found : [v]).map(parseConstraint);
  });
}

const cmp = compareVersions;

/** One comparison (the library's constraint functions, reduced to their truth value). */
function check(v: Version, c: Constraint): boolean {
  const preBlocked = v.pre !== '' && c.con.pre === '';
  switch (c.op) {
    case '!=': {
      if (c.dirty) {
        if (preBlocked) return false;
        if (c.con.major !== v.major) return true;
        if (c.con.minor !== v.minor && !c.minorDirty) return true;
        if (c.minorDirty) return false;
        if (c.con.patch !== v.patch && !c.patchDirty) return true;
        if (c.patchDirty) return (v.pre !== '' || c.con.pre !== '') && comparePrerelease(v.pre, c.con.pre) !== 0;
      }
      return cmp(v, c.con) !== 0;
    }
    case '>':
      if (preBlocked) return false;
      if (!c.dirty) return cmp(v, c.con) === 1;
      if (v.major !== c.con.major) return v.major > c.con.major;
      if (c.minorDirty) return false;
      if (c.patchDirty) return v.minor > c.con.minor;
      return cmp(v, c.con) === 1;
    case '<': return !preBlocked && cmp(v, c.con) < 0;
    case '>=': case '=>': return !preBlocked && cmp(v, c.con) >= 0;
    case '<=': case '=<':
      if (preBlocked) return false;
      if (!c.dirty) return cmp(v, c.con) <= 0;
      if (v.major > c.con.major) return false;
      return !(v.major === c.con.major && v.minor > c.con.minor && !c.minorDirty);
    case '~': case '~>': return tilde(v, c);
    case '^': return caret(v, c);
    default:
      if (preBlocked) return false;
      return c.dirty ? tilde(v, c) : cmp(v, c.con) === 0;
  }
}

function tilde(v: Version, c: Constraint): boolean {
  if (v.pre !== '' && c.con.pre === '') return false;
  if (cmp(v, c.con) < 0) return false;
  if (c.con.major === 0n && c.con.minor === 0n && c.con.patch === 0n && !c.minorDirty && !c.patchDirty) return true;
  if (v.major !== c.con.major) return false;
  return !(v.minor !== c.con.minor && !c.minorDirty);
}

function caret(v: Version, c: Constraint): boolean {
  if (v.pre !== '' && c.con.pre === '') return false;
  if (cmp(v, c.con) < 0) return false;
  if (c.con.major > 0n || c.minorDirty) return v.major === c.con.major;
  if (c.con.major === 0n && v.major > 0n) return false;
  if (c.con.minor > 0n || c.patchDirty) return v.minor === c.con.minor;
  if (c.con.minor === 0n && v.minor > 0n) return false;
  return c.con.patch === v.patch;
}

/** Constraints.Check: some alternative whose comparisons all hold. */
export function checkConstraints(cs: Constraints, v: Version): boolean {
  return cs.some((and) => and.every((c) => check(v, c)));
}
