import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fastJsonPatch from 'fast-json-patch';
import { applyPatch, buildPatch } from '../../webhook/admission/patch.ts';

type Doc = Record<string, unknown>;

const review = (name: string): { request: { object: Doc } } => JSON.parse(readFileSync(new URL(`../fixtures/admission/${name}.review.json`, import.meta.url), 'utf8')) as { request: { object: Doc } };

/** A pod shaped like the ones the API server sends, with subtrees a mutation can share. */
function samplePod(): Doc {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' }, annotations: { 'example.com/a~b': 'x' }, managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:spec': {} } }] },
    spec: {
      containers: [
        { name: 'app', image: 'app:1', volumeMounts: [{ name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }] },
        { name: 'log', image: 'log:1' },
      ],
      volumes: [{ name: 'kube-api-access', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3607 } }] } }],
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
    },
    status: {},
  };
}

/**
 * The mutation the webhook makes, copy on write as webhook/pod/mutated-pod.ts does: unchanged
 * subtrees are the original's own objects.
 */
function appendLikeTheWebhook(pod: Doc): Doc {
  const meta = pod.metadata as Doc;
  const spec = pod.spec as { containers: Doc[]; volumes?: Doc[]; initContainers?: Doc[] };
  const injector = { name: 'ack-secret-injector-init', env: [{ name: 'SECRET_INJECTOR_CONFIG', value: JSON.stringify({ version: 1, pod: { namespace: 'shop' }, paths: ['a/b', 'c~d'] }) }] };
  return {
    ...pod,
    metadata: { ...meta, annotations: { ...(meta.annotations as Doc | undefined), 'secret-injector.alibabacloud.com/status': 'injected' } },
    spec: {
      ...spec,
      volumes: [...(spec.volumes ?? []), { name: 'ack-secret-injector-files', emptyDir: { medium: 'Memory' } }],
      containers: [...spec.containers.map((c, i) => (i === 0 ? { ...c, volumeMounts: [...((c.volumeMounts as Doc[] | undefined) ?? []), { name: 'ack-secret-injector-files', mountPath: '/secrets', readOnly: true }] } : c)), { name: 'ack-secret-injector-agent', env: injector.env }],
      initContainers: [...(spec.initContainers ?? []), injector],
    },
  };
}

/** Each case: an original and a mutated document; buildPatch must give exactly what compare gives. */
const cases: { name: string; original: () => Doc; mutate: (original: Doc) => Doc }[] = [
  { name: 'the webhook mutation with shared subtrees', original: samplePod, mutate: appendLikeTheWebhook },
  { name: 'the webhook mutation on a deep copy (nothing shared)', original: samplePod, mutate: (o) => structuredClone(appendLikeTheWebhook(o)) },
  { name: 'an absent annotations object and an absent initContainers list are added whole', original: () => { const p = samplePod(); delete (p.metadata as Doc).annotations; return p; }, mutate: appendLikeTheWebhook },
  { name: 'an empty initContainers list gets an element added at index 0', original: () => { const p = samplePod(); (p.spec as Doc).initContainers = []; return p; }, mutate: appendLikeTheWebhook },
  { name: 'a null list is replaced whole', original: () => { const p = samplePod(); (p.spec as Doc).initContainers = null; return p; }, mutate: (o) => ({ ...o, spec: { ...(o.spec as Doc), initContainers: [{ name: 'i', args: ['x'] }] } }) },
  { name: 'an object turned into an array is replaced whole', original: () => ({ a: { b: { c: 1 } } }), mutate: (o) => ({ ...o, a: { b: [{ c: 1 }] } }) },
  { name: 'an array turned into an object is replaced whole', original: () => ({ a: [{ c: 1 }] }), mutate: () => ({ a: { c: 1 } }) },
  { name: 'a primitive turned into an object is replaced whole', original: () => ({ a: 'x', b: 1 }), mutate: (o) => ({ ...o, a: { nested: { deep: [1, 2] } } }) },
  { name: 'removed keys, changed primitives and escaped keys beside added objects', original: () => ({ keep: { x: 1 }, gone: { y: 2 }, 'k/1': 'a', 'k~2': [1, 2, 3] }), mutate: (o) => ({ keep: o.keep, 'k/1': 'b', 'k~2': [1, 2, 3, { z: [4] }], 'new/key~': { w: { v: 1 } } }) },
  { name: 'a shortened array gives removals from its end', original: () => ({ list: [{ a: 1 }, { b: 2 }, { c: 3 }] }), mutate: (o) => ({ list: (o.list as Doc[]).slice(0, 1) }) },
  { name: 'a new object inside a copied element is added with its path', original: () => ({ list: [{ name: 'a', sub: { x: 1 } }] }), mutate: (o) => ({ list: [{ ...(o.list as Doc[])[0], sub: { x: 1, y: { z: 2 } } }] }) },
  { name: 'identical documents give no operations', original: samplePod, mutate: (o) => o },
  // Pure appends (the kept elements are the same objects) are diffed from their new elements only; the indexes must still be the real ones.
  { name: 'pure appends at two depths keep their real indexes', original: () => ({ list: Array.from({ length: 1200 }, (_, i) => ({ i, mounts: Array.from({ length: 30 }, (_, j) => ({ j })) })) }), mutate: (o) => ({ list: [...(o.list as Doc[]).map((e, i) => (i % 100 === 0 ? { ...e, mounts: [...(e.mounts as Doc[]), { j: 'new' }, 'tail'] } : e)), { i: 'new', sub: { x: [1] } }] }) },
  { name: 'an array that grew but also changed a kept element is diffed element by element', original: () => ({ list: [{ a: 1 }, { b: 2 }] }), mutate: (o) => ({ list: [(o.list as Doc[])[0], { b: 3 }, { c: 4 }] }) },
  { name: 'a root array with elements appended', original: () => [{ a: 1 }, 'x'] as unknown as Doc, mutate: (o) => [...(o as unknown as unknown[]), { b: { c: 2 } }, 7] as unknown as Doc },
  { name: 'a pure append inside an escaped key', original: () => ({ 'a/b~c': [1, { d: 2 }] }), mutate: (o) => ({ 'a/b~c': [...(o['a/b~c'] as unknown[]), { e: 3 }] }) },
  { name: 'an own "__proto__" key from JSON.parse is diffed as a key', original: () => JSON.parse('{"a":{"__proto__":{"x":1},"b":1}}') as Doc, mutate: () => JSON.parse('{"a":{"__proto__":{"x":1},"b":1,"c":{"d":3}}}') as Doc },
  { name: 'a recorded classic-sidecar review pod, mutated like the webhook', original: () => review('classic-sidecar').request.object, mutate: appendLikeTheWebhook },
  { name: 'a recorded native-sidecar review pod, mutated like the webhook', original: () => review('native-sidecar').request.object, mutate: appendLikeTheWebhook },
];

test('buildPatch gives exactly the operations of fast-json-patch compare', async (t) => {
  for (const c of cases) {
    await t.test(c.name, () => {
      const original = c.original();
      const mutated = c.mutate(original);
      const before = structuredClone(original);
      const expected = fastJsonPatch.compare(structuredClone(original), structuredClone(mutated));
      const ops = buildPatch(original, mutated);
      assert.deepEqual(ops, expected);
      assert.deepEqual(original, before, 'the original is not modified');
      assert.deepEqual(applyPatch(original, ops), JSON.parse(JSON.stringify(mutated)), 'applying the operations gives the mutated document');
    });
  }
});

test('operation values are the mutated document\'s own subtrees, not copies', () => {
  const original = samplePod();
  const mutated = appendLikeTheWebhook(original);
  const ops = buildPatch(original, mutated);
  const init = ops.find((op) => op.path === '/spec/initContainers');
  assert.ok(init !== undefined && init.op === 'add', 'the initContainers list is added whole');
  assert.equal(init.value, (mutated.spec as Doc).initContainers);
});
