/**
 * End to end, admission: a real kube-apiserver calls the real webhook over TLS (registered from
 * the chart's own rendered manifests) and stores the mutated pod after its own validation. The
 * injected pods RUN in node-pods.test.ts, on a real kubelet + containerd node. See docs/e2e.md.
 */
import assert from 'node:assert/strict';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ApiException, BatchV1Api, type KubernetesObject, type V1Pod } from '@kubernetes/client-node';
import {
  ANNOTATION, LABEL_INJECT, WEBHOOK_NAMESPACE, apiErrorMessage, createExternalSecret, createTenant, eventually, helmTemplate, optedInPod,
  seedParameter, seedSecret, startStack, type Stack, type Tenant,
} from './stack.ts';

const FILES_VOLUME = 'ack-secret-injector-files';
const INIT_NAME = 'ack-secret-injector-init';
const AGENT_NAME = 'ack-secret-injector-agent';

/** Pod names of every review the webhook logged (`admission reviewed` lines carry `pod`). */
function reviewedPods(stack: Stack): string[] {
  return stack.webhookLog().split('\n').filter((l) => l.includes('admission reviewed')).map((l) => (JSON.parse(l) as { pod?: string }).pod ?? '');
}

function names(containers: Array<{ name: string }> | undefined): string[] {
  return (containers ?? []).map((c) => c.name);
}

describe('end to end: real kube-apiserver, real webhook, admission of opted-in pods', { timeout: 600_000 }, () => {
  let stack: Stack;
  let tenantA: Tenant;
  let tenantB: Tenant;

  before(async () => {
    stack = await startStack();
    process.stdout.write(`kube-apiserver ${stack.cp.version}\n`);
    tenantA = await createTenant(stack, 'tenant-a', 'tenant-a/');
    tenantB = await createTenant(stack, 'tenant-b', 'tenant-b/');
    await seedSecret(stack, 'tenant-a/db', JSON.stringify({ username: 'shop_rw', password: 'pw-A-7f3c9e21', host: 'db.internal' }));
    await seedSecret(stack, 'tenant-a/api-key', 'ak-A-0c4d5e6f7a8b');
    await seedParameter(stack, 'tenant-a/smtp', 'user: mailer\npassword: smtp-A-91ab22\nport: 587\n');
    await seedSecret(stack, 'tenant-b/db', JSON.stringify({ username: 'crm', password: 'pw-B-55e1d0aa' }));
    for (const t of [tenantA, tenantB]) {
      const p = t.prefix;
      await createExternalSecret(stack, t.namespace, 'db', {
        provider: 'kms',
        data: [{ key: `${p}db`, name: 'db.json', jmesPath: [{ path: 'username', objectAlias: 'username' }, { path: 'password', objectAlias: 'password' }] }],
      });
    }
    await createExternalSecret(stack, tenantA.namespace, 'app', {
      provider: 'kms',
      data: [{ key: 'tenant-a/api-key', name: 'api-key' }],
      dataProcess: [{ extract: { key: 'tenant-a/db' }, replaceRule: [{ source: '^(.*)$', target: 'db_$1' }] }],
    });
    await createExternalSecret(stack, tenantA.namespace, 'mail', { provider: 'oos', dataProcess: [{ extract: { key: 'tenant-a/smtp' } }] });
    // Tenant B names tenant A's secret in its own ExternalSecret: admission allows it (it is B's
    // own ExternalSecret with B's own role); the cloud must refuse it.
    await createExternalSecret(stack, tenantB.namespace, 'steal', { provider: 'kms', data: [{ key: 'tenant-a/db', name: 'loot' }] });
    // Tenant B points at a SecretStore in tenant A's namespace: admission must refuse it.
    await createExternalSecret(stack, tenantB.namespace, 'cross-store', {
      provider: 'kms',
      data: [{ key: 'tenant-a/db', name: 'loot', secretStoreRef: { name: 'a-store', namespace: tenantA.namespace } }],
    });
  });

  after(async () => {
    await stack?.stop();
  });

  test('an opted-in pod is mutated with a native sidecar on this API server and passes its validation', async () => {
    const created = await stack.core.createNamespacedPod({ namespace: tenantA.namespace, body: optedInPod('native', tenantA.serviceAccount, 'db,app,mail') });
    const pod = await stack.core.readNamespacedPod({ namespace: tenantA.namespace, name: created.metadata?.name ?? '' });
    assert.deepEqual(names(pod.spec?.initContainers), [INIT_NAME, AGENT_NAME]);
    assert.equal(pod.spec?.initContainers?.[1]?.restartPolicy, 'Always');
    assert.ok(pod.spec?.initContainers?.[1]?.startupProbe?.httpGet, 'the native sidecar has a startupProbe');
    assert.deepEqual(names(pod.spec?.containers), ['app']);
    assert.equal(pod.metadata?.annotations?.[ANNOTATION('status')], 'injected');
    const appMount = pod.spec?.containers?.[0]?.volumeMounts?.find((m) => m.name === FILES_VOLUME);
    assert.deepEqual({ path: appMount?.mountPath, ro: appMount?.readOnly }, { path: '/var/run/secrets/alibabacloud', ro: true });
    const files = pod.spec?.volumes?.find((v) => v.name === FILES_VOLUME);
    assert.equal(files?.emptyDir?.medium, 'Memory');
    const token = pod.spec?.volumes?.find((v) => v.projected?.sources?.some((s) => s.serviceAccountToken !== undefined) && v.name.startsWith('ack-secret-injector'));
    assert.equal(token?.projected?.sources?.[0]?.serviceAccountToken?.audience, 'sts.aliyuncs.com');
    // The app container never mounts the injector's token.
    assert.ok(!(pod.spec?.containers?.[0]?.volumeMounts ?? []).some((m) => m.name === token?.name));
  });

  test('the native-sidecar annotation set to false gives a classic sidecar container that the API server accepts', async () => {
    const created = await stack.core.createNamespacedPod({ namespace: tenantA.namespace, body: optedInPod('classic', tenantA.serviceAccount, 'db', { 'native-sidecar': 'false' }) });
    assert.deepEqual(names(created.spec?.initContainers), [INIT_NAME]);
    assert.deepEqual(names(created.spec?.containers), ['app', AGENT_NAME]);
    assert.equal(created.spec?.containers?.[1]?.restartPolicy, undefined);
  });

  test('denials reach the client with the webhook message naming the annotation, the value and what is accepted, and the stable reason code', async () => {
    const cases: Array<{ name: string; pod: V1Pod; expect: RegExp[]; reason: string }> = [
      { name: 'missing-es', pod: optedInPod('missing-es', tenantA.serviceAccount, 'nope'), expect: [/ExternalSecret tenant-a\/nope not found/], reason: 'external-secret-not-found' },
      { name: 'bad-mode', pod: optedInPod('bad-mode', tenantA.serviceAccount, 'db', { mode: 'forever' }), expect: [/secret-injector\.alibabacloud\.com\/mode/, /"forever"/, /sidecar/], reason: 'invalid-annotation' },
    ];
    for (const c of cases) {
      await assert.rejects(stack.core.createNamespacedPod({ namespace: tenantA.namespace, body: c.pod }), (err: unknown) => {
        const message = apiErrorMessage(err);
        assert.match(message, /denied the request/, c.name);
        for (const re of c.expect) assert.match(message, re, c.name);
        // The API server passes the webhook's metav1.Status through: code 403 and our reason.
        assert.ok(err instanceof ApiException, c.name);
        const status = (typeof err.body === 'string' ? JSON.parse(err.body) : err.body) as { code?: number; reason?: string };
        assert.deepEqual([err.code, status.code, status.reason], [403, 403, c.reason], c.name);
        return true;
      });
    }
  });

  test('a pod in tenant B naming a SecretStore in tenant A is denied at admission', async () => {
    await assert.rejects(stack.core.createNamespacedPod({ namespace: tenantB.namespace, body: optedInPod('cross', tenantB.serviceAccount, 'cross-store') }), (err: unknown) => {
      assert.match(apiErrorMessage(err), /tenant-a/);
      assert.match(apiErrorMessage(err), /namespace/i);
      return true;
    });
  });

  test('pods without the inject label are never sent to the webhook', async () => {
    const plain: V1Pod = { metadata: { name: 'plain', annotations: { [ANNOTATION('external-secrets')]: 'db' } }, spec: { serviceAccountName: tenantA.serviceAccount, containers: [{ name: 'app', image: 'registry.example/app:1' }] } };
    const created = await stack.core.createNamespacedPod({ namespace: tenantA.namespace, body: plain });
    assert.deepEqual(names(created.spec?.containers), ['app']);
    assert.equal(created.spec?.initContainers, undefined);
    // A labelled control pod proves the webhook logs every review it gets, by pod name.
    await stack.core.createNamespacedPod({ namespace: tenantA.namespace, dryRun: 'All', body: optedInPod('control', tenantA.serviceAccount, 'db') });
    await eventually('the control review in the webhook log', async () => (reviewedPods(stack).includes('control') ? true : undefined), 5_000);
    assert.ok(!reviewedPods(stack).includes('plain'), 'the unlabelled pod reached the webhook');
  });

  test('server-side dry-run returns the mutated pod and stores nothing', async () => {
    const dry = await stack.core.createNamespacedPod({ namespace: tenantA.namespace, dryRun: 'All', body: optedInPod('dry', tenantA.serviceAccount, 'db') });
    assert.deepEqual(names(dry.spec?.initContainers), [INIT_NAME, AGENT_NAME]);
    await assert.rejects(stack.core.readNamespacedPod({ namespace: tenantA.namespace, name: 'dry' }), /404|not found/i);
  });

  test('re-invocation after another webhook changes the pod does not inject twice', async () => {
    // A second webhook, ordered after ours by name, adds an annotation: the API server then
    // re-invokes ours (reinvocationPolicy IfNeeded), which must leave the pod as it is.
    const serving = await stack.cp.issueServingCertificate(['127.0.0.1']);
    const server: HttpsServer = createHttpsServer({ cert: serving.certPem, key: serving.keyPem }, (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const review = JSON.parse(body) as { request: { uid: string; object: V1Pod } };
        const hasAnnotations = review.request.object.metadata?.annotations !== undefined;
        const patch = hasAnnotations ? [{ op: 'add', path: '/metadata/annotations/zz-touched', value: 'yes' }] : [];
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review.request.uid, allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') } }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    const other: KubernetesObject & Record<string, unknown> = {
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'zz-e2e-toucher' },
      webhooks: [{
        name: 'zz.toucher.e2e.local', clientConfig: { url: `https://127.0.0.1:${port}/`, caBundle: Buffer.from(stack.cp.caPem).toString('base64') },
        rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
        objectSelector: { matchLabels: { 'e2e-touch': 'yes' } }, sideEffects: 'None', admissionReviewVersions: ['v1'], failurePolicy: 'Fail', reinvocationPolicy: 'Never',
      }],
    };
    await stack.objects.create(other);
    try {
      const touched = (name: string): V1Pod => {
        const pod = optedInPod(name, tenantA.serviceAccount, 'db');
        pod.metadata = { ...pod.metadata, labels: { ...pod.metadata?.labels, 'e2e-touch': 'yes' } };
        return pod;
      };
      await eventually('the second webhook to be active', async () => {
        const p = await stack.core.createNamespacedPod({ namespace: tenantA.namespace, dryRun: 'All', body: touched('reinvoke-probe') });
        return p.metadata?.annotations?.['zz-touched'] === 'yes' ? true : undefined;
      });
      const created = await stack.core.createNamespacedPod({ namespace: tenantA.namespace, body: touched('reinvoked') });
      assert.equal(created.metadata?.annotations?.['zz-touched'], 'yes');
      assert.deepEqual(names(created.spec?.initContainers), [INIT_NAME, AGENT_NAME]);
      assert.equal(created.spec?.volumes?.filter((v) => v.name === FILES_VOLUME).length, 1);
      // Our webhook answered twice for this one pod: the first call and the re-invocation.
      await eventually('two reviews of the pod in the webhook log', async () => (reviewedPods(stack).filter((p) => p === 'reinvoked').length === 2 ? true : undefined), 5_000);
    } finally {
      await stack.objects.delete(other);
      server.close();
    }
  });

  test('a Job pod never gets a classic sidecar: native sidecar by default, init-only with a warning when native sidecars are off', async () => {
    const batch = stack.cp.kubeConfig.makeApiClient(BatchV1Api);
    const job = await batch.createNamespacedJob({
      namespace: tenantA.namespace,
      body: { metadata: { name: 'migrate' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'migrate', image: 'registry.example/migrate:1' }] } } } },
    });
    const owned = (name: string, annotations: Record<string, string>): V1Pod => {
      const p = optedInPod(name, tenantA.serviceAccount, 'db', annotations);
      p.metadata = { ...p.metadata, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'migrate', uid: job.metadata?.uid ?? '', controller: true }] };
      p.spec = { ...p.spec, containers: p.spec?.containers ?? [], restartPolicy: 'Never' };
      return p;
    };
    const native = await stack.core.createNamespacedPod({ namespace: tenantA.namespace, body: owned('job-native', {}) });
    assert.deepEqual(names(native.spec?.initContainers), [INIT_NAME, AGENT_NAME]);
    assert.deepEqual(names(native.spec?.containers), ['app']);
    const off = await stack.core.createNamespacedPod({ namespace: tenantA.namespace, body: owned('job-off', { 'native-sidecar': 'false' }) });
    assert.deepEqual(names(off.spec?.initContainers), [INIT_NAME]);
    assert.deepEqual(names(off.spec?.containers), ['app'], 'no classic sidecar that would keep the Job running');
  });

  test('every manifest the chart renders passes the API server validation in a server-side dry run', async () => {
    await stack.core.createNamespace({ body: { metadata: { name: WEBHOOK_NAMESPACE } } });
    const always = ['Deployment', 'Service', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'PodDisruptionBudget', 'ConfigMap', 'MutatingWebhookConfiguration'];
    const variants: Array<{ name: string; kinds: string[]; values: Record<string, unknown> }> = [
      { name: 'self-managed (default)', kinds: [...always, 'Role', 'RoleBinding', 'CustomResourceDefinition'], values: { settings: { region: 'cn-hangzhou', oidcProviderArn: stack.oidcProviderArn }, crds: { install: true } } },
      { name: 'existing-secret, CRDs off', kinds: always, values: { settings: { region: 'cn-hangzhou', accountId: '1234567890123456', clusterId: 'c0123' }, certificates: { mode: 'existing-secret', secretName: 'my-tls', existingSecret: { caBundle: stack.cp.caPem } }, crds: { install: false } } },
    ];
    for (const v of variants) {
      const manifests = await helmTemplate(v.values, stack.dir);
      const kinds = new Set(manifests.map((m) => m.kind));
      for (const k of v.kinds) assert.ok(kinds.has(k), `${v.name}: no ${k} rendered`);
      for (const m of manifests) {
        // CRDs and a webhook configuration of the same names already exist (installed above): validate them as updates.
        try {
          await stack.objects.create(m, undefined, 'All');
        } catch (err) {
          if (/already exists/.test(apiErrorMessage(err))) {
            const current = await stack.objects.read({ apiVersion: m.apiVersion ?? '', kind: m.kind ?? '', metadata: { name: m.metadata?.name ?? '', ...(m.metadata?.namespace ? { namespace: m.metadata.namespace } : {}) } });
            await stack.objects.replace({ ...m, metadata: { ...m.metadata, resourceVersion: current.metadata?.resourceVersion ?? '' } }, undefined, 'All');
          } else {
            assert.fail(`${v.name}: ${m.kind}/${m.metadata?.name} rejected: ${apiErrorMessage(err)}`);
          }
        }
      }
    }
  });

  test('admission: notify-signal makes the pod share its PID namespace and runs both injector containers as the target container uid', async () => {
    const withUids = (pod: V1Pod, uids: Record<string, number>): V1Pod => ({ ...pod, spec: { ...pod.spec, containers: (pod.spec?.containers ?? []).map((c) => (uids[c.name] === undefined ? c : { ...c, securityContext: { runAsUser: uids[c.name] as number } })) } });
    const cases: Array<{ name: string; pod: V1Pod; uid: number }> = [
      { name: 'uid-from-the-only-container', pod: withUids(optedInPod('adm-single', tenantA.serviceAccount, 'db', { 'notify-signal': 'SIGHUP' }), { app: 1000 }), uid: 1000 },
      { name: 'uid-from-the-named-container-of-two', pod: withUids(optedInPod('adm-two', tenantA.serviceAccount, 'db', { 'notify-signal': 'HUP', 'notify-container': 'worker' }, ['web', 'worker']), { web: 1000, worker: 2000 }), uid: 2000 },
    ];
    for (const c of cases) {
      const created = await stack.core.createNamespacedPod({ namespace: tenantA.namespace, dryRun: 'All', body: c.pod });
      assert.equal(created.spec?.shareProcessNamespace, true, c.name);
      const injected = [...(created.spec?.initContainers ?? []), ...(created.spec?.containers ?? [])].filter((x) => x.name === INIT_NAME || x.name === AGENT_NAME);
      assert.deepEqual(injected.map((x) => x.name).sort(), [AGENT_NAME, INIT_NAME], c.name);
      for (const x of injected) assert.equal(x.securityContext?.runAsUser, c.uid, `${c.name}: ${x.name} runs as the target uid`);
    }
  });

  test('templates: a syntax error is denied at admission with the ExternalSecret, key, line and column', async () => {
    await createExternalSecret(stack, tenantA.namespace, 'tpl-broken', { provider: 'kms', data: [{ key: 'tenant-a/api-key', name: 'api-key' }], target: { template: { data: { cfg: 'ok\n{{ .raw-data }}' } } } });
    await assert.rejects(
      stack.core.createNamespacedPod({ namespace: tenantA.namespace, body: optedInPod('tpl-denied', tenantA.serviceAccount, 'tpl-broken') }),
      (err: unknown) => /ExternalSecret tenant-a\/tpl-broken spec\.target\.template\.data\["cfg"\]: template syntax error at line 2, column 3: bad character U\+002D '-'/.test(apiErrorMessage(err)),
    );
  });

  test('no log of the webhook contains a seeded secret value', () => {
    const logs = stack.webhookLog();
    assert.ok(logs.length > 0);
    for (const s of stack.secrets) assert.ok(!logs.includes(s), `a log contains a seeded secret value or token (${s.length} chars)`);
  });
});
