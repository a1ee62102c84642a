/**
 * Self-managed certificates end to end: the chart's manifests (RBAC, settings ConfigMap, CRDs,
 * MutatingWebhookConfiguration in URL mode, Deployment args) are applied to a real kube-apiserver;
 * two webhook replicas run with the Deployment's own args, authenticated as the chart's
 * ServiceAccount (so the chart's least-privilege RBAC is what they get). The Lease holder must
 * create the CA + serving Secret and write `caBundle`; the API server must then trust the
 * certificate it serves; the other replica must not write and must serve the same certificate.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AdmissionregistrationV1Api, CoordinationV1Api, CoreV1Api, KubernetesObjectApi, type KubernetesObject, type V1ConfigMap, type V1Deployment } from '@kubernetes/client-node';
import { freeLoopbackPort, startControlPlane, type ControlPlane } from './control-plane.ts';
import { apiErrorMessage, eventually, helmTemplate, httpsGet, probePod, startWebhookProcess, WEBHOOK_NAMESPACE, type WebhookProcess } from './stack.ts';
import { ensureTools } from './tools.ts';

/** The value after `flag` in an argv list. */
function flagValue(args: readonly string[], flag: string): string {
  const i = args.indexOf(flag);
  const v = i < 0 ? undefined : args[i + 1];
  if (v === undefined) throw new Error(`the chart's Deployment has no ${flag}`);
  return v;
}

/** `args` with the values of the given flags replaced. */
function withFlags(args: readonly string[], replace: Record<string, string>): string[] {
  const out = [...args];
  for (const [flag, value] of Object.entries(replace)) {
    const i = out.indexOf(flag);
    if (i < 0) out.push(flag, value);
    else out[i + 1] = value;
  }
  return out;
}

describe('self-managed certificates against a real kube-apiserver, under the chart RBAC', { timeout: 300_000 }, () => {
  let cp: ControlPlane;
  let dir: string;
  let port: number;
  let args: string[];
  let secretName: string;
  let webhookConfigName: string;
  let leaseName: string;
  const replicas: WebhookProcess[] = [];

  /** Starts one replica with the Deployment's args, its own tls folder and identity. */
  async function startReplica(identity: string, listenPort: number): Promise<{ process: WebhookProcess; tlsDir: string; url: string }> {
    const tlsDir = join(dir, `${identity}-tls`);
    await mkdir(tlsDir, { recursive: true });
    const process = await startWebhookProcess({
      args: [
        ...withFlags(args, { '--settings': join(dir, 'settings.yaml'), '--tls-dir': tlsDir, '--port': String(listenPort) }),
        '--host', '127.0.0.1', '--kubeconfig', join(dir, 'webhook.kubeconfig'), '--namespace', WEBHOOK_NAMESPACE, '--identity', identity, '--shutdown-delay', '0s',
      ],
      dir,
      name: identity,
    });
    replicas.push(process);
    return { process, tlsDir, url: `https://127.0.0.1:${listenPort}` };
  }

  before(async () => {
    await ensureTools(['helm', 'etcd', 'kube-apiserver']);
    cp = await startControlPlane();
    dir = await mkdtemp(join(tmpdir(), 'ack-si-certs-'));
    port = await freeLoopbackPort();
    const core = cp.kubeConfig.makeApiClient(CoreV1Api);
    const objects = KubernetesObjectApi.makeApiClient(cp.kubeConfig);
    await core.createNamespace({ body: { metadata: { name: WEBHOOK_NAMESPACE } } });
    const manifests = await helmTemplate({
      settings: { region: 'cn-hangzhou', oidcProviderArn: 'acs:ram::1234567890123456:oidc-provider/ack-rrsa-e2e' },
      webhook: { url: `https://127.0.0.1:${port}/mutate` },
      certificates: { mode: 'self-managed', selfManaged: { ipAddresses: ['127.0.0.1'] } },
      crds: { install: true },
    }, dir);
    // CRDs first, then everything else the chart renders (the Deployment is stored; no kubelet runs it).
    const ordered = [...manifests.filter((m) => m.kind === 'CustomResourceDefinition'), ...manifests.filter((m) => m.kind !== 'CustomResourceDefinition')];
    for (const m of ordered) await objects.create(m as KubernetesObject);
    const deployment = manifests.find((m) => m.kind === 'Deployment') as V1Deployment;
    const container = deployment.spec?.template.spec?.containers[0];
    args = (container?.args ?? []).filter((a) => a !== 'webhook');
    secretName = flagValue(args, '--secret-name');
    webhookConfigName = flagValue(args, '--webhook-config-name');
    leaseName = flagValue(args, '--lease-name');
    const settings = manifests.find((m) => m.kind === 'ConfigMap') as V1ConfigMap;
    await writeFile(join(dir, 'settings.yaml'), settings.data?.['settings.yaml'] ?? '');
    // The replicas authenticate as the chart's ServiceAccount, as they would in the cluster.
    const serviceAccount = deployment.spec?.template.spec?.serviceAccountName ?? '';
    const token = await core.createNamespacedServiceAccountToken({ namespace: WEBHOOK_NAMESPACE, name: serviceAccount, body: { spec: { expirationSeconds: 3600 } } });
    await writeFile(join(dir, 'webhook.kubeconfig'), JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'sa',
      clusters: [{ name: 'local', cluster: { server: cp.url, 'certificate-authority-data': Buffer.from(cp.caPem).toString('base64') } }],
      users: [{ name: 'sa', user: { token: token.status?.token ?? '' } }],
      contexts: [{ name: 'sa', context: { cluster: 'local', user: 'sa' } }],
    }), { mode: 0o600 });
  });

  after(async () => {
    for (const r of replicas) await r.stop();
    await cp?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  test('the first replica creates the CA and serving Secret, writes caBundle, and the API server trusts the certificate', async () => {
    const first = await startReplica('replica-1', port);
    const core = cp.kubeConfig.makeApiClient(CoreV1Api);
    const secret = await eventually('the certificate Secret', async () => {
      first.process.assertRunning();
      return core.readNamespacedSecret({ namespace: WEBHOOK_NAMESPACE, name: secretName }).catch(() => undefined);
    }, 60_000);
    const caPem = Buffer.from(secret.data?.['ca.crt'] ?? '', 'base64').toString('utf8');
    const servingPem = Buffer.from(secret.data?.['tls.crt'] ?? '', 'base64').toString('utf8');
    const serving = new X509Certificate(servingPem);
    assert.match(serving.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
    assert.ok(serving.verify(new X509Certificate(caPem).publicKey), 'the serving certificate is signed by the CA in the Secret');
    // caBundle of every webhook in the configuration is the Secret's CA bundle.
    const admission = cp.kubeConfig.makeApiClient(AdmissionregistrationV1Api);
    await eventually('caBundle to be written', async () => {
      const config = await admission.readMutatingWebhookConfiguration({ name: webhookConfigName });
      const bundles = (config.webhooks ?? []).map((w) => Buffer.from(w.clientConfig.caBundle ?? '', 'base64').toString('utf8'));
      return bundles.length > 0 && bundles.every((b) => b === caPem) ? true : undefined;
    }, 30_000);
    // The replica serves that certificate, and it is ready.
    await eventually('replica-1 to serve and be ready', async () => ((await httpsGet(`${first.url}/readyz`, caPem)).status === 200 ? true : undefined), 60_000);
    await assert.doesNotReject(readFile(join(first.tlsDir, 'tls.crt'), 'utf8').then((pem) => assert.equal(pem.trim(), servingPem.trim())));
    // The API server calls the webhook over TLS with the written caBundle: the denial proves it.
    await core.createNamespace({ body: { metadata: { name: 'certs-probe' } } });
    await core.createNamespacedServiceAccount({ namespace: 'certs-probe', body: { metadata: { name: 'default' } } });
    await eventually('the API server to call the webhook', async () => {
      try {
        await core.createNamespacedPod({ namespace: 'certs-probe', dryRun: 'All', body: probePod() });
        return undefined;
      } catch (err) {
        return /denied the request: ack-secret-injector/.test(apiErrorMessage(err)) ? true : undefined;
      }
    }, 30_000);
    const lease = await cp.kubeConfig.makeApiClient(CoordinationV1Api).readNamespacedLease({ namespace: WEBHOOK_NAMESPACE, name: leaseName });
    assert.equal(lease.spec?.holderIdentity, 'replica-1');
  });

  test('a second replica does not write the Secret and serves the same certificate', async () => {
    const core = cp.kubeConfig.makeApiClient(CoreV1Api);
    const before = await core.readNamespacedSecret({ namespace: WEBHOOK_NAMESPACE, name: secretName });
    const second = await startReplica('replica-2', await freeLoopbackPort());
    const caPem = Buffer.from(before.data?.['ca.crt'] ?? '', 'base64').toString('utf8');
    await eventually('replica-2 to be ready', async () => {
      second.process.assertRunning();
      return (await httpsGet(`${second.url}/readyz`, caPem).catch(() => undefined))?.status === 200 ? true : undefined;
    }, 60_000);
    assert.equal((await readFile(join(second.tlsDir, 'tls.crt'), 'utf8')).trim(), Buffer.from(before.data?.['tls.crt'] ?? '', 'base64').toString('utf8').trim());
    const afterSecret = await core.readNamespacedSecret({ namespace: WEBHOOK_NAMESPACE, name: secretName });
    assert.equal(afterSecret.metadata?.resourceVersion, before.metadata?.resourceVersion, 'only the Lease holder writes');
    const lease = await cp.kubeConfig.makeApiClient(CoordinationV1Api).readNamespacedLease({ namespace: WEBHOOK_NAMESPACE, name: leaseName });
    assert.equal(lease.spec?.holderIdentity, 'replica-1');
    for (const r of replicas) assert.doesNotMatch(r.log(), /BEGIN (EC |RSA )?PRIVATE KEY/, 'no key in the logs');
  });
});
