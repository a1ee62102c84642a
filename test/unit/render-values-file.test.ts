/**
 * The render VALUES.json: validation (every problem at once, never a value) and KMS version
 * selection (versionId, else versionStage, else ACSCurrent), OOS lookups, not-found errors shaped
 * like the real services'.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InjectorError } from '../../common/errors.ts';
import type { FetchRequest } from '../../injector/rules/fetch-types.ts';
import { lookupValue, parseValuesFile } from '../../injector/values-file.ts';

const values = parseValuesFile(JSON.stringify({
  kms: {
    single: 'only',
    object: { data: 'obj', versionId: 'v7' },
    bin: { data: 'AP8=', dataType: 'binary', versionId: 'b1' },
    many: [
      { data: 'old', versionId: 'v1', versionStages: ['ACSPrevious'] },
      { data: 'new', versionId: 'v2', versionStages: ['ACSCurrent', 'Blue'] },
      { data: 'pending', versionId: 'v3' },
    ],
    nocurrent: [{ data: 'x', versionId: 'v1', versionStages: ['ACSPrevious'] }],
  },
  oos: { '/app/param': 'p', '/app/versioned': ['one', 'two', 'three'] },
}), 'values.json');

const req = (key: string, extra: Partial<FetchRequest> = {}): FetchRequest => ({ provider: 'kms', key, profile: 'default', ...extra });

describe('values file version selection', () => {
  const table: { name: string; r: FetchRequest; data?: string; versionId?: string; notFound?: string }[] = [
    { name: 'a plain string is the ACSCurrent version', r: req('single'), data: 'only' },
    { name: 'a single object without stages is ACSCurrent', r: req('object'), data: 'obj', versionId: 'v7' },
    { name: 'no selector reads ACSCurrent among several', r: req('many'), data: 'new', versionId: 'v2' },
    { name: 'versionStage selects the labelled version', r: req('many', { versionStage: 'ACSPrevious' }), data: 'old', versionId: 'v1' },
    { name: 'a custom stage works too', r: req('many', { versionStage: 'Blue' }), data: 'new', versionId: 'v2' },
    { name: 'versionId wins over the default stage', r: req('many', { versionId: 'v3' }), data: 'pending', versionId: 'v3' },
    { name: 'versionId and a matching versionStage', r: req('many', { versionId: 'v2', versionStage: 'ACSCurrent' }), data: 'new', versionId: 'v2' },
    { name: 'versionId with a stage that does not label it is not found', r: req('many', { versionId: 'v1', versionStage: 'ACSCurrent' }), notFound: 'Forbidden.ResourceNotFound' },
    { name: 'an unknown versionId is not found', r: req('many', { versionId: 'v9' }), notFound: 'Forbidden.ResourceNotFound' },
    { name: 'no ACSCurrent version is not found', r: req('nocurrent'), notFound: 'Forbidden.ResourceNotFound' },
    { name: 'an unknown secret is not found', r: req('nope'), notFound: 'Forbidden.ResourceNotFound' },
    { name: 'an OOS parameter', r: { provider: 'oos', key: '/app/param', profile: 'default' }, data: 'p', versionId: '1' },
    { name: 'an OOS parameter without versionId reads its last version', r: { provider: 'oos', key: '/app/versioned', profile: 'default' }, data: 'three', versionId: '3' },
    { name: 'an OOS parameter version (ParameterVersion)', r: { provider: 'oos', key: '/app/versioned', profile: 'default', versionId: '2' }, data: 'two', versionId: '2' },
    { name: 'an OOS parameter version that does not exist', r: { provider: 'oos', key: '/app/versioned', profile: 'default', versionId: '4' }, notFound: 'EntityNotExists.ParameterVersion' },
    { name: 'an unknown OOS parameter', r: { provider: 'oos', key: '/app/none', profile: 'default' }, notFound: 'EntityNotExists.Parameter' },
  ];
  for (const t of table) {
    it(t.name, () => {
      const got = lookupValue(values, t.r);
      if (t.notFound !== undefined) {
        assert.ok(got instanceof InjectorError);
        assert.equal(got.code, 'E_PROVIDER');
        assert.equal(got.retryable, false);
        assert.equal(got.detail.providerCode, t.notFound);
        assert.ok(got.message.startsWith(`${t.notFound}: `));
        return;
      }
      assert.ok(!(got instanceof InjectorError));
      assert.equal(got.data, t.data);
      assert.equal(got.dataType, 'text');
      assert.equal(got.versionId, t.versionId);
    });
  }
  it('binary data comes out as the decoded bytes', () => {
    const got = lookupValue(values, req('bin'));
    assert.ok(!(got instanceof InjectorError));
    assert.equal(got.dataType, 'binary');
    assert.deepEqual([...(got.data as Uint8Array)], [0x00, 0xff]);
  });
});

describe('values file validation', () => {
  const table: { name: string; doc: string; problems: RegExp[] }[] = [
    { name: 'not JSON', doc: '{kms:', problems: [/values\.json: not valid JSON/] },
    { name: 'not an object', doc: '[]', problems: [/expected a JSON object/] },
    {
      name: 'every problem is listed at once',
      doc: JSON.stringify({ extra: 1, kms: { a: 5, b: { data: 'x', dataType: 'hex' }, c: { data: 'not base64!', dataType: 'binary' }, d: [], e: { data: 'x', versionStages: 'ACSCurrent' }, f: { data: 'x', color: 1 } }, oos: { p: 3 } }),
      problems: [
        /extra: unknown field; accepted: kms, oos/,
        /kms\["a"\]: expected a string or \{data, dataType\?, versionId\?, versionStages\?\}, got 5/,
        /kms\["b"\]\.dataType: expected "text" or "binary", got "hex"/,
        /kms\["c"\]\.data: dataType "binary" needs standard base64 \(RFC 4648, padded\); got 11 characters that are not/,
        /kms\["d"\]: expected at least one version/,
        /kms\["e"\]\.versionStages: expected an array of non-empty strings, got "ACSCurrent"/,
        /kms\["f"\]\.color: unknown field; accepted: data, dataType, versionId, versionStages/,
        /oos\["p"\]: expected a string or a list of 1-100 strings \(versions 1, 2, …\), got number/,
      ],
    },
    { name: 'duplicate version ids and stages', doc: JSON.stringify({ kms: { s: [{ data: 'a', versionId: 'v1', versionStages: ['ACSCurrent'] }, { data: 'b', versionId: 'v1', versionStages: ['ACSCurrent'] }] } }), problems: [/versionId "v1" appears twice/, /versionStage "ACSCurrent" labels two versions/] },
  ];
  for (const t of table) {
    it(t.name, () => {
      assert.throws(() => parseValuesFile(t.doc, 'values.json'), (err: unknown) => {
        assert.ok(err instanceof InjectorError);
        assert.equal(err.code, 'E_INPUT');
        for (const p of t.problems) assert.match(err.message, p);
        assert.ok(!err.message.includes('not base64!'), 'the value was echoed');
        return true;
      });
    });
  }
});
