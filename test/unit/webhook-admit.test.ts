// The admission decision end to end through admit(): skip reasons, idempotence, recorded patches,
// native vs classic sidecars, Jobs, the generated containers, and failures that become `errored`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { admit } from '../../webhook/admission/admit.ts';
import type { AdmissionReview } from '../../webhook/admission/admission-review.ts';
import { applyPatch, type Operation } from '../../webhook/admission/patch.ts';
import type { Resolver } from '../../webhook/admission/resolver.ts';
import { shouldInject } from '../../webhook/admission/should-inject.ts';
import { parseInjectorConfig } from '../../contract/injector-config-schema.ts';
import * as f from '../fixtures/webhook-fixtures.ts';

const UID = '705ab4f5-6393-11e8-b7cc-42010a800002';
const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/admission/${name}`, import.meta.url), 'utf8'));

/** Admits and applies the patch, returning the mutated pod (asserting the pod was allowed). */
async function mutate(p: V1Pod, settingsOverrides: Record<string, unknown> = {}, objects = f.world()): Promise<{ pod: V1Pod; warnings: string[] }> {
  const res = await admit(f.review(p), f.resolver(objects), f.settings(settingsOverrides));
  assert.equal(res.allowed, true, res.status?.message);
  return { pod: applyPatch(p, f.patchOf(res) as Operation[]), warnings: res.warnings ?? [] };
}
const names = (cs: V1Container[] | undefined): string[] => (cs ?? []).map((c) => c.name);
const container = (p: V1Pod, name: string): V1Container | undefined => [...(p.spec?.initContainers ?? []), ...(p.spec?.containers ?? [])].find((c) => c.name === name);

test('requests the webhook leaves alone are allowed unchanged with the uid echoed', async (t) => {
  const injected = f.pod({ annotations: { 'secret-injector.alibabacloud.com/status': 'injected' } });
  const withOurContainer = f.pod({ spec: { containers: [{ name: 'app', image: 'x' }, { name: 'ack-secret-injector-agent', image: 'x' }] } });
  const cases: { name: string; review: AdmissionReview; reason: string }[] = [
    { name: 'pod without the inject label is not opted in', review: f.review({ ...f.pod(), metadata: { name: 'p', annotations: {} } }), reason: 'not-opted-in' },
    { name: 'inject label "false" is not opted in', review: f.review(f.pod({ labels: { 'secret-injector.alibabacloud.com/inject': 'false' } })), reason: 'not-opted-in' },
    { name: 'inject label "True" (wrong case) is not opted in', review: f.review(f.pod({ labels: { 'secret-injector.alibabacloud.com/inject': 'True' } })), reason: 'not-opted-in' },
    { name: 'status injected means already injected (reinvocation)', review: f.review(injected), reason: 'already-injected' },
    { name: 'an injector container already present means already injected', review: f.review(withOurContainer), reason: 'already-injected' },
    { name: 'UPDATE of a pod is not a create', review: f.review(f.pod(), { operation: 'UPDATE' }), reason: 'not-create' },
    { name: 'a Deployment is not a pod', review: f.review(f.pod(), { kind: { group: 'apps', version: 'v1', kind: 'Deployment' }, resource: { group: 'apps', version: 'v1', resource: 'deployments' } }), reason: 'not-a-pod' },
    { name: 'the pods/ephemeralcontainers subresource is not a pod create', review: f.review(f.pod(), { subResource: 'ephemeralcontainers' }), reason: 'not-a-pod' },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const decision = shouldInject(c.review.request!);
      assert.deepEqual(decision.inject ? 'inject' : decision.reason, c.reason);
      const res = await admit(c.review, f.resolver(), f.settings());
      assert.deepEqual(res, { uid: UID, allowed: true });
    });
  }
});

test('admitting an already-mutated pod again is a no-op (idempotent under reinvocationPolicy IfNeeded)', async () => {
  const { pod } = await mutate(f.pod());
  const again = await admit(f.review(pod), f.resolver(), f.settings());
  assert.deepEqual(again, { uid: UID, allowed: true });
});

test('recorded reviews produce exactly the recorded patch operations', async (t) => {
  const cases = [
    { name: 'classic sidecar: pod without volumes or init containers gets whole-array adds', file: 'classic-sidecar', settings: {} },
    { name: 'native sidecar on 1.30: init and agent appended after the existing init container', file: 'native-sidecar', settings: { nativeSidecar: 'auto', serverVersion: 'v1.30.1-aliyun.1' } },
    { name: 'init-only with mount-path and containers: only the selected container gets the mount', file: 'init-only', settings: {} },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const res = await admit(fixture(`${c.file}.review.json`) as AdmissionReview, f.resolver(), f.settings(c.settings));
      assert.equal(res.uid, UID);
      assert.equal(res.allowed, true);
      assert.equal(res.patchType, 'JSONPatch');
      assert.deepEqual(f.patchOf(res), fixture(`${c.file}.patch.json`));
    });
  }
});

test('the status annotation key is JSON-pointer escaped in the patch', async () => {
  const res = await admit(f.review(f.pod()), f.resolver(), f.settings());
  const op = f.patchOf(res).find((o) => o.path.startsWith('/metadata/annotations/'));
  assert.deepEqual(op, { op: 'add', path: '/metadata/annotations/secret-injector.alibabacloud.com~1status', value: 'injected' });
});

test('native or classic sidecar follows settings, server version and the annotation', async (t) => {
  const cases: { name: string; settings: Record<string, unknown>; annotations?: Record<string, string>; agent: 'classic' | 'native' }[] = [
    { name: 'nativeSidecar never → classic', settings: { nativeSidecar: 'never', serverVersion: 'v1.31.0' }, agent: 'classic' },
    { name: 'nativeSidecar always → native even without a version', settings: { nativeSidecar: 'always' }, agent: 'native' },
    { name: 'auto on v1.28.5 → classic (sidecars not on by default before 1.29)', settings: { nativeSidecar: 'auto', serverVersion: 'v1.28.5' }, agent: 'classic' },
    { name: 'auto on v1.29.0 → native', settings: { nativeSidecar: 'auto', serverVersion: 'v1.29.0' }, agent: 'native' },
    { name: 'auto on v1.33.1-aliyun.1 → native', settings: { nativeSidecar: 'auto', serverVersion: 'v1.33.1-aliyun.1' }, agent: 'native' },
    { name: 'auto without a known version → classic', settings: { nativeSidecar: 'auto' }, agent: 'classic' },
    { name: 'annotation native-sidecar true overrides never', settings: { nativeSidecar: 'never' }, annotations: { 'secret-injector.alibabacloud.com/native-sidecar': 'true' }, agent: 'native' },
    { name: 'annotation native-sidecar false overrides always', settings: { nativeSidecar: 'always' }, annotations: { 'secret-injector.alibabacloud.com/native-sidecar': 'false' }, agent: 'classic' },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const { pod } = await mutate(f.pod({ annotations: c.annotations ?? {} }), c.settings);
      if (c.agent === 'native') {
        assert.deepEqual(names(pod.spec?.initContainers), ['ack-secret-injector-init', 'ack-secret-injector-agent']);
        assert.deepEqual(names(pod.spec?.containers), ['app']);
        const agent = pod.spec?.initContainers?.[1];
        assert.equal(agent?.restartPolicy, 'Always');
        assert.deepEqual(agent?.startupProbe, { httpGet: { path: '/ready', port: 9488 }, periodSeconds: 2, timeoutSeconds: 1, failureThreshold: 150 });
      } else {
        assert.deepEqual(names(pod.spec?.initContainers), ['ack-secret-injector-init']);
        assert.deepEqual(names(pod.spec?.containers), ['app', 'ack-secret-injector-agent']);
        assert.equal(pod.spec?.containers[1]?.restartPolicy, undefined);
        assert.equal(pod.spec?.containers[1]?.startupProbe, undefined);
      }
    });
  }
});

test('skip-init drops the init container only with a native sidecar', async (t) => {
  await t.test('native sidecar with skip-init has only the agent', async () => {
    const { pod } = await mutate(f.pod({ annotations: { 'secret-injector.alibabacloud.com/skip-init': 'true' } }), { nativeSidecar: 'always' });
    assert.deepEqual(names(pod.spec?.initContainers), ['ack-secret-injector-agent']);
  });
  await t.test('classic sidecar with skip-init is denied naming both annotations', async () => {
    const res = await admit(f.review(f.pod({ annotations: { 'secret-injector.alibabacloud.com/skip-init': 'true' } })), f.resolver(), f.settings());
    assert.equal(res.allowed, false);
    assert.match(res.status?.message ?? '', /skip-init: "true" needs the agent to run as a native sidecar.*native-sidecar/);
    assert.equal(res.status?.reason, 'invalid-annotation');
  });
});

test('pods of Jobs never get a classic sidecar', async (t) => {
  const owned = (kind: string, apiVersion: string) => ({ ownerReferences: [{ apiVersion, kind, name: 'nightly-28391', uid: 'u1', controller: true }] });
  const cases: { name: string; metadata: Record<string, unknown>; settings: Record<string, unknown>; annotations?: Record<string, string>; init: string[]; containers: string[]; warning: boolean }[] = [
    { name: 'Job pod without native sidecars → init-only with a warning', metadata: owned('Job', 'batch/v1'), settings: {}, init: ['ack-secret-injector-init'], containers: ['app'], warning: true },
    { name: 'Job pod on 1.29+ → native sidecar', metadata: owned('Job', 'batch/v1'), settings: { nativeSidecar: 'auto', serverVersion: 'v1.29.2' }, init: ['ack-secret-injector-init', 'ack-secret-injector-agent'], containers: ['app'], warning: false },
    { name: 'Job pod with native-sidecar false → init-only with a warning', metadata: owned('Job', 'batch/v1'), settings: { nativeSidecar: 'always' }, annotations: { 'secret-injector.alibabacloud.com/native-sidecar': 'false' }, init: ['ack-secret-injector-init'], containers: ['app'], warning: true },
    { name: 'Job pod with mode init-only → init-only without a warning', metadata: owned('Job', 'batch/v1'), settings: {}, annotations: { 'secret-injector.alibabacloud.com/mode': 'init-only' }, init: ['ack-secret-injector-init'], containers: ['app'], warning: false },
    { name: 'ReplicaSet pod keeps the classic sidecar', metadata: owned('ReplicaSet', 'apps/v1'), settings: {}, init: ['ack-secret-injector-init'], containers: ['app', 'ack-secret-injector-agent'], warning: false },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const { pod, warnings } = await mutate(f.pod({ metadata: c.metadata, annotations: c.annotations ?? {} }), c.settings);
      assert.deepEqual(names(pod.spec?.initContainers), c.init);
      assert.deepEqual(names(pod.spec?.containers), c.containers);
      assert.equal(warnings.some((w) => /^pod of Job nightly-28391: secrets are fetched once \(init-only\)/.test(w)), c.warning, JSON.stringify(warnings));
    });
  }
});

test('bare pods that run to completion are treated like Jobs', async (t) => {
  const cases: { name: string; restartPolicy: string; containers: string[]; warning: string | undefined }[] = [
    { name: 'restartPolicy Never → init-only with a warning', restartPolicy: 'Never', containers: ['app'], warning: 'pod with restartPolicy Never: secrets are fetched once (init-only) since a classic sidecar would keep the pod from completing and native sidecars are off' },
    { name: 'restartPolicy OnFailure → init-only with a warning', restartPolicy: 'OnFailure', containers: ['app'], warning: 'pod with restartPolicy OnFailure: secrets are fetched once (init-only) since a classic sidecar would keep the pod from completing and native sidecars are off' },
    { name: 'restartPolicy Always → classic sidecar', restartPolicy: 'Always', containers: ['app', 'ack-secret-injector-agent'], warning: undefined },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const { pod, warnings } = await mutate(f.pod({ spec: { restartPolicy: c.restartPolicy } }));
      assert.deepEqual(names(pod.spec?.containers), c.containers);
      assert.deepEqual(warnings, c.warning === undefined ? [] : [c.warning]);
    });
  }
});

test('injected containers, volumes and mounts have the promised shape', async (t) => {
  const p = f.pod({ spec: { containers: [{ name: 'app', image: 'a' }, { name: 'side', image: 'b' }] }, annotations: { 'secret-injector.alibabacloud.com/containers': 'app' } });
  const { pod } = await mutate(p, { tokenAudience: 'sts.aliyuncs.com', tokenExpirationSeconds: 7200 });
  const init = container(pod, 'ack-secret-injector-init');
  const agent = container(pod, 'ack-secret-injector-agent');
  await t.test('both injector containers run the CLI with their role', () => {
    assert.deepEqual(init?.command, ['/nodejs/bin/node', '/app/dist/cli.mjs', 'init']);
    assert.deepEqual(agent?.command, ['/nodejs/bin/node', '/app/dist/cli.mjs', 'agent']);
  });
  await t.test('securityContext is hardened', () => {
    for (const c of [init, agent]) {
      assert.deepEqual(c?.securityContext, {
        runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
      });
    }
  });
  await t.test('the token volume uses the audience and expiration from the settings', () => {
    const token = pod.spec?.volumes?.find((v) => v.name === 'ack-secret-injector-token');
    assert.deepEqual(token?.projected?.sources, [{ serviceAccountToken: { audience: 'sts.aliyuncs.com', expirationSeconds: 7200, path: 'token' } }]);
    assert.deepEqual(pod.spec?.volumes?.find((v) => v.name === 'ack-secret-injector-files')?.emptyDir, { medium: 'Memory' });
  });
  await t.test('the token is mounted only into the injector containers', () => {
    for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
      const mounted = (c.volumeMounts ?? []).some((m) => m.name === 'ack-secret-injector-token');
      assert.equal(mounted, c.name.startsWith('ack-secret-injector-'), c.name);
    }
  });
  await t.test('the tmpfs is read-write for the injector, read-only in the selected app container, absent elsewhere', () => {
    const files = (c: V1Container | undefined) => c?.volumeMounts?.find((m) => m.name === 'ack-secret-injector-files');
    assert.deepEqual(files(init), { name: 'ack-secret-injector-files', mountPath: '/var/run/secrets/alibabacloud' });
    assert.deepEqual(files(container(pod, 'app')), { name: 'ack-secret-injector-files', mountPath: '/var/run/secrets/alibabacloud', readOnly: true });
    assert.equal(files(container(pod, 'side')), undefined);
  });
  await t.test('the environment holds a valid injector config naming, not holding, the secrets', () => {
    const env = init?.env?.find((e) => e.name === 'SECRET_INJECTOR_CONFIG')?.value;
    const config = parseInjectorConfig(env);
    assert.equal(config.tokenPath, '/var/run/secrets/ack-secret-injector/tokens/token');
    assert.deepEqual(config.profiles, [{ id: 'pod-serviceaccount', kind: 'rrsa', roleArn: f.ROLE_ARN, oidcProviderArn: f.OIDC_ARN, roleSessionName: 'ack-secret-injector' }]);
    assert.deepEqual(config.externalSecrets, [{ name: 'db', provider: 'kms', data: [{ key: 'shop/db-password', name: 'password', profile: 'pod-serviceaccount' }], dataProcess: [] }]);
    assert.equal(agent?.env?.[0]?.value, env);
  });
  await t.test('default requests and limits are set', () => {
    assert.deepEqual(agent?.resources, { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '200m', memory: '96Mi' } });
  });
});

test('the agent serves metrics naming cloud secrets only when settings.agentNamedMetrics opts in', async (t) => {
  for (const [name, overrides, expected] of [['default: not served', {}, undefined], ['opted in', { agentNamedMetrics: true }, true]] as const) {
    await t.test(name, async () => {
      const { pod } = await mutate(f.pod(), overrides);
      assert.equal(parseInjectorConfig(container(pod, 'ack-secret-injector-agent')?.env?.[0]?.value).namedMetrics, expected);
    });
  }
});

test('notify settings reach the config and the pod spec', async (t) => {
  const withUid = { containers: [{ name: 'app', image: 'a', securityContext: { runAsUser: 1000 } }] };
  await t.test('notify-signal shares the process namespace and runs the injector as the app user', async () => {
    const { pod } = await mutate(f.pod({ spec: withUid, annotations: { 'secret-injector.alibabacloud.com/notify-signal': 'SIGHUP' } }));
    assert.equal(pod.spec?.shareProcessNamespace, true);
    const agent = container(pod, 'ack-secret-injector-agent');
    assert.equal(agent?.securityContext?.runAsUser, 1000);
    assert.equal(container(pod, 'ack-secret-injector-init')?.securityContext?.runAsUser, 1000);
    const config = parseInjectorConfig(agent?.env?.[0]?.value);
    assert.deepEqual(config.notify, { signal: { container: 'app', signal: 'SIGHUP' } });
  });
  await t.test('settings.extraCaPem reaches both injector containers\' config, and nothing else of the pod changes for it', async () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const { pod: plain } = await mutate(f.pod());
    const { pod } = await mutate(f.pod(), { extraCaPem: pem });
    for (const name of ['ack-secret-injector-init', 'ack-secret-injector-agent']) {
      assert.equal(parseInjectorConfig(container(pod, name)?.env?.[0]?.value).extraCaPem, pem, name);
      assert.equal(parseInjectorConfig(container(plain, name)?.env?.[0]?.value).extraCaPem, undefined, name);
    }
    const withoutConfig = (p: V1Pod): unknown => JSON.parse(JSON.stringify(p, (k, v: unknown) => (k === 'env' ? undefined : v)));
    assert.deepEqual(withoutConfig(pod), withoutConfig(plain));
  });
  await t.test('notify-url goes to the config without touching shareProcessNamespace', async () => {
    const { pod } = await mutate(f.pod({ annotations: { 'secret-injector.alibabacloud.com/notify-url': 'http://127.0.0.1:8080/-/reload' } }));
    assert.equal(pod.spec?.shareProcessNamespace, undefined);
    assert.deepEqual(parseInjectorConfig(container(pod, 'ack-secret-injector-agent')?.env?.[0]?.value).notify, { http: { url: 'http://127.0.0.1:8080/-/reload' } });
  });
  const denials = [
    { name: 'notify-signal to a container without runAsUser is denied', spec: {}, match: /runAsUser is not set/ },
    { name: 'notify-signal to a root container is denied', spec: { containers: [{ name: 'app', image: 'a', securityContext: { runAsUser: 0 } }] }, match: /runAsUser is 0 \(root\)/ },
    { name: 'notify-signal with shareProcessNamespace false is denied', spec: { ...withUid, shareProcessNamespace: false }, match: /shareProcessNamespace, but the pod sets it to false/ },
  ];
  for (const c of denials) {
    await t.test(c.name, async () => {
      const res = await admit(f.review(f.pod({ spec: c.spec, annotations: { 'secret-injector.alibabacloud.com/notify-signal': 'SIGHUP' } })), f.resolver(), f.settings());
      assert.equal(res.allowed, false);
      assert.match(res.status?.message ?? '', c.match);
      assert.equal(res.status?.reason, 'pod-conflict');
    });
  }
});

test('the pod spec is checked against what the webhook adds', async (t) => {
  const cases = [
    { name: 'a container port equal to the health port is denied', spec: { containers: [{ name: 'app', image: 'a', ports: [{ containerPort: 9488 }] }] }, match: /container "app" declares port 9488.*healthPort/ },
    { name: 'a pod volume with the reserved prefix is denied', spec: { volumes: [{ name: 'ack-secret-injector-files', emptyDir: {} }] }, match: /reserved for the injector's volumes/ },
    // Issue 13, defect 5: only spec.volumes names were checked, so an app could pre-declare a mount of the injector's volumes.
    { name: 'an app container mounting the injector\'s token volume is denied', spec: { containers: [{ name: 'app', image: 'a', volumeMounts: [{ name: 'ack-secret-injector-token', mountPath: '/t' }] }] }, match: /containers "app" volumeMounts "ack-secret-injector-token": the name prefix "ack-secret-injector-" is reserved/ },
    { name: 'an app container mounting the files volume read-write is denied', spec: { containers: [{ name: 'app', image: 'a', volumeMounts: [{ name: 'ack-secret-injector-files', mountPath: '/w', readOnly: false }] }] }, match: /containers "app" volumeMounts "ack-secret-injector-files"/ },
    { name: 'an init container mounting an AccessKey Secret volume is denied', spec: { initContainers: [{ name: 'setup', image: 'a', volumeMounts: [{ name: 'ack-secret-injector-ak-0', mountPath: '/k' }] }] }, match: /initContainers "setup" volumeMounts "ack-secret-injector-ak-0"/ },
    { name: 'a volumeDevices entry naming an injector volume is denied', spec: { containers: [{ name: 'app', image: 'a', volumeDevices: [{ name: 'ack-secret-injector-files', devicePath: '/dev/x' }] }] }, match: /containers "app" volumeDevices "ack-secret-injector-files"/ },
    { name: 'an ephemeral container mounting the token volume is denied', spec: { ephemeralContainers: [{ name: 'debug', image: 'a', volumeMounts: [{ name: 'ack-secret-injector-token', mountPath: '/t' }] }] }, match: /ephemeralContainers "debug" volumeMounts "ack-secret-injector-token"/ },
    { name: 'a health port clash in an init container is denied', spec: { initContainers: [{ name: 'setup', image: 'a', ports: [{ containerPort: 9488 }] }] }, match: /container "setup" declares port 9488/ },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const res = await admit(f.review(f.pod({ spec: c.spec })), f.resolver(), f.settings());
      assert.equal(res.allowed, false);
      assert.equal(res.status?.code, 403);
      assert.equal(res.status?.reason, 'pod-conflict');
      assert.match(res.status?.message ?? '', c.match);
    });
  }
});

test('many conflicting containers give one problem naming ten of them and how many more', async () => {
  const containers = Array.from({ length: 500 }, (_, i) => ({ name: `c${i}`, image: 'a', volumeMounts: [{ name: 'ack-secret-injector-token', mountPath: '/t' }] }));
  const res = await admit(f.review(f.pod({ spec: { containers } })), f.resolver(), f.settings());
  const message = res.status?.message ?? '';
  assert.match(message, /: 1 problem: \(1\) containers "c0" volumeMounts/);
  assert.match(message, /containers "c9" volumeMounts "ack-secret-injector-token"; … and 490 more: the name prefix/);
  assert.doesNotMatch(message, /"c10"/);
  assert.ok(message.length < 2000, `bounded message (${message.length} characters)`);
});

// Issue 13, defect 6: /var/run is a symlink to /run, so these paths alias reserved ones; and a mount
// over the injector program's folder keeps the injector containers from ever starting.
test('mount paths that alias reserved folders or hide the injector program are denied as invalid-annotation', async (t) => {
  const cases = [
    { name: 'the ServiceAccount mount under /run', path: '/run/secrets/kubernetes.io/serviceaccount', match: /"\/run\/secrets\/kubernetes.io\/serviceaccount" is the system folder \/var\/run\/secrets\/kubernetes.io\/serviceaccount/ },
    { name: 'inside the kubelet folder under /run', path: '/run/secrets/kubernetes.io/x', match: /is inside \/var\/run\/secrets\/kubernetes.io/ },
    { name: 'the injector folder under /run', path: '/run/secrets/ack-secret-injector/tokens', match: /is inside \/var\/run\/secrets\/ack-secret-injector, which holds the injector's own token/ },
    { name: '/run/secrets itself', path: '/run/secrets', match: /is the system folder \/var\/run\/secrets/ },
    { name: 'the injector bundle folder', path: '/app/dist', match: /would hide the injector's program folder \/app\/dist in the injector image/ },
    { name: 'above the injector bundle', path: '/app', match: /would hide the injector's program folder \/app\/dist/ },
    { name: 'inside the bundle folder (its chunks)', path: '/app/dist/chunks', match: /would hide the injector's program folder \/app\/dist/ },
    { name: 'above the node binary', path: '/nodejs', match: /would hide the injector's program folder \/nodejs\/bin/ },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const res = await admit(f.review(f.pod({ annotations: { 'secret-injector.alibabacloud.com/mount-path': c.path } })), f.resolver(), f.settings());
      assert.equal(res.allowed, false);
      assert.equal(res.status?.reason, 'invalid-annotation');
      assert.match(res.status?.message ?? '', /: 1 problem: \(1\) annotation secret-injector.alibabacloud.com\/mount-path: /);
      assert.match(res.status?.message ?? '', c.match);
    });
  }
  await t.test('an app mount at the default path spelled with /run is the same folder', async () => {
    const res = await admit(f.review(f.pod({ spec: { containers: [{ name: 'app', image: 'a', volumeMounts: [{ name: 'x', mountPath: '/run/secrets/alibabacloud/' }] }] } })), f.resolver(), f.settings());
    assert.equal(res.status?.reason, 'invalid-annotation');
    assert.match(res.status?.message ?? '', /container "app" already mounts a volume at "\/run\/secrets\/alibabacloud\/", the same folder as "\/var\/run\/secrets\/alibabacloud"/);
  });
  await t.test('a custom injectorCommand moves the protected folder', async () => {
    const settings = f.settings({ injectorCommand: ['/usr/local/bin/node', '/opt/injector/cli.mjs'] });
    assert.equal((await admit(f.review(f.pod({ annotations: { 'secret-injector.alibabacloud.com/mount-path': '/app/secrets' } })), f.resolver(), settings)).allowed, true);
    const res = await admit(f.review(f.pod({ annotations: { 'secret-injector.alibabacloud.com/mount-path': '/opt' } })), f.resolver(), settings);
    assert.match(res.status?.message ?? '', /would hide the injector's program folder \/opt\/injector/);
  });
});

test('a hostNetwork pod is injected with a warning about the shared health port', async () => {
  const { warnings } = await mutate(f.pod({ spec: { hostNetwork: true } }));
  assert.deepEqual(warnings, ['hostNetwork pod: the agent\'s health port 9488 is a node port, so a second injected hostNetwork pod on the same node cannot start its agent']);
});

test('every problem of a pod is reported in one denial', async () => {
  const p = f.pod({ annotations: {
    'secret-injector.alibabacloud.com/external-secrets': 'db,missing',
    'secret-injector.alibabacloud.com/mode': 'always',
    'secret-injector.alibabacloud.com/refresh-interval': '5',
    'secret-injector.alibabacloud.com/containers': 'app,ghost',
  } });
  const res = await admit(f.review(p), f.resolver(), f.settings());
  assert.equal(res.allowed, false);
  const message = res.status?.message ?? '';
  assert.match(message, /^ack-secret-injector cannot inject pod shop\/web: 4 problems: \(1\)/);
  assert.equal(res.status?.reason, 'invalid-annotation', 'the reason is the first problem\'s');
  for (const part of ['mode: invalid value "always"', 'refresh-interval: invalid value "5"', 'not in the pod: ghost', 'ExternalSecret shop/missing not found']) {
    assert.ok(message.includes(part), `${part} missing from: ${message}`);
  }
});

test('a denial is exactly a 403 with the stable reason code and the numbered message', async () => {
  const res = await admit(f.review(f.pod({ annotations: { 'secret-injector.alibabacloud.com/mode': 'always' } })), f.resolver(), f.settings());
  assert.deepEqual(res, {
    uid: UID,
    allowed: false,
    status: { code: 403, reason: 'invalid-annotation', message: 'ack-secret-injector cannot inject pod shop/web: 1 problem: (1) annotation secret-injector.alibabacloud.com/mode: invalid value "always"; expected "sidecar" or "init-only"' },
  });
});

test('each kind of denial carries its stable reason; with several problems, the first one\'s', async (t) => {
  const noRole = [f.namespace('shop'), f.serviceAccount('web', {}), f.externalSecret('db')];
  const cases: { name: string; pod: V1Pod; objects?: ReturnType<typeof f.world>; settings?: Record<string, unknown>; reason: string; problems: number }[] = [
    { name: 'a bad annotation value is invalid-annotation', pod: f.pod({ annotations: { 'secret-injector.alibabacloud.com/file-mode': '0999' } }), reason: 'invalid-annotation', problems: 1 },
    { name: 'a missing external-secrets annotation is invalid-annotation', pod: { ...f.pod(), metadata: { name: 'web', namespace: 'shop', labels: { 'secret-injector.alibabacloud.com/inject': 'true' } } }, reason: 'invalid-annotation', problems: 1 },
    { name: 'skip-init without a native sidecar (a layout refusal) is invalid-annotation', pod: f.pod({ annotations: { 'secret-injector.alibabacloud.com/skip-init': 'true' } }), reason: 'invalid-annotation', problems: 1 },
    { name: 'a reserved volume name is pod-conflict', pod: f.pod({ spec: { volumes: [{ name: 'ack-secret-injector-x', emptyDir: {} }] } }), reason: 'pod-conflict', problems: 1 },
    { name: 'an unknown ExternalSecret is external-secret-not-found', pod: f.pod({ annotations: { 'secret-injector.alibabacloud.com/external-secrets': 'nope' } }), reason: 'external-secret-not-found', problems: 1 },
    { name: 'a ServiceAccount without a role is no-role', pod: f.pod(), objects: noRole, reason: 'no-role', problems: 1 },
    { name: 'an annotation problem comes before a pod conflict', pod: f.pod({ annotations: { 'secret-injector.alibabacloud.com/mode': 'x' }, spec: { volumes: [{ name: 'ack-secret-injector-x', emptyDir: {} }] } }), reason: 'invalid-annotation', problems: 2 },
    { name: 'a pod conflict comes before a resolution problem', pod: f.pod({ annotations: { 'secret-injector.alibabacloud.com/external-secrets': 'nope' }, spec: { volumes: [{ name: 'ack-secret-injector-x', emptyDir: {} }] } }), reason: 'pod-conflict', problems: 2 },
    { name: 'a missing ExternalSecret comes before the missing role reported last', pod: f.pod({ annotations: { 'secret-injector.alibabacloud.com/external-secrets': 'db,nope' } }), objects: noRole, reason: 'external-secret-not-found', problems: 2 },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const res = await admit(f.review(c.pod), f.resolver(c.objects ?? f.world()), f.settings(c.settings ?? {}));
      assert.equal(res.allowed, false);
      assert.equal(res.status?.code, 403);
      assert.equal(res.status?.reason, c.reason, res.status?.message);
      assert.match(res.status?.message ?? '', new RegExp(`: ${c.problems} problems?: `));
    });
  }
});

test('failures inside the core become errored responses that echo the uid', async (t) => {
  const failing: Resolver = {
    namespace: () => Promise.reject(new Error('cache not synced')),
    serviceAccount: () => Promise.reject(new Error('cache not synced')),
    externalSecret: () => Promise.reject(new Error('cache not synced')),
    secretStore: () => Promise.reject(new Error('cache not synced')),
    clusterSecretStore: () => Promise.reject(new Error('cache not synced')),
    clusterExternalSecrets: () => Promise.reject(new Error('cache not synced')),
  };
  await t.test('a resolver failure', async () => {
    const res = await admit(f.review(f.pod()), failing, f.settings());
    assert.deepEqual(res, { uid: UID, allowed: false, status: { code: 500, reason: 'InternalError', message: 'ack-secret-injector internal error: cache not synced' } });
  });
  await t.test('a pod object without containers', async () => {
    const res = await admit(f.review({ metadata: f.pod().metadata, spec: {} }), f.resolver(), f.settings());
    assert.equal(res.uid, UID);
    assert.equal(res.allowed, false);
    assert.equal(res.status?.code, 500);
    assert.match(res.status?.message ?? '', /E_INPUT: request.object is not a valid Pod: spec.containers/);
  });
});
