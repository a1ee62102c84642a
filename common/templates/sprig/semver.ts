/**
 * Sprig's `semver` (a *semver.Version with its methods: Major, Minor, Patch, Prerelease,
 * Metadata, Original, String, Compare, LessThan, GreaterThan, Equal, IncMajor/Minor/Patch ...)
 * and `semverCompare` (a constraint check), on the port of Masterminds semver v3.3.0 in
 * ../semver/.
 */
import { checkConstraints, newConstraint } from '../semver/constraints.ts';
import { SemverError, compareVersions, incMajor, incMinor, incPatch, newVersion, setMetadata, setPrerelease, versionString, type Version } from '../semver/version.ts';
import { FuncError, fn, type TemplateFunction } from '../function-types.ts';
import { GoInt, GoObject, type Val } from '../values.ts';

const u64 = (v: bigint): GoInt => new GoInt('uint64', v);

/** A semver.Version (`pointer` false: the struct values IncX and SetX return) in a template. */
export class VersionValue extends GoObject {
  readonly type: string;
  readonly kind: 'struct' | 'ptr';
  readonly v: Version;
  constructor(v: Version, pointer: boolean) {
    super();
    this.v = v;
    this.type = pointer ? '*semver.Version' : 'semver.Version';
    this.kind = pointer ? 'ptr' : 'struct';
  }
  override toString(): string { return versionString(this.v); }
  override marshalJson(): string { return JSON.stringify(versionString(this.v)); }
  /** A pointer equals only itself; struct values compare field by field. */
  override equals(other: GoObject): boolean {
    if (this.kind === 'ptr') return other === this;
    const o = (other as VersionValue).v;
    const v = this.v;
    return v.major === o.major && v.minor === o.minor && v.patch === o.patch && v.pre === o.pre && v.metadata === o.metadata && v.original === o.original;
  }
  override method(name: string): TemplateFunction | undefined {
    const v = this.v;
    const struct = (x: Version): VersionValue => new VersionValue(x, false);
    const other = (a: Val[]): Version => (a[0] as VersionValue).v;
    const must = (f: () => Version): Val => { try { return struct(f()); } catch (e) { if (e instanceof SemverError) throw new FuncError(e.message); throw e; } };
    switch (name) {
      case 'String': return fn([], () => versionString(v));
      case 'Major': return fn([], () => u64(v.major));
      case 'Minor': return fn([], () => u64(v.minor));
      case 'Patch': return fn([], () => u64(v.patch));
      case 'Prerelease': return fn([], () => v.pre);
      case 'Metadata': return fn([], () => v.metadata);
      case 'IncPatch': return fn([], () => struct(incPatch(v)));
      case 'IncMinor': return fn([], () => struct(incMinor(v)));
      case 'IncMajor': return fn([], () => struct(incMajor(v)));
      case 'SetPrerelease': return fn(['string'], (a) => must(() => setPrerelease(v, a[0] as string)));
      case 'SetMetadata': return fn(['string'], (a) => must(() => setMetadata(v, a[0] as string)));
    }
    if (this.kind !== 'ptr') return undefined; // pointer-receiver methods: not on a returned struct value
    switch (name) {
      case 'Original': return fn([], () => v.original);
      case 'Compare': return fn(['*semver.Version'], (a) => new GoInt('int', BigInt(compareVersions(v, other(a)))));
      case 'LessThan': return fn(['*semver.Version'], (a) => compareVersions(v, other(a)) < 0);
      case 'LessThanEqual': return fn(['*semver.Version'], (a) => compareVersions(v, other(a)) <= 0);
      case 'GreaterThan': return fn(['*semver.Version'], (a) => compareVersions(v, other(a)) > 0);
      case 'GreaterThanEqual': return fn(['*semver.Version'], (a) => compareVersions(v, other(a)) >= 0);
      case 'Equal': return fn(['*semver.Version'], (a) => compareVersions(v, other(a)) === 0);
      default: return undefined;
    }
  }
}

function semverCall<T>(f: () => T): T {
  try { return f(); } catch (e) {
    if (e instanceof SemverError) throw new FuncError(e.message);
    throw e;
  }
}

export const SEMVER_FUNCS: ReadonlyArray<[string, TemplateFunction]> = [
  ['semver', fn(['string'], (a) => semverCall(() => new VersionValue(newVersion(a[0] as string), true)))],
  ['semverCompare', fn(['string', 'string'], (a) => semverCall(() => {
    const c = newConstraint(a[0] as string);
    return checkConstraints(c, newVersion(a[1] as string));
  }))],
];
