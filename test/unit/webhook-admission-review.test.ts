// AdmissionReview validation, the response vocabulary, and the JSON Patch builder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ErrorCode, InjectorError, hasCode } from '../../common/errors.ts';
import { parseAdmissionReview, requestUid, reviewWithResponse, validateAdmissionReview } from '../../webhook/admission/admission-review.ts';
import { applyPatch, buildPatch } from '../../webhook/admission/patch.ts';
import { allowed, DenialReason, denied, errored, patched } from '../../webhook/admission/response.ts';

const recorded = JSON.parse(readFileSync(new URL('../fixtures/admission/classic-sidecar.review.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const request = recorded.request as Record<string, unknown>;
const withRequest = (changes: Record<string, unknown>) => ({ ...recorded, request: { ...request, ...changes } });

test('a recorded AdmissionReview is valid', () => {
  assert.deepEqual(validateAdmissionReview(recorded), []);
  assert.equal(parseAdmissionReview(recorded).request?.uid, '705ab4f5-6393-11e8-b7cc-42010a800002');
});

/** `{kind: {kind: ... }}` nested `depth` times, built without recursion. */
function deepObject(depth: number): Record<string, unknown> {
  let o: Record<string, unknown> = {};
  for (let i = 0; i < depth; i++) o = { kind: o };
  return o;
}

test('malformed AdmissionReviews get a clear error naming the field', async (t) => {
  const cases: { name: string; body: unknown; problems: string[] }[] = [
    { name: 'not an object', body: 'hello', problems: ['AdmissionReview: expected a JSON object, got string'] },
    { name: 'null', body: null, problems: ['AdmissionReview: expected a JSON object, got null'] },
    { name: 'an array', body: [], problems: ['AdmissionReview: expected a JSON object, got an array'] },
    { name: 'v1beta1 review', body: { ...recorded, apiVersion: 'admission.k8s.io/v1beta1' }, problems: ['apiVersion: expected "admission.k8s.io/v1" (set admissionReviewVersions: ["v1"] in the MutatingWebhookConfiguration), got "admission.k8s.io/v1beta1"'] },
    { name: 'wrong kind', body: { ...recorded, kind: 'Pod' }, problems: ['kind: expected "AdmissionReview", got "Pod"'] },
    { name: 'no request', body: { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, problems: ['request: expected an object, got nothing'] },
    { name: 'empty uid', body: withRequest({ uid: '' }), problems: ['request.uid: expected a non-empty string, got ""'] },
    { name: 'kind without version', body: withRequest({ kind: { group: '', kind: 'Pod' } }), problems: ['request.kind.version: expected a non-empty string, got nothing'] },
    { name: 'resource not an object', body: withRequest({ resource: 'pods' }), problems: ['request.resource: expected an object {group, version, resource}, got "pods"'] },
    { name: 'unknown operation', body: withRequest({ operation: 'PATCH' }), problems: ['request.operation: expected one of CREATE, UPDATE, DELETE, CONNECT, got "PATCH"'] },
    { name: 'object is a string', body: withRequest({ object: 'pod' }), problems: ['request.object: expected an object or null, got "pod"'] },
    { name: 'several problems at once', body: withRequest({ uid: 7, operation: undefined, userInfo: null, dryRun: 'yes' }), problems: [
      'request.uid: expected a non-empty string, got 7',
      'request.operation: expected one of CREATE, UPDATE, DELETE, CONNECT, got nothing',
      'request.userInfo: expected an object, got null',
      'request.dryRun: expected a boolean, got "yes"',
    ] },
    // Issue 13, defect 8: describing the value with JSON.stringify overflowed the stack (HTTP 500).
    { name: 'a 50,000-deep request.kind is described by its type, without recursion', body: withRequest({ kind: deepObject(50_000) }), problems: [
      'request.kind.group: expected a string ("" for the core group), got nothing',
      'request.kind.version: expected a non-empty string, got nothing',
      'request.kind.kind: expected a non-empty string, got an object',
    ] },
    { name: 'a 1 MB namespace is quoted as a bounded excerpt with its length', body: withRequest({ namespace: 'n'.repeat(1_000_000).split('') }), problems: ['request.namespace: expected a string, got an array of 1000000 items'] },
    { name: 'a namespace that is no namespace name (1 MB) is refused with an excerpt', body: withRequest({ namespace: `Ns-${'n'.repeat(1_000_000)}` }), problems: [`request.namespace: expected a namespace name (a DNS-1123 label of at most 63 characters), got "Ns-${'n'.repeat(250)}"… (1000003 characters)`] },
    { name: 'a 1 MB operation is quoted as a 253-character excerpt with its length', body: withRequest({ operation: 'x'.repeat(1_000_000) }), problems: [`request.operation: expected one of CREATE, UPDATE, DELETE, CONNECT, got "${'x'.repeat(253)}"… (1000000 characters)`] },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      assert.deepEqual(validateAdmissionReview(c.body), c.problems);
      assert.throws(() => parseAdmissionReview(c.body), (err: unknown) => hasCode(err, ErrorCode.INPUT) && c.problems.every((p) => err.message.includes(p)));
    });
  }
});

test('requestUid recovers the uid from partial reviews', async (t) => {
  const cases: [string, unknown, string][] = [
    ['valid review', recorded, '705ab4f5-6393-11e8-b7cc-42010a800002'],
    ['review with a bad operation', withRequest({ operation: 'X' }), '705ab4f5-6393-11e8-b7cc-42010a800002'],
    ['no request', {}, ''],
    ['not an object', 42, ''],
  ];
  for (const [name, body, uid] of cases) await t.test(name, () => assert.equal(requestUid(body), uid));
});

test('the response vocabulary echoes the uid', async (t) => {
  const ops = [{ op: 'add' as const, path: '/metadata/annotations/a~1b', value: 'c' }];
  const cases: { name: string; response: object; expected: object }[] = [
    { name: 'allowed', response: allowed('u1'), expected: { uid: 'u1', allowed: true } },
    { name: 'allowed with warnings', response: allowed('u1', ['careful']), expected: { uid: 'u1', allowed: true, warnings: ['careful'] } },
    { name: 'denied carries its stable reason code in status.reason', response: denied('u2', 'no role', DenialReason.NO_ROLE), expected: { uid: 'u2', allowed: false, status: { code: 403, reason: 'no-role', message: 'no role' } } },
    { name: 'patched', response: patched('u3', ops, ['w']), expected: { uid: 'u3', allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(ops)).toString('base64'), warnings: ['w'] } },
    { name: 'errored with an InjectorError', response: errored('u4', new InjectorError(ErrorCode.KUBE, 'informer down')), expected: { uid: 'u4', allowed: false, status: { code: 500, reason: 'InternalError', message: 'ack-secret-injector internal error: E_KUBE: informer down' } } },
    { name: 'errored with a thrown string', response: errored('u5', 'boom'), expected: { uid: 'u5', allowed: false, status: { code: 500, reason: 'InternalError', message: 'ack-secret-injector internal error: boom' } } },
    { name: 'wrapped in the review envelope', response: reviewWithResponse(allowed('u6')), expected: { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'u6', allowed: true } } },
  ];
  for (const c of cases) await t.test(c.name, () => assert.deepEqual(c.response, c.expected));
});

test('patches escape "/" and "~" in keys as RFC 6901 requires and round-trip', async (t) => {
  const original = { metadata: { annotations: { keep: '1' } }, spec: { containers: [{ name: 'app' }] } };
  const mutated = structuredClone(original) as typeof original & { metadata: { annotations: Record<string, string> } };
  mutated.metadata.annotations['secret-injector.alibabacloud.com/status'] = 'injected';
  mutated.metadata.annotations['example.com/a~b'] = 'tilde';
  mutated.spec.containers.push({ name: 'agent' });
  const ops = buildPatch(original, mutated);
  await t.test('exact operations', () => {
    assert.deepEqual(ops, [
      { op: 'add', path: '/spec/containers/1', value: { name: 'agent' } },
      { op: 'add', path: '/metadata/annotations/secret-injector.alibabacloud.com~1status', value: 'injected' },
      { op: 'add', path: '/metadata/annotations/example.com~1a~0b', value: 'tilde' },
    ]);
  });
  await t.test('applying the patch gives the mutated object and leaves the original alone', () => {
    assert.deepEqual(applyPatch(original, ops), mutated);
    assert.deepEqual(original.metadata.annotations, { keep: '1' });
  });
  await t.test('absent annotations are added as a whole object', () => {
    assert.deepEqual(buildPatch({ metadata: {} }, { metadata: { annotations: { 'a/b': 'c' } } }), [{ op: 'add', path: '/metadata/annotations', value: { 'a/b': 'c' } }]);
  });
});
