import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AdmissionResponse } from '../../webhook/admission/admission-review.ts';
import { reviewWithResponse } from '../../webhook/admission/admission-review.ts';
import { admissionReviewJson, allowed, denied, DenialReason, errored, patched } from '../../webhook/admission/response.ts';

const ops = [
  { op: 'add' as const, path: '/metadata/annotations/secret-injector.alibabacloud.com~1status', value: 'injected' },
  { op: 'add' as const, path: '/spec/containers/1', value: { name: 'agent', env: [{ name: 'SECRET_INJECTOR_CONFIG', value: '{"version":1,"note":"quotes \\" and ünïcode"}' }] } },
];

/** Each case: a response as the server would hold it; its text must be JSON.stringify's, byte for byte. */
const cases: { name: string; response: () => AdmissionResponse; patchSpliced: boolean }[] = [
  { name: 'a patched response', response: () => patched('u1', ops), patchSpliced: true },
  { name: 'a patched response with warnings', response: () => patched('u2', ops, ['hostNetwork pod: "careful"', 'second']), patchSpliced: true },
  { name: 'a uid with quotes, backslashes and non-ASCII characters', response: () => patched('u"3\\\u00e9\u2028', ops), patchSpliced: true },
  { name: 'an empty patch list', response: () => patched('u4', []), patchSpliced: true },
  { name: 'an allowed response without a patch', response: () => allowed('u5', ['w']), patchSpliced: false },
  { name: 'a denial', response: () => denied('u6', 'no role "x"', DenialReason.NO_ROLE), patchSpliced: false },
  { name: 'an internal error', response: () => errored('u7', new Error('boom')), patchSpliced: false },
  { name: 'a hand-built response with a patch that is not base64 of ours', response: () => ({ uid: 'u8', allowed: true, patchType: 'JSONPatch', patch: 'not"base64\\' }), patchSpliced: false },
  {
    name: 'a patched response whose patch was changed afterwards',
    response: () => { const r = patched('u9', ops); r.patch = 'bad"text'; return r; },
    patchSpliced: false,
  },
  {
    name: 'a patched response whose keys were reordered, with an annotation named "patch" before the patch',
    response: () => {
      const r = patched('u10', ops);
      const patch = r.patch ?? '';
      delete r.patch;
      r.auditAnnotations = { patch: '' };
      r.patch = patch;
      return r;
    },
    patchSpliced: false,
  },
];

test('admissionReviewJson writes exactly what JSON.stringify writes', async (t) => {
  for (const c of cases) {
    await t.test(c.name, () => {
      const response = c.response();
      const text = admissionReviewJson(response);
      assert.equal(text, JSON.stringify(reviewWithResponse(response)));
      assert.deepEqual(JSON.parse(text), reviewWithResponse(response));
      if (c.patchSpliced) assert.ok(text.includes(`"patch":"${response.patch ?? ''}"`), 'the base64 patch is in the text as it is');
    });
  }
});
