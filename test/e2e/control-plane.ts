/**
 * A real, throw-away Kubernetes control plane for end-to-end tests: etcd + kube-apiserver (built by
 * scripts/build-tools.sh) on loopback with generated certificates, an admin client certificate in
 * `system:masters`, and an RSA ServiceAccount signing key so the TokenRequest API mints RS256 tokens.
 *
 * There is no kube-controller-manager, scheduler or kubelet (docs/e2e.md lists the consequences:
 * no `default` ServiceAccount per namespace, pods stay Pending, deleted namespaces stay Terminating).
 * Recipe: ../shared/reference/kube-apiserver-test-harness.md §2.3, §4 (flags modelled on
 * controller-runtime's envtest).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { createCertificateAuthority, createServiceAccountKeyPair, type CertificateKeyPair } from './control-plane-pki.ts';
import { ManagedProcess, registerExitCleanup } from './managed-process.ts';
import { ensureTools } from './tools.ts';

/**
 * The default `iss` of minted ServiceAccount tokens: the in-cluster issuer that ACK and kubeadm
 * clusters use, so tokens look like production ones. The STS emulator is told to trust it together
 * with {@link ControlPlane.serviceAccountPublicKeyPem}.
 */
export const DEFAULT_SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

/**
 * Start timeout: /readyz is normally 200 within ~5–15 s on 2 cores; 90 s leaves room for a loaded
 * CI machine (reference §8.3 suggests 90 s; envtest's default is 20 s per component).
 */
const DEFAULT_START_TIMEOUT_MS = 90_000;

/** Poll interval for health endpoints (envtest polls every 100 ms). */
const POLL_INTERVAL_MS = 100;

/** How often to retry a start that lost a race for a "free" port to another process. */
const PORT_RACE_ATTEMPTS = 3;

/** Options of {@link startControlPlane}; every field has a working default. */
export interface ControlPlaneOptions {
  /** `--service-account-issuer` (the `iss` claim). Default {@link DEFAULT_SERVICE_ACCOUNT_ISSUER}. */
  readonly serviceAccountIssuer?: string;
  /**
   * Keep the ServiceAccount admission plugin on (default true, as in real clusters): pods get their
   * `serviceAccountName` defaulted and the `kube-api-access-*` volume, and are rejected when their
   * ServiceAccount does not exist. false = envtest style (`--disable-admission-plugins=ServiceAccount`).
   */
  readonly serviceAccountAdmission?: boolean;
  /** Extra kube-apiserver flags, appended last (so they win over the defaults). */
  readonly extraApiServerArgs?: readonly string[];
  /** Give up if not ready within this many milliseconds (default 90 000). */
  readonly startTimeoutMs?: number;
  /**
   * Serve a real kubelet (test/e2e/node/): `--authorization-mode=Node,RBAC`, a client certificate
   * for the API server's calls to kubelets (logs, exec, metrics proxy) whose serving certificates
   * it verifies against this CA, and `--kubelet-preferred-address-types=InternalIP`, so it never
   * resolves a node name through the machine's DNS.
   */
  readonly kubelets?: boolean;
  /** Binary paths; default: built/cached by scripts/build-tools.sh via {@link ensureTools}. */
  readonly binaries?: { readonly etcd: string; readonly kubeApiServer: string };
}

/** A running control plane. Call {@link ControlPlane.stop} when done (also safe to call twice). */
export interface ControlPlane {
  /** The apiserver URL, `https://127.0.0.1:<port>`. */
  readonly url: string;
  /** The etcd client URL, `http://127.0.0.1:<port>`. */
  readonly etcdUrl: string;
  /** PEM of the CA that signed the apiserver's serving cert (and the admin client cert). */
  readonly caPem: string;
  /** The same CA as a file, for tools that want a path (helm, curl). */
  readonly caFile: string;
  /** A kubeconfig file for the admin user (client cert in `system:masters`, bypasses RBAC). */
  readonly kubeconfigPath: string;
  /** The admin kubeconfig loaded into @kubernetes/client-node. */
  readonly kubeConfig: KubeConfig;
  /** `gitVersion` from GET /version, e.g. `v1.36.3`. */
  readonly version: string;
  /** The `iss` claim of minted ServiceAccount tokens. */
  readonly serviceAccountIssuer: string;
  /** SPKI PEM of the key that verifies ServiceAccount tokens (RS256). */
  readonly serviceAccountPublicKeyPem: string;
  /** The temp dir holding certs, data and the logs `etcd.log` and `kube-apiserver.log`. */
  readonly dir: string;
  /** Issue a serving certificate signed by this CA (e.g. for a local webhook at 127.0.0.1). */
  issueServingCertificate(hosts: readonly string[]): Promise<CertificateKeyPair>;
  /** Issue a client certificate for user `commonName` in `groups` (e.g. a kubelet's `system:node:<name>`). */
  issueClientCertificate(commonName: string, groups: readonly string[]): Promise<CertificateKeyPair>;
  /** Stop kube-apiserver, then etcd (process groups, SIGTERM then SIGKILL), then remove {@link dir}. */
  stop(): Promise<void>;
}

/** Reserve a free loopback port by binding port 0 and releasing it (the usual envtest approach). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('could not read the bound port'))));
    });
  });
}

interface TlsClient {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/** One GET, returning status and body; `tls` switches to HTTPS with client-cert auth. */
function get(url: string, tls?: TlsClient): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const onResponse = (res: http.IncomingMessage): void => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    };
    const req = tls ? https.get(url, { ...tls, agent: false }, onResponse) : http.get(url, { agent: false }, onResponse);
    req.setTimeout(5_000, () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

/**
 * Poll `check` until it returns true; fail early if one of `processes` exits, or at `deadline`.
 * `what` names the awaited state in the error.
 */
async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  processes: readonly ManagedProcess[],
  deadline: number,
): Promise<void> {
  let lastError = '';
  for (;;) {
    for (const p of processes) {
      if (p.exitInfo !== undefined || p.spawnError !== undefined) {
        throw new Error(`waiting for ${what}: ${p.describeFailure()}`);
      }
    }
    try {
      if (await check()) return;
    } catch (err) {
      lastError = (err as Error).message;
    }
    if (Date.now() > deadline) {
      const logs = processes.map((p) => p.describeFailure()).join('\n\n');
      throw new Error(`timed out waiting for ${what}${lastError ? ` (last error: ${lastError})` : ''}\n${logs}`);
    }
    await sleep(POLL_INTERVAL_MS);
  }
}

/** The kubeconfig document for the admin user (embedded CA, client cert and key). */
function adminKubeconfig(url: string, caPem: string, admin: CertificateKeyPair): string {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'e2e', cluster: { server: url, 'certificate-authority-data': b64(caPem) } }],
    users: [
      { name: 'e2e-admin', user: { 'client-certificate-data': b64(admin.certPem), 'client-key-data': b64(admin.keyPem) } },
    ],
    contexts: [{ name: 'e2e', context: { cluster: 'e2e', user: 'e2e-admin', namespace: 'default' } }],
    'current-context': 'e2e',
  });
}

function etcdArgs(dir: string, clientPort: number, peerPort: number): string[] {
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  return [
    '--name=e2e',
    `--data-dir=${join(dir, 'etcd-data')}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=e2e=${peer}`,
    // Test data is thrown away; skipping fsync makes every write fast (etcd ≥ 3.5, envtest uses it).
    '--unsafe-no-fsync=true',
    '--log-level=warn',
  ];
}

function apiServerArgs(
  dir: string,
  port: number,
  etcdUrl: string,
  issuer: string,
  serviceAccountAdmission: boolean,
  kubelets: boolean,
  extra: readonly string[],
): string[] {
  return [
    `--etcd-servers=${etcdUrl}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    // Avoids auto-detecting a host interface (fails on hosts without a default route) ...
    '--advertise-address=127.0.0.1',
    // ... and keeps 127.0.0.1 out of the `kubernetes` Service endpoints (reference §4.1).
    '--endpoint-reconciler-type=none',
    `--cert-dir=${dir}`,
    `--tls-cert-file=${join(dir, 'apiserver.crt')}`,
    `--tls-private-key-file=${join(dir, 'apiserver.key')}`,
    `--client-ca-file=${join(dir, 'ca.crt')}`,
    kubelets ? '--authorization-mode=Node,RBAC' : '--authorization-mode=RBAC',
    ...(kubelets
      ? [
          '--kubelet-preferred-address-types=InternalIP',
          `--kubelet-client-certificate=${join(dir, 'kubelet-client.crt')}`,
          `--kubelet-client-key=${join(dir, 'kubelet-client.key')}`,
          `--kubelet-certificate-authority=${join(dir, 'ca.crt')}`,
        ]
      : []),
    `--service-account-issuer=${issuer}`,
    `--service-account-key-file=${join(dir, 'sa.pub')}`,
    `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
    `--api-audiences=${issuer}`,
    '--service-cluster-ip-range=10.0.0.0/24',
    '--allow-privileged=true',
    // On by default; named so the dependency of the suite on them is explicit.
    `--enable-admission-plugins=${serviceAccountAdmission ? 'ServiceAccount,' : ''}MutatingAdmissionWebhook,ValidatingAdmissionWebhook`,
    ...(serviceAccountAdmission ? [] : ['--disable-admission-plugins=ServiceAccount']),
    '--profiling=false',
    '--v=1',
    ...extra,
  ];
}

/** True when a failure looks like losing the race for a port picked by {@link freeLoopbackPort}. */
function isPortRace(err: unknown): boolean {
  return err instanceof Error && /address already in use/i.test(err.message);
}

/**
 * Start etcd and kube-apiserver and wait until the apiserver is ready. Steps:
 *   1. binaries (cached; built on first use);  2. temp dir;  3. PKI files;  4. free ports;
 *   5. etcd, wait for /health;  6. kube-apiserver, wait for /readyz (includes RBAC bootstrap);
 *   7. read /version and wait for the `default` namespace (created by the apiserver's
 *      system-namespaces controller shortly after ready, as envtest does);  8. admin kubeconfig.
 * On failure everything started is stopped, the temp dir removed, and the error carries both logs.
 */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (err) {
      if (attempt >= PORT_RACE_ATTEMPTS || !isPortRace(err)) throw err;
    }
  }
}

async function startOnce(options: ControlPlaneOptions): Promise<ControlPlane> {
  const deadline = Date.now() + (options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  const issuer = options.serviceAccountIssuer ?? DEFAULT_SERVICE_ACCOUNT_ISSUER;
  // 1.
  let binaries = options.binaries;
  if (binaries === undefined) {
    const paths = await ensureTools(['etcd', 'kube-apiserver']);
    binaries = { etcd: paths.etcd, kubeApiServer: paths['kube-apiserver'] };
  }
  // 2.
  const dir = await mkdtemp(join(tmpdir(), 'ack-si-control-plane-'));
  const unregisterDir = registerExitCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const processes: ManagedProcess[] = [];
  const stopAll = async (): Promise<void> => {
    // apiserver first, so it does not log etcd connection errors while shutting down.
    for (const p of [...processes].reverse()) await p.stop();
  };
  try {
    // 3.
    const ca = await createCertificateAuthority();
    const [serving, admin, saKeys, kubeletClient] = await Promise.all([
      ca.issue({ commonName: 'kube-apiserver', hosts: ['127.0.0.1', 'localhost'], usage: 'server' }),
      ca.issue({ commonName: 'e2e-admin', organizations: ['system:masters'], usage: 'client' }),
      createServiceAccountKeyPair(),
      // As kubeadm's apiserver-kubelet-client: a user the kubelets' webhook authorizer allows.
      ca.issue({ commonName: 'kube-apiserver-kubelet-client', organizations: ['system:masters'], usage: 'client' }),
    ]);
    const caFile = join(dir, 'ca.crt');
    await Promise.all([
      writeFile(caFile, ca.certPem),
      writeFile(join(dir, 'apiserver.crt'), serving.certPem),
      writeFile(join(dir, 'apiserver.key'), serving.keyPem, { mode: 0o600 }),
      writeFile(join(dir, 'sa.key'), saKeys.privateKeyPem, { mode: 0o600 }),
      writeFile(join(dir, 'sa.pub'), saKeys.publicKeyPem),
      writeFile(join(dir, 'kubelet-client.crt'), kubeletClient.certPem),
      writeFile(join(dir, 'kubelet-client.key'), kubeletClient.keyPem, { mode: 0o600 }),
    ]);
    // 4.
    const [etcdClientPort, etcdPeerPort, apiPort] = [await freeLoopbackPort(), await freeLoopbackPort(), await freeLoopbackPort()];
    const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;
    const url = `https://127.0.0.1:${apiPort}`;
    // 5.
    const etcd = new ManagedProcess('etcd', binaries.etcd, etcdArgs(dir, etcdClientPort, etcdPeerPort), join(dir, 'etcd.log'));
    processes.push(etcd);
    await waitFor(
      `etcd at ${etcdUrl}/health`,
      async () => {
        const res = await get(`${etcdUrl}/health`);
        return res.status === 200 && (JSON.parse(res.body) as { health?: string }).health === 'true';
      },
      [etcd],
      deadline,
    );
    // 6.
    const apiserver = new ManagedProcess(
      'kube-apiserver',
      binaries.kubeApiServer,
      apiServerArgs(dir, apiPort, etcdUrl, issuer, options.serviceAccountAdmission ?? true, options.kubelets ?? false, options.extraApiServerArgs ?? []),
      join(dir, 'kube-apiserver.log'),
    );
    processes.push(apiserver);
    const tls: TlsClient = { ca: ca.certPem, cert: admin.certPem, key: admin.keyPem };
    await waitFor(`kube-apiserver at ${url}/readyz`, async () => (await get(`${url}/readyz`, tls)).status === 200, [etcd, apiserver], deadline);
    // 7.
    const versionRes = await get(`${url}/version`, tls);
    const version = (JSON.parse(versionRes.body) as { gitVersion?: unknown }).gitVersion;
    if (versionRes.status !== 200 || typeof version !== 'string') {
      throw new Error(`GET ${url}/version answered ${versionRes.status}: ${versionRes.body.slice(0, 500)}`);
    }
    await waitFor(
      'the default namespace',
      async () => (await get(`${url}/api/v1/namespaces/default`, tls)).status === 200,
      [etcd, apiserver],
      deadline,
    );
    // 8.
    const kubeconfigPath = join(dir, 'admin.kubeconfig');
    await writeFile(kubeconfigPath, adminKubeconfig(url, ca.certPem, admin), { mode: 0o600 });
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kubeconfigPath);

    let stopped: Promise<void> | undefined;
    return {
      url,
      etcdUrl,
      caPem: ca.certPem,
      caFile,
      kubeconfigPath,
      kubeConfig,
      version,
      serviceAccountIssuer: issuer,
      serviceAccountPublicKeyPem: saKeys.publicKeyPem,
      dir,
      issueServingCertificate: (hosts) => ca.issue({ commonName: hosts[0] ?? 'localhost', hosts, usage: 'server' }),
      issueClientCertificate: (commonName, groups) => ca.issue({ commonName, organizations: groups, usage: 'client' }),
      stop: () => {
        stopped ??= (async () => {
          await stopAll();
          await rm(dir, { recursive: true, force: true });
          unregisterDir();
        })();
        return stopped;
      },
    };
  } catch (err) {
    await stopAll();
    await rm(dir, { recursive: true, force: true });
    unregisterDir();
    throw err;
  }
}
