// Issue 13, defects 1 and 2 as regression tests: every message quotes a bounded excerpt, a denial
// lists at most ten problems, oversize input is denied up front with the limit named, and the work
// is linear (sets, not list scans). Timing is the benchmark's job (bench/admission-scaling.ts);
// these tests pin the answers' shape and size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { admit } from '../../webhook/admission/admit.ts';
import { MAX_ANNOTATION_CHARS, MAX_ANNOTATIONS_BYTES, MAX_EXTERNAL_SECRETS, MAX_INJECTOR_CONFIG_BYTES, MAX_POD_CONTAINERS, MAX_POD_VOLUMES } from '../../webhook/admission/limits.ts';
import * as f from '../fixtures/webhook-fixtures.ts';

const P = 'secret-injector.alibabacloud.com/';
const names = (n: number, prefix: string): string => Array.from({ length: n }, (_, i) => `${prefix}${i}`).join(',');

async function denial(pod: V1Pod, objects = f.world()): Promise<{ reason: string; message: string }> {
  const res = await admit(f.review(pod), f.resolver(objects), f.settings());
  assert.equal(res.allowed, false, 'denied');
  assert.equal(res.status?.code, 403);
  return { reason: res.status?.reason ?? '', message: res.status?.message ?? '' };
}

test('hostile annotations get short denials that name the limit or a bounded list', async (t) => {
  const cases: Array<{ name: string; pod: V1Pod; reason: string; match: RegExp[]; maxChars: number }> = [
    {
      // The pod: 25,000 short bad names, 51 KB; every problem line used to repeat all of it.
      name: '25,000 bad names in external-secrets (164 KB) are refused by size, up front',
      pod: f.pod({ annotations: { [`${P}external-secrets`]: names(25_000, 'B') } }),
      reason: 'invalid-annotation',
      match: [new RegExp(`: 1 problem: \\(1\\) annotation ${P}external-secrets: the value has 163889 characters, over the limit of ${MAX_ANNOTATION_CHARS}; value starts "B0,B1,`)],
      maxChars: 500,
    },
    {
      name: `${MAX_EXTERNAL_SECRETS + 50} names in external-secrets are refused by count`,
      pod: f.pod({ annotations: { [`${P}external-secrets`]: names(MAX_EXTERNAL_SECRETS + 50, 'e') } }),
      reason: 'invalid-annotation',
      match: [new RegExp(`: 1 problem: \\(1\\) annotation ${P}external-secrets: invalid value "e0,e1,.*"… \\(\\d+ characters\\); expected at most ${MAX_EXTERNAL_SECRETS} comma-separated ExternalSecret names; it names ${MAX_EXTERNAL_SECRETS + 50}$`)],
      maxChars: 800,
    },
    {
      name: '100 bad names: one problem naming ten of them and how many more',
      pod: f.pod({ annotations: { [`${P}external-secrets`]: names(100, 'Bad_') } }),
      reason: 'invalid-annotation',
      match: [/: 1 problem: /, /"Bad_0", "Bad_1", .*"Bad_9", … and 90 more are not$/],
      maxChars: 1200,
    },
    {
      name: '100 repeated names: one problem',
      pod: f.pod({ annotations: { [`${P}external-secrets`]: Array.from({ length: 100 }, () => 'db').join(',') } }),
      reason: 'invalid-annotation',
      match: [/: 1 problem: /, /"db", "db", .* … and 89 more are repeated$/],
      maxChars: 1200,
    },
    {
      name: `an annotation over ${MAX_ANNOTATION_CHARS} characters is refused with the limit, not parsed`,
      pod: f.pod({ annotations: { [`${P}mode`]: 'x'.repeat(MAX_ANNOTATION_CHARS + 1) } }),
      reason: 'invalid-annotation',
      match: [new RegExp(`annotation ${P}mode: the value has ${MAX_ANNOTATION_CHARS + 1} characters, over the limit of ${MAX_ANNOTATION_CHARS}; value starts "x{64}"… \\(${MAX_ANNOTATION_CHARS + 1} characters\\)$`)],
      maxChars: 500,
    },
    {
      name: 'an oversize external-secrets is refused once, without a second "required" problem',
      pod: f.pod({ annotations: { [`${P}external-secrets`]: 'd'.repeat(MAX_ANNOTATION_CHARS + 1) } }),
      reason: 'invalid-annotation',
      match: [/: 1 problem: \(1\) annotation secret-injector.alibabacloud.com\/external-secrets: the value has/],
      maxChars: 500,
    },
    {
      name: 'a 30 KB invalid value is quoted as a 253-character excerpt',
      pod: f.pod({ annotations: { [`${P}refresh-interval`]: '9'.repeat(30_000) } }),
      reason: 'invalid-annotation',
      match: [/refresh-interval: invalid value "9{253}"… \(30000 characters\); expected/],
      maxChars: 800,
    },
    {
      name: 'a containers annotation naming 3,000 missing containers lists ten',
      pod: f.pod({ annotations: { [`${P}containers`]: names(3000, 'ghost-') } }),
      reason: 'invalid-annotation',
      match: [/not in the pod: ghost-0, ghost-1, .*ghost-9, … and 2990 more/],
      maxChars: 1200,
    },
    {
      // The API server validates container names only after mutating admission, so a 1 MB name reaches the webhook.
      name: 'a containers annotation on a pod with a 1 MB container name lists it as a 100-character excerpt',
      pod: f.pod({ annotations: { [`${P}containers`]: 'ghost' }, spec: { containers: [{ name: 'c'.repeat(1_000_000), image: 'a' }] } }),
      reason: 'invalid-annotation',
      match: [/this pod's containers \("c{100}"… \(1000000 characters\)\); not in the pod: ghost$/],
      maxChars: 500,
    },
    {
      name: 'a notify-container naming no container of a pod with a 1 MB container name lists it as an excerpt',
      pod: f.pod({ annotations: { [`${P}notify-signal`]: 'HUP', [`${P}notify-container`]: 'ghost' }, spec: { containers: [{ name: 'c'.repeat(1_000_000), image: 'a' }, { name: 'b', image: 'a' }] } }),
      reason: 'invalid-annotation',
      match: [/one of this pod's containers \("c{100}"… \(1000000 characters\), b\)$/],
      maxChars: 500,
    },
    {
      name: 'a non-string annotation value (a forged review) is a denial, not an internal error',
      pod: f.pod({ annotations: { [`${P}mode`]: { nested: true } as unknown as string } }),
      reason: 'invalid-annotation',
      match: [/annotation secret-injector.alibabacloud.com\/mode: expected a string value, got an object/],
      maxChars: 400,
    },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const { reason, message } = await denial(c.pod);
      assert.equal(reason, c.reason);
      for (const m of c.match) assert.match(message, m);
      assert.ok(message.length <= c.maxChars, `message of ${message.length} characters (limit for this case ${c.maxChars})`);
    });
  }
});

test('a denial lists ten problems, then how many more, with the exact count', async () => {
  const bad = Object.fromEntries(['mode', 'refresh-interval', 'file-mode', 'file-group', 'native-sidecar', 'skip-init', 'notify-url', 'cpu-request', 'cpu-limit', 'memory-request', 'memory-limit', 'mount-path'].map((k) => [`${P}${k}`, 'not valid']));
  const { message } = await denial(f.pod({ annotations: bad }));
  assert.match(message, /: 12 problems: \(1\) /);
  assert.match(message, /\(10\) annotation [^(]*; … and 2 more$/);
  assert.doesNotMatch(message, /\(11\)/);
});

test('many conflicting containers and volumes give bounded problems', async () => {
  const containers = Array.from({ length: MAX_POD_CONTAINERS }, (_, i) => ({ name: `c${i}`, image: 'a', ports: [{ containerPort: 9488 }], volumeMounts: [{ name: 'ack-secret-injector-token', mountPath: '/t' }] }));
  const volumes = Array.from({ length: MAX_POD_VOLUMES }, (_, i) => ({ name: `ack-secret-injector-${i}`, emptyDir: {} }));
  const { reason, message } = await denial(f.pod({ spec: { containers, volumes } }));
  assert.equal(reason, 'pod-conflict');
  assert.match(message, /: 3 problems: /);
  assert.match(message, new RegExp(`… and ${MAX_POD_VOLUMES - 10} more use the name prefix`));
  assert.match(message, new RegExp(`"c9", … and ${MAX_POD_CONTAINERS - 10} more declare port 9488`));
  assert.ok(message.length < 3000, `message of ${message.length} characters`);
});

test(`an injector config over ${MAX_INJECTOR_CONFIG_BYTES} bytes (Linux MAX_ARG_STRLEN) is denied with the limit named`, async () => {
  const data = Array.from({ length: 3000 }, (_, i) => ({ key: `shop/secret-number-${i}`, name: `file-number-${i}` }));
  const { reason, message } = await denial(f.pod(), [f.namespace('shop'), f.serviceAccount('web'), f.externalSecret('db', { data })]);
  assert.equal(reason, 'invalid-external-secret');
  assert.match(message, new RegExp(`the injector config for 1 ExternalSecret\\(s\\) is \\d+ bytes, over the limit of ${MAX_INJECTOR_CONFIG_BYTES}`));
});

test('a pod whose every container gets the mount is patched with one mount per container (sets, not list scans)', async () => {
  const containers = Array.from({ length: MAX_POD_CONTAINERS - 1 }, (_, i) => ({ name: `c${i}`, image: 'a' }));
  const res = await admit(f.review(f.pod({ spec: { containers } })), f.resolver(), f.settings());
  assert.equal(res.allowed, true, res.status?.message);
  const ops = f.patchOf(res);
  assert.equal(ops.filter((o) => /^\/spec\/containers\/\d+\/volumeMounts$/.test(o.path)).length, MAX_POD_CONTAINERS - 1);
});

test('a pod over the container or volume limit is denied up front as pod-too-large, naming the limit', async (t) => {
  const cases = [
    { name: `${MAX_POD_CONTAINERS + 1} containers across the lists`, spec: { containers: [{ name: 'app', image: 'a' }], initContainers: Array.from({ length: MAX_POD_CONTAINERS }, (_, i) => ({ name: `i${i}`, image: 'a' })) }, match: new RegExp(`the pod has ${MAX_POD_CONTAINERS + 1} containers \\(init, app and ephemeral\\), over the limit of ${MAX_POD_CONTAINERS}`) },
    { name: 'annotations over the API server\'s 256 KiB total', spec: {}, annotations: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`team.example.com/note-${i}`, 'n'.repeat(1000)])), match: new RegExp(`the pod's annotations total \\d+ bytes, over the API server's limit of ${MAX_ANNOTATIONS_BYTES} \\(TotalAnnotationSizeLimitB\\)`) },
    { name: `${MAX_POD_VOLUMES + 1} volumes`, spec: { volumes: Array.from({ length: MAX_POD_VOLUMES + 1 }, (_, i) => ({ name: `v${i}`, emptyDir: {} })) }, match: new RegExp(`the pod has ${MAX_POD_VOLUMES + 1} volumes, over the limit of ${MAX_POD_VOLUMES}`) },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const { reason, message } = await denial(f.pod({ spec: c.spec, ...('annotations' in c ? { annotations: c.annotations } : {}) }));
      assert.equal(reason, 'pod-too-large');
      assert.match(message, /^ack-secret-injector cannot inject pod shop\/web: 1 problem: \(1\) /);
      assert.match(message, c.match);
    });
  }
});

test('a forged pod of the wrong shape gets E_INPUT naming the field, never a TypeError', async (t) => {
  const base = f.pod();
  const cases: Array<{ name: string; spec: unknown; match: RegExp }> = [
    { name: 'containers is an object', spec: { containers: {} }, match: /spec.containers: expected a list, got an object/ },
    { name: 'a null container', spec: { containers: [null] }, match: /spec.containers\[0\]: expected an object, got null/ },
    { name: 'a container name that is a number', spec: { containers: [{ name: 7 }] }, match: /spec.containers\[0\].name: expected a string, got 7/ },
    { name: 'volumeMounts is a string', spec: { containers: [{ name: 'a', volumeMounts: 'x' }] }, match: /spec.containers\[0\].volumeMounts: expected a list, got "x"/ },
    { name: 'a volume without a name', spec: { containers: [{ name: 'a' }], volumes: [{}] }, match: /spec.volumes\[0\].name: expected a string, got nothing/ },
    { name: 'runAsUser is a string', spec: { containers: [{ name: 'a' }], securityContext: { runAsUser: '1000' } }, match: /spec.securityContext.runAsUser: expected a number, got "1000"/ },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const res = await admit(f.review({ ...base, spec: c.spec }), f.resolver(), f.settings());
      assert.equal(res.allowed, false);
      assert.match(res.status?.message ?? '', /E_INPUT: request.object is not a valid Pod: /);
      assert.match(res.status?.message ?? '', c.match);
    });
  }
  await t.test('a 1 MB metadata.namespace (request.namespace empty) is refused with an excerpt', async () => {
    const res = await admit(f.review({ ...base, metadata: { ...base.metadata, namespace: 'n'.repeat(1_000_000) } }, { namespace: '' }), f.resolver(), f.settings());
    assert.match(res.status?.message ?? '', /E_INPUT: request.object is not a valid Pod: namespace "n{253}"… \(1000000 characters\) is not a namespace name$/);
  });
  await t.test('a 1 MB serviceAccountName is refused with an excerpt', async () => {
    const res = await admit(f.review({ ...base, spec: { ...base.spec, serviceAccountName: 's'.repeat(1_000_000) } }), f.resolver(), f.settings());
    assert.match(res.status?.message ?? '', /spec.serviceAccountName "s{253}"… \(1000000 characters\) is not a ServiceAccount name$/);
  });
});
