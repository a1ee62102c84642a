/**
 * The whole chain as a cluster runs it, on loopback: a real kube-apiserver + etcd
 * (control-plane.ts), the Alibaba Cloud emulator trusting the API server's ServiceAccount issuer,
 * the project's CRDs and MutatingWebhookConfiguration rendered by `helm template` from the chart
 * (switched to a URL client config), and the real webhook process (`ack-secret-injector webhook`).
 * The end-to-end suite and `npm run demo` both start it.
 *
 * Steps of {@link startStack}:
 * 1. control plane; 2. emulator + OIDC provider for the API server's issuer; 3. webhook serving
 * certificate and settings; 4. chart rendered and its CRDs + webhook configuration applied;
 * 5. webhook process started and ready; 6. wait until the API server actually calls it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  type KubernetesObject,
  type V1Pod,
} from '@kubernetes/client-node';
import { parseAllDocuments, stringify } from 'yaml';
import { allowPolicy, rrsaTrustPolicy, startEmulator, type Emulator, type EmulatorOptions } from '../emulator/index.ts';
import { freeLoopbackPort, startControlPlane, type ControlPlane, type ControlPlaneOptions } from './control-plane.ts';
import { ensureTools, toolPath } from './tools.ts';

const execFileAsync = promisify(execFile);

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(ROOT, 'bin', 'ack-secret-injector.mjs');
export const CHART = join(ROOT, 'charts', 'ack-secret-injector');
/** The namespace the chart is rendered for (the webhook itself runs outside the cluster here). */
export const WEBHOOK_NAMESPACE = 'ack-secret-injector';
export const LABEL_INJECT = 'secret-injector.alibabacloud.com/inject';
export const ANNOTATION = (name: string): string => `secret-injector.alibabacloud.com/${name}`;

/** What the suite and the demo get back. */
export interface Stack {
  readonly cp: ControlPlane;
  readonly emu: Emulator;
  readonly core: CoreV1Api;
  readonly objects: KubernetesObjectApi;
  readonly custom: CustomObjectsApi;
  /** `acs:ram::<uid>:oidc-provider/ack-rrsa-e2e`, trusting the API server's issuer. */
  readonly oidcProviderArn: string;
  /** `https://127.0.0.1:<port>` of the webhook. */
  readonly webhookUrl: string;
  readonly webhookCaPem: string;
  /** Every manifest `helm template` rendered (for the dry-run validation test). */
  readonly chartManifests: readonly KubernetesObject[];
  readonly dir: string;
  /** The webhook process's log (pino JSON lines). */
  webhookLog(): string;
  /** GET a path of the webhook (metrics, readyz) over TLS. */
  webhookGet(path: string): Promise<{ status: number; body: string }>;
  /** Values seeded into the emulator (and tokens minted), for the log scans. */
  readonly secrets: Set<string>;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Progress lines (the demo prints them). */
  readonly progress?: (line: string) => void;
  /** Extra webhook settings merged over the defaults. */
  readonly settings?: Record<string, unknown>;
  /** More settings that depend on the started emulator (e.g. `extraCaPem: emu.caPem`), merged last. */
  readonly settingsFor?: (emu: Emulator) => Record<string, unknown>;
  /** Control-plane options (the end-to-end node adds Node authorization and kubelet flags). */
  readonly controlPlane?: ControlPlaneOptions;
  /** Emulator options (the end-to-end node adds a listener on its bridge). */
  readonly emulator?: EmulatorOptions;
}

/** One HTTPS GET trusting `caPem`. */
export function httpsGet(url: string, caPem: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca: caPem, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(5_000, () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

/** Polls `check` every 100 ms until it returns a value other than undefined; fails after `limitMs` naming `what`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, limitMs = 30_000): Promise<T> {
  const end = Date.now() + limitMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last === undefined ? '' : `: ${String(last)}`}`);
    await sleep(100);
  }
}

/** The message of a failed API call (client-node 2.x keeps the Status body as text). */
export function apiErrorMessage(err: unknown): string {
  if (!(err instanceof ApiException)) return String(err);
  const body: unknown = typeof err.body === 'string' ? safeJson(err.body) : err.body;
  return typeof body === 'object' && body !== null && 'message' in body ? String(body.message) : String(err.body);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Renders the chart with `values` (YAML file) and returns the parsed manifests. */
export async function helmTemplate(values: Record<string, unknown>, dir: string): Promise<KubernetesObject[]> {
  const valuesFile = join(dir, `values-${Date.now()}.yaml`);
  await writeFile(valuesFile, stringify(values));
  const { stdout } = await execFileAsync(toolPath('helm'), ['template', 'ack-secret-injector', CHART, '--namespace', WEBHOOK_NAMESPACE, '-f', valuesFile], {
    maxBuffer: 32 * 1024 * 1024,
    env: { ...process.env, HELM_CACHE_HOME: join(dir, 'helm-cache'), HELM_CONFIG_HOME: join(dir, 'helm-config'), HELM_DATA_HOME: join(dir, 'helm-data') },
  });
  return parseAllDocuments(stdout)
    .map((d) => d.toJS() as KubernetesObject | null)
    .filter((o): o is KubernetesObject => o !== null && typeof o === 'object' && typeof o.kind === 'string');
}

/** Starts everything; on failure stops what was started and rethrows. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const say = options.progress ?? (() => undefined);
  const dir = await mkdtemp(join(tmpdir(), 'ack-si-stack-'));
  const cleanups: Array<() => Promise<void>> = [];
  const secrets = new Set<string>();
  try {
    await ensureTools(['helm', 'etcd', 'kube-apiserver']);
    // 1.
    say('starting etcd and kube-apiserver');
    const cp = await startControlPlane(options.controlPlane);
    cleanups.push(() => cp.stop());
    say(`kube-apiserver ${cp.version} is ready at ${cp.url}`);
    const core = cp.kubeConfig.makeApiClient(CoreV1Api);
    const objects = KubernetesObjectApi.makeApiClient(cp.kubeConfig);
    const custom = cp.kubeConfig.makeApiClient(CustomObjectsApi);

    // 2.
    say('starting the Alibaba Cloud emulator (STS, KMS, OOS, RAM)');
    const emu = await startEmulator(options.emulator);
    cleanups.push(() => emu.close());
    await emu.trustIssuer({ issuer: cp.serviceAccountIssuer, publicKeyPem: cp.serviceAccountPublicKeyPem });
    const { arn: oidcProviderArn } = await emu.defineOidcProvider({ name: 'ack-rrsa-e2e', issuerUrl: cp.serviceAccountIssuer });
    say(`emulator at ${emu.url} trusts the API server's ServiceAccount issuer ${cp.serviceAccountIssuer}`);

    // 3.
    const port = await freeLoopbackPort();
    const tlsDir = join(dir, 'tls');
    await mkdir(tlsDir, { recursive: true });
    const serving = await cp.issueServingCertificate(['127.0.0.1', 'localhost']);
    await writeFile(join(tlsDir, 'tls.crt'), serving.certPem);
    await writeFile(join(tlsDir, 'tls.key'), serving.keyPem, { mode: 0o600 });
    const settings = {
      image: 'ack-secret-injector:e2e',
      // Admission-only suites never run the pods; the node stack (node/node-stack.ts) overrides
      // image, command and health port with the built image and its defaults.
      injectorCommand: [process.execPath, BIN],
      region: emu.region,
      oidcProviderArn,
      defaultRefreshInterval: '120s',
      minRefreshInterval: '1s',
      healthPort: await freeLoopbackPort(),
      ...options.settings,
      ...options.settingsFor?.(emu),
    };
    const settingsFile = join(dir, 'settings.yaml');
    await writeFile(settingsFile, stringify(settings));

    // 4.
    say('rendering the Helm chart and applying its CRDs and MutatingWebhookConfiguration');
    const webhookUrl = `https://127.0.0.1:${port}`;
    const chartValues = {
      settings: { region: emu.region, oidcProviderArn },
      webhook: { url: `${webhookUrl}/mutate`, caBundle: cp.caPem },
      certificates: { mode: 'existing-secret', secretName: 'ack-secret-injector-tls' },
      crds: { install: true },
    };
    const chartManifests = await helmTemplate(chartValues, dir);
    for (const crd of chartManifests.filter((m) => m.kind === 'CustomResourceDefinition')) await objects.create(crd);
    await eventually('the CRDs to be established', async () => {
      for (const plural of ['externalsecrets', 'secretstores', 'clustersecretstores']) {
        await custom.listClusterCustomObject({ group: 'alibabacloud.com', version: 'v1alpha1', plural });
      }
      return true;
    });

    // 5.
    say(`starting the webhook on ${webhookUrl}`);
    const webhook = await startWebhookProcess({
      args: ['--settings', settingsFile, '--tls-dir', tlsDir, '--port', String(port), '--host', '127.0.0.1', '--kubeconfig', cp.kubeconfigPath, '--shutdown-delay', '0s'],
      dir,
      name: 'webhook',
    });
    cleanups.push(() => webhook.stop());
    const webhookLog = webhook.log;
    const webhookGet = (path: string): Promise<{ status: number; body: string }> => httpsGet(`${webhookUrl}${path}`, cp.caPem);
    await eventually('the webhook to be ready', async () => {
      webhook.assertRunning();
      return (await webhookGet('/readyz')).status === 200 ? true : undefined;
    }, 60_000);

    const webhookConfig = chartManifests.find((m) => m.kind === 'MutatingWebhookConfiguration');
    if (webhookConfig === undefined) throw new Error('the chart rendered no MutatingWebhookConfiguration');
    await objects.create(webhookConfig);

    // 6. The API server loads webhook configurations asynchronously; probe with a dry-run pod.
    const probeNs = 'e2e-webhook-probe';
    await core.createNamespace({ body: { metadata: { name: probeNs } } });
    await core.createNamespacedServiceAccount({ namespace: probeNs, body: { metadata: { name: 'default' } } });
    await eventually('the API server to call the webhook', async () => {
      try {
        await core.createNamespacedPod({ namespace: probeNs, dryRun: 'All', body: probePod() });
        return undefined;
      } catch (err) {
        // Our webhook denies this pod (no ExternalSecret named): its message proves it was called.
        return apiErrorMessage(err).includes('ack-secret-injector') ? true : undefined;
      }
    }, 30_000);
    say('the API server now sends opted-in pods to the webhook');

    return {
      cp, emu, core, objects, custom, oidcProviderArn, webhookUrl, webhookCaPem: cp.caPem, chartManifests, dir,
      webhookLog, webhookGet, secrets,
      stop: async () => {
        for (const c of cleanups.reverse()) await c().catch(() => undefined);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** A webhook started as its own process (`ack-secret-injector webhook ...`), its log in a file. */
export interface WebhookProcess {
  readonly child: ChildProcess;
  log(): string;
  /** Throws with the log when the process has exited. */
  assertRunning(): void;
  /** SIGTERM, then SIGKILL after 10 s. */
  stop(): Promise<void>;
}

/** Starts `ack-secret-injector webhook <args>` with its stdout+stderr in `<dir>/<name>.log`. */
export async function startWebhookProcess(o: { args: readonly string[]; dir: string; name: string }): Promise<WebhookProcess> {
  const logFile = join(o.dir, `${o.name}.log`);
  const log = createWriteStream(logFile);
  await new Promise<void>((resolve) => log.once('open', () => resolve()));
  const child: ChildProcess = spawn(process.execPath, [BIN, 'webhook', ...o.args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: o.dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const readLog = (): string => readFileSync(logFile, 'utf8');
  return {
    child,
    log: readLog,
    assertRunning: () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${o.name} exited with ${child.exitCode ?? child.signalCode}:\n${readLog()}`);
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000, undefined, { ref: false })]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** An opted-in pod naming an ExternalSecret that does not exist: the webhook denies it, which proves it was called. */
export function probePod(): V1Pod {
  return {
    metadata: { name: 'probe', labels: { [LABEL_INJECT]: 'true' }, annotations: { [ANNOTATION('external-secrets')]: 'does-not-exist' } },
    spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }] },
  };
}

/** A tenant: a namespace, a ServiceAccount whose RAM role trusts only it, and what it may read. */
export interface Tenant {
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly roleArn: string;
  /** KMS secret / OOS parameter names this tenant's role may read start with this. */
  readonly prefix: string;
}

/**
 * Creates a tenant: namespace, ServiceAccount annotated with `ack.alibabacloud.com/role-arn`, and
 * a RAM role in the emulator whose trust policy admits only `system:serviceaccount:<ns>:<sa>`
 * from the API server's issuer and whose permission policy allows `<prefix>*` in KMS and OOS.
 */
export async function createTenant(stack: Stack, namespace: string, prefix: string, serviceAccount = 'app'): Promise<Tenant> {
  const { arn: roleArn } = await stack.emu.defineRole({
    name: `${namespace}-role`,
    trustPolicy: rrsaTrustPolicy({ providerArn: stack.oidcProviderArn, issuer: stack.cp.serviceAccountIssuer, subject: `system:serviceaccount:${namespace}:${serviceAccount}` }),
    policies: [
      allowPolicy('kms:GetSecretValue', `acs:kms:${stack.emu.region}:${stack.emu.accountId}:secret/${prefix}*`),
      allowPolicy('oos:GetSecretParameter', `acs:oos:${stack.emu.region}:${stack.emu.accountId}:secretparameter/${prefix}*`),
    ],
  });
  await stack.core.createNamespace({ body: { metadata: { name: namespace, labels: { tenant: namespace } } } });
  await stack.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'default' } } });
  await stack.core.createNamespacedServiceAccount({
    namespace,
    body: { metadata: { name: serviceAccount, annotations: { 'ack.alibabacloud.com/role-arn': roleArn } } },
  });
  return { namespace, serviceAccount, roleArn, prefix };
}

/** Creates an ExternalSecret (alibabacloud.com/v1alpha1) in `namespace`. */
export async function createExternalSecret(stack: Stack, namespace: string, name: string, spec: Record<string, unknown>): Promise<void> {
  await stack.custom.createNamespacedCustomObject({
    group: 'alibabacloud.com', version: 'v1alpha1', namespace, plural: 'externalsecrets',
    body: { apiVersion: 'alibabacloud.com/v1alpha1', kind: 'ExternalSecret', metadata: { name, namespace }, spec },
  });
}

/** Seeds a KMS secret and remembers its value (and its JSON leaves) for the log scans. */
export async function seedSecret(stack: Stack, name: string, value: string): Promise<void> {
  rememberSecret(stack.secrets, value);
  await stack.emu.seedSecret({ name, value });
}

/** Rotates a KMS secret (new ACSCurrent) and remembers the value. */
export async function rotateSecret(stack: Stack, name: string, value: string): Promise<void> {
  rememberSecret(stack.secrets, value);
  await stack.emu.rotateSecret({ name, value });
}

/** Seeds an OOS encryption parameter and remembers its value. */
export async function seedParameter(stack: Stack, name: string, value: string): Promise<void> {
  rememberSecret(stack.secrets, value);
  await stack.emu.seedParameter({ name, value });
}

function rememberSecret(into: Set<string>, value: string): void {
  into.add(value);
  const walk = (v: unknown): void => {
    if (typeof v === 'string' && v.length >= 6) into.add(v);
    else if (typeof v === 'object' && v !== null) Object.values(v).forEach(walk);
  };
  try {
    walk(JSON.parse(value));
  } catch {
    // not JSON: the whole value is the secret
  }
}

/** A pod that opts in and names `externalSecrets`; `annotations` adds more of ours (short names). */
export function optedInPod(name: string, serviceAccount: string, externalSecrets: string, annotations: Record<string, string> = {}, containers = ['app']): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      labels: { [LABEL_INJECT]: 'true', app: name },
      annotations: Object.fromEntries(Object.entries({ 'external-secrets': externalSecrets, ...annotations }).map(([k, v]): [string, string] => [ANNOTATION(k), v])),
    },
    spec: {
      serviceAccountName: serviceAccount,
      containers: containers.map((c) => ({ name: c, image: 'registry.example/shop/app:1.4.2' })),
    },
  };
}
