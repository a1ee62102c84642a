/**
 * `ack-secret-injector webhook`: the production admission server. The only place that listens,
 * reads flags and the environment for the server, and installs signal handlers (STYLE.md items 1
 * and 6). Everything it wires together is built and tested on its own: the settings
 * (webhook/settings.ts), the informer caches (cluster-cache.ts), the certificate reloader
 * (tls-reloader.ts), the app (server.ts) and the shutdown sequence (server-shutdown.ts).
 */
import { readFile, mkdir } from 'node:fs/promises';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { KubeConfig, VersionApi } from '@kubernetes/client-node';
import { ErrorCode, InjectorError } from '../../common/errors.ts';
import { createLogger, type Logger } from '../../common/log.ts';
import { ClusterCache } from './cluster-cache.ts';
import { parseDurationSeconds } from '../../common/go-duration.ts';
import { createWebhookMetrics } from './metrics.ts';
import { buildApp } from './app.ts';
import { DRAIN_TIMEOUT_MS, SHUTDOWN_DELAY_MS, ShutdownGate, drainAndClose } from './shutdown.ts';
import { loadSettings, type Settings } from '../settings.ts';
import { TlsReloader } from './tls-reloader.ts';

/** Where the certificate comes from: mounted files (cert-manager, an existing Secret) or the self-managed CA loop. */
export const CERTIFICATE_MODES = ['files', 'self-managed'] as const;
export type CertificateMode = (typeof CERTIFICATE_MODES)[number];

/** Default HTTPS port: unprivileged (the image runs as uid 65532), the chart's Service maps 443 to it. */
export const DEFAULT_PORT = 8443;

/** The in-cluster namespace file every pod with a ServiceAccount token has (https://kubernetes.io/docs/tasks/run-application/access-api-from-pod/). */
const SA_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** Attempts and first delay for reading `/version` at start (1 s, 2 s, 4 s, 8 s between the 5 tries). */
const VERSION_ATTEMPTS = 5;
const VERSION_RETRY_MS = 1_000;

export const USAGE = `Usage: ack-secret-injector webhook --settings FILE --tls-dir DIR [flags]

Runs the mutating admission webhook over HTTPS: POST /mutate, GET /healthz, /readyz, /metrics.

Flags:
  --settings FILE              webhook settings (YAML or JSON; see docs/settings.md)      (required)
  --tls-dir DIR                folder holding tls.crt and tls.key; watched and reloaded   (required)
  --port N                     HTTPS port (default ${DEFAULT_PORT})
  --host ADDR                  listen address (default 0.0.0.0; "::" for IPv6/dual stack)
  --certificates MODE          files (default: tls.crt/tls.key are mounted) or self-managed
                               (generate a CA + serving certificate, keep them in a Secret,
                               keep the webhook's caBundle in step; writes into --tls-dir)
  --namespace NS               the webhook's namespace (self-managed; default $POD_NAMESPACE,
                               then the ServiceAccount namespace file)
  --secret-name NAME           Secret holding the CA and serving pair (self-managed; default ack-secret-injector-tls)
  --webhook-config-name NAME   MutatingWebhookConfiguration to keep caBundle in (self-managed; default ack-secret-injector)
  --service-name NAME          Service the certificate is for (self-managed; default ack-secret-injector)
  --lease-name NAME            Lease electing the one certificate writer (self-managed; default ack-secret-injector-certs)
  --extra-dns-names A,B        further DNS names in the serving certificate, e.g. a host name the
                               API server dials through a url: clientConfig (self-managed)
  --ip-addresses X,Y           IP addresses (IPv4/IPv6) in the serving certificate (self-managed)
  --identity ID                this replica's Lease identity (default $POD_NAME, then the host name)
  --kubeconfig FILE            kubeconfig (default: in-cluster config, or $KUBECONFIG)
  --shutdown-delay DURATION    keep serving while unready after SIGTERM (default ${SHUTDOWN_DELAY_MS / 1000}s; "0s" for none)
  --log-level LEVEL            trace, debug, info (default), warn, error
  -h, --help                   show this help
`;

/** The validated command line. */
export interface WebhookOptions {
  settingsPath: string;
  tlsDir: string;
  port: number;
  host: string;
  certificates: CertificateMode;
  namespace: string | undefined;
  secretName: string;
  webhookConfigName: string;
  serviceName: string;
  leaseName: string;
  /** Serving-certificate DNS names beyond the Service's own (self-managed only; empty when not given). */
  extraDnsNames: string[];
  /** Serving-certificate IP SANs (self-managed only; empty when not given). */
  ipAddresses: string[];
  identity: string;
  kubeconfig: string | undefined;
  shutdownDelayMs: number;
  logLevel: string;
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
const DNS_LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
/**
 * A certificate DNS name: lower-case RFC 1123 labels of at most 63 characters, optionally a
 * leading `*.` wildcard. The same pattern `generateServingCertificate` enforces
 * (certs/certificate-authority.ts), checked here so a bad flag fails at start with the other flag
 * problems instead of inside the certificate loop; 253 is the RFC 1035 §2.3.4 name limit.
 */
const CERT_DNS_NAME_RE = /^(\*\.)?[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;
const CERT_DNS_NAME_MAX = 253;

/**
 * Splits a comma-separated flag value; an empty value is an empty list. Each item is checked by
 * `problemOf`, and every bad item (empty, invalid, repeated) is reported in `p`.
 */
function listFlag(flag: string, text: string | undefined, accepted: string, problemOf: (item: string) => boolean, p: string[]): string[] {
  if (text === undefined || text.trim() === '') return [];
  const items = text.split(',').map((x) => x.trim());
  const bad = items.filter((x, i) => x === '' || problemOf(x) || items.indexOf(x) !== i);
  if (bad.length > 0) {
    p.push(`--${flag}: invalid value ${JSON.stringify(text)}; expected a comma-separated list of ${accepted}, each once; not accepted: ${bad.map((x) => JSON.stringify(x)).join(', ')}`);
  }
  return items;
}

/** The flags of `webhook` (node:util parseArgs, strict). */
const FLAG_OPTIONS = {
  settings: { type: 'string' },
  'tls-dir': { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  certificates: { type: 'string' },
  namespace: { type: 'string' },
  'secret-name': { type: 'string' },
  'webhook-config-name': { type: 'string' },
  'service-name': { type: 'string' },
  'lease-name': { type: 'string' },
  'extra-dns-names': { type: 'string' },
  'ip-addresses': { type: 'string' },
  identity: { type: 'string' },
  kubeconfig: { type: 'string' },
  'shutdown-delay': { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `--port`: 0..65535 (0 = any free port, for tests). */
function readPort(text: string | undefined, p: string[]): number {
  if (text === undefined) return DEFAULT_PORT;
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) p.push(`--port: invalid value ${JSON.stringify(text)}; expected an integer from 0 to 65535`);
  return port;
}

/** The Kubernetes object names the self-managed certificates use, each with its default. */
function readObjectNames(str: (k: string) => string | undefined, p: string[]): Record<string, string> {
  const names: Array<[string, string, RegExp]> = [
    ['secret-name', 'ack-secret-injector-tls', DNS_SUBDOMAIN_RE],
    ['webhook-config-name', 'ack-secret-injector', DNS_SUBDOMAIN_RE],
    ['service-name', 'ack-secret-injector', DNS_LABEL_RE],
    ['lease-name', 'ack-secret-injector-certs', DNS_SUBDOMAIN_RE],
  ];
  const named: Record<string, string> = {};
  for (const [flag, fallback, re] of names) {
    const v = str(flag) ?? fallback;
    if (!re.test(v) || v.length > 253) p.push(`--${flag}: invalid value ${JSON.stringify(v)}; expected a lowercase Kubernetes object name`);
    named[flag] = v;
  }
  return named;
}

/** `--shutdown-delay`: a whole-second Go duration up to 30 s. */
function readShutdownDelay(text: string | undefined, p: string[]): number {
  if (text === undefined) return SHUTDOWN_DELAY_MS;
  const s = text === '0' || text === '0s' ? 0 : parseDurationSeconds(text);
  // Above the default terminationGracePeriodSeconds (30 s) the kubelet would kill the process mid-drain.
  if (s === undefined || s > 30) { p.push(`--shutdown-delay: invalid value ${JSON.stringify(text)}; expected a whole-second Go duration from "0s" to "30s"`); return SHUTDOWN_DELAY_MS; }
  return s * 1000;
}

/**
 * Parses and validates the flags; throws E_CONFIG listing every problem. `env` supplies the
 * downward-API defaults (POD_NAMESPACE, POD_NAME) so tests need not touch process.env.
 */
export function parseWebhookArgs(argv: string[], env: Readonly<Record<string, string | undefined>> = process.env): WebhookOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: FLAG_OPTIONS,
    }));
  } catch (err) {
    throw new InjectorError(ErrorCode.CONFIG, `webhook: ${(err as Error).message}\n\n${USAGE}`);
  }
  if (values.help === true) return 'help';
  const p: string[] = [];
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined);

  const settingsPath = str('settings');
  if (settingsPath === undefined || settingsPath === '') p.push('--settings: required; expected the path of the settings file');
  const tlsDir = str('tls-dir');
  if (tlsDir === undefined || tlsDir === '') p.push('--tls-dir: required; expected the folder holding tls.crt and tls.key');

  const port = readPort(str('port'), p);
  const certificates = (str('certificates') ?? 'files') as CertificateMode;
  if (!CERTIFICATE_MODES.includes(certificates)) p.push(`--certificates: invalid value ${JSON.stringify(certificates)}; expected one of ${CERTIFICATE_MODES.join(', ')}`);

  const named = readObjectNames(str, p);
  const namespace = str('namespace') ?? env.POD_NAMESPACE;
  if (namespace !== undefined && !DNS_LABEL_RE.test(namespace)) p.push(`--namespace: invalid value ${JSON.stringify(namespace)}; expected a namespace name`);

  const shutdownDelayMs = readShutdownDelay(str('shutdown-delay'), p);
  const extraDnsNames = listFlag('extra-dns-names', str('extra-dns-names'), 'DNS names (lower-case labels of [a-z0-9-], dot separated, optional leading "*.", at most 253 characters)',
    (n) => !CERT_DNS_NAME_RE.test(n) || n.length > CERT_DNS_NAME_MAX, p);
  // A zone index (fe80::1%eth0) is valid for isIP but has no form in an X.509 iPAddress SAN (RFC 5280 §4.2.1.6).
  const ipAddresses = listFlag('ip-addresses', str('ip-addresses'), 'IPv4 or IPv6 addresses without a zone index',
    (a) => isIP(a) === 0 || a.includes('%'), p);
  if (certificates !== 'self-managed') {
    for (const flag of ['extra-dns-names', 'ip-addresses']) {
      if (str(flag) !== undefined) p.push(`--${flag}: only used with --certificates self-managed (with files the certificate comes from cert-manager or your Secret); drop it or switch modes`);
    }
  }
  const logLevel = str('log-level') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) p.push(`--log-level: invalid value ${JSON.stringify(logLevel)}; expected one of ${LOG_LEVELS.join(', ')}`);

  if (p.length > 0) throw new InjectorError(ErrorCode.CONFIG, `webhook: invalid flags:\n  - ${p.join('\n  - ')}`);
  return {
    settingsPath: settingsPath as string,
    tlsDir: tlsDir as string,
    port,
    host: str('host') ?? '0.0.0.0',
    certificates,
    namespace,
    secretName: named['secret-name'] as string,
    webhookConfigName: named['webhook-config-name'] as string,
    serviceName: named['service-name'] as string,
    leaseName: named['lease-name'] as string,
    extraDnsNames,
    ipAddresses,
    identity: str('identity') ?? env.POD_NAME ?? hostname(),
    kubeconfig: str('kubeconfig'),
    shutdownDelayMs,
    logLevel,
  };
}

/**
 * For `nativeSidecar: auto` the settings need the API server's version; read `/version` once at
 * start (retrying briefly: the API server may be restarting during an upgrade). Other modes, or
 * an explicit `serverVersion`, skip the call.
 */
export async function withServerVersion(settings: Readonly<Settings>, kubeConfig: KubeConfig, logger: Logger, retryMs = VERSION_RETRY_MS): Promise<Readonly<Settings>> {
  if (settings.nativeSidecar !== 'auto' || settings.serverVersion !== undefined) return settings;
  const api = kubeConfig.makeApiClient(VersionApi);
  let lastError: unknown;
  for (let attempt = 1; attempt <= VERSION_ATTEMPTS; attempt++) {
    try {
      const info = await api.getCode();
      logger.info({ serverVersion: info.gitVersion }, 'API server version read for nativeSidecar: auto');
      return Object.freeze({ ...settings, serverVersion: info.gitVersion });
    } catch (err) {
      lastError = err;
      if (attempt < VERSION_ATTEMPTS) await new Promise((r) => setTimeout(r, retryMs * 2 ** (attempt - 1)));
    }
  }
  throw new InjectorError(ErrorCode.KUBE, `reading the API server version (GET /version) for nativeSidecar: auto failed ${VERSION_ATTEMPTS} times: ${lastError instanceof Error ? lastError.message : String(lastError)}; set serverVersion or nativeSidecar: always|never in the settings to skip it`, { retryable: true });
}

async function resolveNamespace(given: string | undefined): Promise<string> {
  if (given !== undefined) return given;
  try {
    return (await readFile(SA_NAMESPACE_FILE, 'utf8')).trim();
  } catch {
    throw new InjectorError(ErrorCode.CONFIG, `--namespace: required for --certificates self-managed outside a pod (no $POD_NAMESPACE and no ${SA_NAMESPACE_FILE})`);
  }
}

/**
 * With `--certificates self-managed`, starts the loop that keeps the CA, the serving certificate
 * and the caBundle in step (certs/); its failure shuts the server down. Undefined in other modes.
 */
async function startCertificateLoop(options: WebhookOptions, kubeConfig: KubeConfig, logger: Logger, signal: AbortSignal, onSignal: (s: NodeJS.Signals) => void): Promise<{ loop?: Promise<void> }> {
  if (options.certificates !== 'self-managed') return {};
  const namespace = await resolveNamespace(options.namespace);
  await mkdir(options.tlsDir, { recursive: true });
  const { runSelfManagedCertificates } = await import('../../certs/self-managed.ts');
  // Wrapped: an async function returning the loop's promise would adopt it and wait for the loop to end.
  const loop = runSelfManagedCertificates({
    kubeConfig,
    namespace,
    secretName: options.secretName,
    webhookConfigName: options.webhookConfigName,
    serviceName: options.serviceName,
    leaseName: options.leaseName,
    identity: options.identity,
    extraDnsNames: options.extraDnsNames,
    ipAddresses: options.ipAddresses,
    outDir: options.tlsDir,
    logger,
    signal,
  }).catch((err: unknown) => {
    logger.error({ err: err instanceof Error ? err.message : String(err) }, 'self-managed certificate loop failed; shutting down');
    onSignal('SIGTERM');
  });
  return { loop };
}

/**
 * Runs the server until SIGTERM/SIGINT. Steps: 1. flags, logger, settings, kubeconfig and the
 * API server version; 2. start the caches (they sync while the certificate is awaited);
 * 3. certificates: start the self-managed loop when asked, then load and watch the folder and
 * wait for a valid pair; 4. build and listen; 5. on a signal, drain and exit 0.
 */
export async function run(argv: string[]): Promise<number> {
  // 1.
  const parsed = parseWebhookArgs(argv);
  if (parsed === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const options = parsed;
  const logger = createLogger({ name: 'ack-secret-injector-webhook', level: options.logLevel });
  const kubeConfig = new KubeConfig();
  if (options.kubeconfig !== undefined) kubeConfig.loadFromFile(options.kubeconfig);
  else kubeConfig.loadFromDefault();
  const settings = await withServerVersion(await loadSettings(options.settingsPath), kubeConfig, logger);

  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stop.signal.aborted) return;
    logger.info({ signal }, 'signal received');
    stop.abort(new Error(signal));
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const stopped = new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));

  const metrics = createWebhookMetrics({ processMetrics: true });
  // 2.
  const cache = new ClusterCache({ kubeConfig, logger, metrics });
  cache.start();

  // 3.
  const certificateLoop = (await startCertificateLoop(options, kubeConfig, logger, stop.signal, onSignal)).loop;
  const tls = new TlsReloader({ dir: options.tlsDir, logger, metrics });
  await tls.start();
  if (!tls.loaded) {
    logger.info({ dir: options.tlsDir }, 'waiting for tls.crt and tls.key');
    try {
      await tls.waitUntilLoaded(stop.signal);
    } catch {
      tls.close();
      cache.stop();
      await certificateLoop;
      return 0;
    }
  }

  // 4.
  const gate = new ShutdownGate();
  const app = buildApp({
    resolver: cache,
    settings: () => settings,
    logger,
    metrics,
    tls,
    readiness: [{ name: 'caches-synced', ready: () => cache.hasSynced() }, gate],
    shutdown: gate,
  });
  await app.listen({ port: options.port, host: options.host });
  const bound = app.server.address();
  logger.info({ port: typeof bound === 'object' && bound !== null ? bound.port : options.port, host: options.host, certificates: options.certificates, nativeSidecar: settings.nativeSidecar, serverVersion: settings.serverVersion }, 'webhook serving');

  // 5.
  await stopped;
  await drainAndClose({
    app,
    gate,
    logger,
    delayMs: options.shutdownDelayMs,
    drainTimeoutMs: DRAIN_TIMEOUT_MS,
    cleanup: async () => {
      cache.stop();
      tls.close();
      await certificateLoop;
    },
  });
  return 0;
}
