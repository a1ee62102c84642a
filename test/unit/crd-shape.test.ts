/**
 * The CRD shape check (contract/crd-shape.ts) against the field inventory: for EVERY field of the
 * four CRDs a generated object with a wrong JSON type is refused with a message naming that field;
 * case-insensitive keys are read as their field with a warning; unknown keys name the nearest field;
 * `warned` fields warn; `denied` fields are problems; namespace-guarding fields of the wrong shape
 * are problems (the tenant isolation holes of issue 17).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CRD_FIELDS, CRD_KINDS, type CrdKind, type Field, type Shape } from '../../contract/crd-fields.ts';
import { MAX_SHAPE_MESSAGES, nearestField, validateCrdObject } from '../../contract/crd-shape.ts';

/** A valid value of a shape (minimal: required fields only, recursively). */
function sample(s: Shape): unknown {
  switch (s.type) {
    case 'string': return s.enum?.[0] ?? 'x';
    case 'duration': return '60s';
    case 'boolean': return true;
    case 'integer': return 1;
    case 'map': return { a: 'b' };
    case 'array': return [sample(s.items)];
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const [k, f] of Object.entries(s.fields)) if (f.required === true) o[k] = sample(f);
      return o;
    }
  }
}

/** Wrong values for a shape: one of each JSON type it does not accept. */
function wrongValues(s: Shape): unknown[] {
  const all: unknown[] = ['text', 7, true, ['a'], { a: 1 }];
  return all.filter((v) => {
    switch (s.type) {
      case 'string': case 'duration': return typeof v !== 'string';
      case 'boolean': return typeof v !== 'boolean';
      case 'integer': return typeof v !== 'number';
      case 'map': return typeof v !== 'object' || Array.isArray(v);
      case 'array': return !Array.isArray(v);
      case 'object': return typeof v !== 'object' || Array.isArray(v);
    }
  });
}

interface Site { kind: CrdKind; path: string[]; field: Field }

/** Every checked field (not status, not below a denied field), with the JSON path to reach it (arrays as index 0). */
function sites(): Site[] {
  const out: Site[] = [];
  const walk = (kind: CrdKind, fields: Readonly<Record<string, Field>>, path: string[]): void => {
    for (const [name, field] of Object.entries(fields)) {
      if (field.fate === 'status') continue;
      out.push({ kind, path: [...path, name], field });
      if (field.fate === 'denied') continue;
      let inner: Shape = field;
      const p = [...path, name];
      while (inner.type === 'array') { inner = inner.items; p.push('0'); }
      if (inner.type === 'object') walk(kind, inner.fields, p);
    }
  };
  for (const kind of CRD_KINDS) walk(kind, CRD_FIELDS[kind], []);
  return out;
}

/** A minimal valid object of `kind` with `value` placed at `path` (parents built from the inventory). */
function place(kind: CrdKind, path: string[], value: unknown): Record<string, unknown> {
  const root = sample({ type: 'object', fields: CRD_FIELDS[kind] }) as Record<string, unknown>;
  let node: Record<string, unknown> | unknown[] = root;
  let fields: Readonly<Record<string, Field>> = CRD_FIELDS[kind];
  let shape: Shape | undefined;
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!;
    const last = i === path.length - 1;
    if (Array.isArray(node)) {
      if (last) { node[0] = value; break; }
      const items = (shape as Extract<Shape, { type: 'array' }>).items;
      if (node[0] === undefined || typeof node[0] !== 'object') node[0] = sample(items);
      shape = items;
      node = node[0] as Record<string, unknown>;
      if (items.type === 'object') fields = items.fields;
      continue;
    }
    if (last) { node[key] = value; break; }
    const f = fields[key]!;
    if (node[key] === undefined) node[key] = sample(f);
    shape = f;
    node = node[key] as Record<string, unknown>;
    if (f.type === 'object') fields = f.fields;
  }
  return root;
}

function display(path: string[]): string {
  return path.map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('').slice(1);
}

describe('crd shape: generated wrong types', () => {
  const all = sites();
  it('covers the four kinds, with over 100 checked fields', () => {
    assert.ok(all.length > 100, `only ${all.length}`);
    for (const k of CRD_KINDS) assert.ok(all.some((s) => s.kind === k));
  });
  it('a minimal valid object of each kind passes clean', () => {
    for (const kind of CRD_KINDS) {
      const r = validateCrdObject(kind, sample({ type: 'object', fields: CRD_FIELDS[kind] }), kind);
      assert.deepEqual(r.problems, [], kind);
    }
  });
  for (const site of all) {
    if (site.field.fate === 'denied') continue;
    it(`${site.kind} ${display(site.path)}: every wrong JSON type is a problem naming the field`, () => {
      for (const wrong of wrongValues(site.field)) {
        const r = validateCrdObject(site.kind, place(site.kind, site.path, wrong), 'X');
        const want = `X ${display(site.path)}: expected`;
        assert.ok(r.problems.some((p) => p.startsWith(want)), `${JSON.stringify(wrong)} → ${JSON.stringify(r.problems)}`);
      }
    });
  }
});

describe('crd shape: fates and names', () => {
  it('namespaces given as a string is a problem (it would substring-match)', () => {
    const r = validateCrdObject('ClusterSecretStore', { spec: { KMS: {}, conditions: [{ namespaces: 'shop-prod' }] } }, 'ClusterSecretStore shared');
    assert.deepEqual(r.problems, ['ClusterSecretStore shared spec.conditions[0].namespaces: expected a list, each a string, got a string "shop-prod"']);
  });
  it('namespaceSelector given as a string is a problem (it would admit every namespace)', () => {
    const r = validateCrdObject('ClusterSecretStore', { spec: { KMS: {}, conditions: [{ namespaceSelector: 'team=shop-prod' }] } }, 'C');
    assert.match(r.problems[0] ?? '', /^C spec\.conditions\[0\]\.namespaceSelector: expected an object with fields matchLabels, matchExpressions, got a string "team=shop-prod"$/);
  });
  it('conditions given as a string is a problem, not an internal error', () => {
    const r = validateCrdObject('ClusterExternalSecret', { spec: { externalSecretSpec: {}, conditions: 'shop' } }, 'C');
    assert.match(r.problems[0] ?? '', /^C spec\.conditions: expected a list, each an object with fields namespaceSelector/);
  });
  it('jmesPath given as a string is a problem', () => {
    const r = validateCrdObject('ExternalSecret', { spec: { data: [{ key: 'k', jmesPath: 'user' }] } }, 'E');
    assert.match(r.problems[0] ?? '', /^E spec\.data\[0\]\.jmesPath: expected a list, each an object with fields path, objectAlias, got a string "user"$/);
  });
  const caseCases: [string, Record<string, unknown>, string, string][] = [
    ['versionID', { key: 'k', versionID: 'v1' }, 'versionId', '"v1"'],
    ['jmespath', { key: 'k', jmespath: [{ path: 'a' }] }, 'jmesPath', '[{"path":"a"}]'],
  ];
  for (const [key, entry, canonical, want] of caseCases) {
    it(`${key} is read as ${canonical} with a warning giving the exact spelling`, () => {
      const r = validateCrdObject('ExternalSecret', { spec: { data: [entry] } }, 'E');
      assert.deepEqual(r.problems, []);
      const d = ((r.object.spec as Record<string, unknown>).data as Record<string, unknown>[])[0]!;
      assert.equal(JSON.stringify(d[canonical]), want);
      assert.ok(!(key in d));
      assert.ok(r.warnings.some((w) => w.startsWith(`E spec.data[0].${key}: read as "${canonical}"`)), JSON.stringify(r.warnings));
    });
  }
  it('remoteRamRoleArn (as the seed README spells it) is read as remoteRamRoleARN', () => {
    const r = validateCrdObject('SecretStore', { spec: { KMS: { KMSAuth: { remoteRamRoleArn: 'acs:ram::1:role/r' } } } }, 'S');
    const auth = (((r.object.spec as Record<string, unknown>).KMS as Record<string, unknown>).KMSAuth as Record<string, unknown>);
    assert.equal(auth.remoteRamRoleARN, 'acs:ram::1:role/r');
    assert.equal(r.warnings.length, 1);
  });
  it('an unknown key is a warning naming the nearest field', () => {
    const r = validateCrdObject('ExternalSecret', { spec: { data: [{ key: 'k', verisonStage: 'ACSPrevious' }] } }, 'E');
    assert.deepEqual(r.warnings, ['E spec.data[0].verisonStage: unknown field, ignored; did you mean "versionStage"?']);
    assert.equal(nearestField('zzzzzz', ['key', 'name']), undefined);
  });
  it('warned fields warn with the reason; empty values do not', () => {
    const r = validateCrdObject('ExternalSecret', { spec: { type: 'kubernetes.io/tls', target: { name: 'x' }, data: [{ key: 'k' }], dataProcess: [{ extract: { key: 'e', name: 'n' } }] } }, 'E');
    assert.deepEqual(r.warnings.map((w) => w.split(':')[0]), ['E spec.data[0]'.replace('.data[0]', '.dataProcess[0].extract.name'), 'E spec.type', 'E spec.target.name'].sort((a, b) => r.warnings.findIndex((w) => w.startsWith(a)) - r.warnings.findIndex((w) => w.startsWith(b))));
    assert.ok(r.warnings.every((w) => w.includes('has no effect in a pod')));
    assert.deepEqual(validateCrdObject('ExternalSecret', { spec: { type: '' } }, 'E').warnings, []);
  });
  it('dedicatedKMSAuth is denied with what to use instead, never quoting its values', () => {
    const r = validateCrdObject('SecretStore', { spec: { KMS: { dedicatedKMSAuth: { clientKeyContent: 'SECRET-KEY-CONTENT', password: 'p4ss' } } } }, 'S');
    assert.equal(r.problems.length, 1);
    assert.match(r.problems[0]!, /^S spec\.KMS\.dedicatedKMSAuth: not supported: .*kmsInstanceCAs/);
    assert.ok(!r.problems[0]!.includes('SECRET-KEY-CONTENT') && !r.problems[0]!.includes('p4ss'));
  });
  it('required fields are problems when missing', () => {
    const r = validateCrdObject('ExternalSecret', { spec: { data: [{ name: 'n' }], dataProcess: [{ replaceRule: [{ source: 'a' }] }] } }, 'E');
    assert.deepEqual(r.problems, ['E spec.data[0].key: required; expected a string', 'E spec.dataProcess[0].replaceRule[0].target: required; expected a string']);
  });
  it('status is not checked', () => {
    const r = validateCrdObject('ExternalSecret', { spec: { data: [] }, status: { dataSyncResults: 'whatever', KMSSecretKey: 1 } }, 'E');
    assert.deepEqual([r.problems, r.warnings], [[], []]);
  });
  it('messages are bounded: long values are cut, lists capped', () => {
    const data = Array.from({ length: 100 }, () => ({ key: 7 }));
    const r = validateCrdObject('ExternalSecret', { spec: { data, type: 'x'.repeat(10_000) } }, 'E');
    assert.equal(r.problems.length, MAX_SHAPE_MESSAGES + 1);
    assert.match(r.problems.at(-1)!, /and 80 more shape problems/);
    assert.ok(r.warnings.every((w) => w.length < 400));
    const long = validateCrdObject('ExternalSecret', { spec: { provider: 'y'.repeat(10_000) } }, 'E');
    assert.ok(long.problems[0]!.length < 200);
  });
});
