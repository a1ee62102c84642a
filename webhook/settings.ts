/**
 * The webhook's settings: one schema, read from a YAML or JSON file (the chart renders it into a
 * ConfigMap), validated once at start with every problem listed, then frozen. Nothing else in the
 * webhook reads files or the environment for configuration (STYLE.md item 6).
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { ErrorCode, InjectorError } from '../common/errors.ts';
import { DURATION_SYNTAX, formatSeconds, parseDurationSeconds } from '../common/go-duration.ts';
import { QUANTITY_SYNTAX, parseQuantity } from './admission/quantity.ts';

/** `auto` follows the API server version; `always`/`never` force the choice for the whole cluster. */
export const NATIVE_SIDECAR_MODES = ['auto', 'always', 'never'] as const;
/** One of NATIVE_SIDECAR_MODES. */
export type NativeSidecarMode = (typeof NATIVE_SIDECAR_MODES)[number];

/** The three imagePullPolicy values of a core/v1 Container. */
export const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;
/** One of PULL_POLICIES. */
export type PullPolicy = (typeof PULL_POLICIES)[number];

/** CPU and memory for the injector containers (Kubernetes quantities). */
export interface ResourceSettings {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

/** The validated, frozen settings. Durations are already converted to seconds. */
export interface Settings {
  /** Image of the injector containers (the webhook injects its own image by default in the chart). */
  image: string;
  imagePullPolicy: PullPolicy;
  /** argv prefix that starts the CLI in the image; `init`/`agent` is appended. */
  injectorCommand: readonly string[];
  /** Alibaba Cloud region of the cluster, e.g. `cn-hangzhou`. */
  region: string;
  /** `acs:ram::<uid>:oidc-provider/ack-rrsa-<clusterId>`: given, or built from accountId + clusterId. */
  oidcProviderArn: string;
  /** Account that owns the RAM roles named by `pod-identity.alibabacloud.com/role-name`. */
  accountId?: string;
  clusterId?: string;
  defaultRefreshIntervalSeconds: number;
  minRefreshIntervalSeconds: number;
  /** Host names (no scheme, no port); unset → the injector's `*-vpc.<region>.aliyuncs.com` default. */
  stsEndpoint?: string;
  kmsEndpoint?: string;
  oosEndpoint?: string;
  /** PEM CA for a dedicated KMS gateway endpoint; public data, handed to the injector. */
  kmsCaPem?: string;
  /**
   * PEM CA bundle the injector trusts in addition to the system roots for STS, KMS and OOS (a
   * TLS-inspecting egress proxy, a private endpoint with its own CA); public data.
   */
  extraCaPem?: string;
  tokenAudience: string;
  tokenExpirationSeconds: number;
  nativeSidecar: NativeSidecarMode;
  /** The API server's version (`v1.30.1-aliyun.1`), filled in by the server for `nativeSidecar: auto`. */
  serverVersion?: string;
  resources: ResourceSettings;
  /** Default mode of the visible files. */
  fileMode: number;
  /** Port of the agent's health endpoint (`/ready` backs the native sidecar's startupProbe). */
  healthPort: number;
  /**
   * Whether the agent's `/metrics` also serves the series that name cloud resources
   * (`secret_injector_secret_version_info`: KMS secret and OOS parameter names, version ids). Off
   * by default: the health port listens on the pod IP, where anyone on the pod network can read it
   * (docs/security.md).
   */
  agentNamedMetrics: boolean;
  /**
   * Dedicated KMS instance CAs: instance gateway host (`<id>.cryptoservice.kms.aliyuncs.com`) or
   * region id → PEM, like upstream's `RegionIdAndCaMap`; `kmsCaPem` is the fallback for all.
   */
  kmsInstanceCAs: Readonly<Record<string, string>>;
  /** Entries with no store and no ServiceAccount role use the node's ECS RAM role (upstream `enableWorkerRole`). */
  enableWorkerRole: boolean;
  /** Remove the files of an ExternalSecret whose source is gone for good after this many failed refreshes; 0 = never. */
  cleanupAfterFailures: number;
  /** Upstream's jmesPath fallback: a path that yields nothing writes the raw value instead of failing. */
  jmesPathRawFallback: boolean;
}

/** The defaults, each with its reason. */
export const SETTING_DEFAULTS = {
  imagePullPolicy: 'IfNotPresent' as PullPolicy,
  // The Dockerfile's distroless node image keeps node at /nodejs/bin/node and the esbuild bundle
  // of cli/main.ts at /app/dist/cli.mjs; the e2e node runs exactly this from the built image.
  injectorCommand: ['/nodejs/bin/node', '/app/dist/cli.mjs'],
  // ack-secret-manager's --polling-interval default (reference §4.1), so moving from synced
  // Secrets to injected files keeps the same cloud call rate.
  defaultRefreshInterval: '120s',
  // KMS GetSecretValue is rate limited per account; a floor keeps one misconfigured pod from
  // spending the tenant's quota. 30s = a quarter of the default interval.
  minRefreshInterval: '30s',
  // The RRSA OIDC provider's client ID (alibaba-cloud-apis.md §1.1).
  tokenAudience: 'sts.aliyuncs.com',
  // ack-pod-identity-webhook's default token lifetime (alibaba-cloud-apis.md §1.2); the kubelet
  // refreshes at 80% of it.
  tokenExpirationSeconds: 3600,
  nativeSidecar: 'auto' as NativeSidecarMode,
  // Measured (npm run bench, docs/benchmarks.md "Agent"): with the NODE_OPTIONS the webhook injects,
  // the agent holds about 22 MB of private memory (RssAnon) after 1000 refreshes of 10 secrets and
  // runs them under a cgroup limit of 24Mi (agent.minMemoryLimitMi) where the image already runs.
  // The request is the private memory with about 45 % margin (file-backed pages are shared by the
  // node's pods). The limit also fits the first pod of the image on a node, whose cgroup is
  // charged for the ~44 MB of node binary pages it reads: under 64Mi that pod thrashed, under 80Mi
  // it ran; 96Mi leaves 16 MiB on top. Short CPU bursts when fetching.
  resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '200m', memory: '96Mi' } },
  // Like a Secret volume's 0644 minus write: the tmpfs is private to the pod and mounted read-only
  // into the selected containers only, and the app may run as any uid. Tighten per pod with the
  // file-mode and file-group annotations.
  fileMode: 0o444,
  // An unprivileged port that common app images rarely use; admission denies pods that declare it.
  healthPort: 9488,
  // The pod IP port serves probes to the kubelet and to anyone else on the pod network; the
  // inventory of cloud secrets is opt-in (issue 13, defect 7; docs/security.md).
  agentNamedMetrics: false,
  // ack-secret-manager 0.6.7 turned the worker role off by default: every pod on a node shares it.
  enableWorkerRole: false,
  // Upstream's default: keep the last good Secret on failure (--cleanup-secret-on-failure=false).
  cleanupAfterFailures: 0,
  // Failing is the safe default: the fallback writes the whole document where one field was asked for.
  jmesPathRawFallback: false,
} as const;

/** Bound of `cleanupAfterFailures`: a day of refreshes at the 30 s floor. */
const MAX_CLEANUP_AFTER_FAILURES = 2880;
/** A dedicated KMS instance gateway host (alibaba-cloud-apis.md §4.1). */
export const DEDICATED_KMS_HOST_RE = /^[a-z0-9-]+\.cryptoservice\.kms\.aliyuncs\.com$/;

/** Bounds of a projected token's expirationSeconds: the API server's minimum (600) and the ACK RRSA cap of 12 h (alibaba-cloud-apis.md §1.3). */
const TOKEN_EXPIRATION_RANGE = [600, 43200] as const;
/** The injector config accepts intervals up to 7 days (contract/injector-config-schema.ts). */
const MAX_REFRESH_SECONDS = 7 * 86400;

/** Every setting name (docs/settings.md describes each; docs/compatibility.md lists them). */
export const SETTING_KEYS = [
  'image', 'imagePullPolicy', 'injectorCommand', 'region', 'oidcProviderArn', 'accountId', 'clusterId',
  'defaultRefreshInterval', 'minRefreshInterval', 'stsEndpoint', 'kmsEndpoint', 'oosEndpoint', 'kmsCaPem', 'extraCaPem',
  'tokenAudience', 'tokenExpirationSeconds', 'nativeSidecar', 'serverVersion', 'resources', 'fileMode', 'healthPort',
  'agentNamedMetrics',
  'kmsInstanceCAs', 'enableWorkerRole', 'cleanupAfterFailures', 'jmesPathRawFallback',
] as const;
const KNOWN_KEYS: ReadonlySet<string> = new Set(SETTING_KEYS);

const REGION_RE = /^[a-z]{2,}(-[a-z0-9]+)+$/;
const ACCOUNT_RE = /^\d{1,20}$/;
const CLUSTER_RE = /^[a-z0-9]{1,64}$/;
/** ack-secret-manager's OIDC provider ARN check (reference §3.1). */
export const OIDC_PROVIDER_ARN_RE = /^acs:ram:[^:]*:\d+:oidc-provider\/[^/]+$/;
const HOST_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const VERSION_RE = /^v?(\d+)\.(\d+)/;

/** Major/minor of a Kubernetes version string (`v1.29.3-aliyun.1`, `1.30`); undefined when unparsable. */
export function parseServerVersion(text: string): { major: number; minor: number } | undefined {
  const m = VERSION_RE.exec(text.trim());
  return m === null ? undefined : { major: Number(m[1]), minor: Number(m[2]) };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `injectorCommand`: the command prefix of both injector containers. */
function readInjectorCommand(doc: Record<string, unknown>, p: string[]): readonly string[] {
  const v = doc.injectorCommand;
  if (v === undefined) return SETTING_DEFAULTS.injectorCommand;
  if (!Array.isArray(v) || v.length === 0 || !v.every((s) => typeof s === 'string' && s !== '')) {
    p.push(`settings.injectorCommand: invalid value ${JSON.stringify(v)}; expected a non-empty list of non-empty strings, e.g. ["/nodejs/bin/node", "/app/dist/cli.mjs"]`);
    return SETTING_DEFAULTS.injectorCommand;
  }
  return v as string[];
}

/** `fileMode`: an integer (0o440 written in YAML as 0o440 or 288) or an octal string "0440". */
function readFileMode(doc: Record<string, unknown>, p: string[]): number {
  const v = doc.fileMode;
  if (v === undefined) return SETTING_DEFAULTS.fileMode;
  const n = typeof v === 'string' && /^0?[0-7]{3}$/.test(v) ? parseInt(v, 8) : typeof v === 'number' ? v : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 0o777 || (n & 0o444) === 0) {
    p.push(`settings.fileMode: invalid value ${JSON.stringify(v)}; expected an octal mode string such as "0440" (or the number 288) that grants read to someone`);
    return SETTING_DEFAULTS.fileMode;
  }
  return n;
}

/** `resources`: four quantities over the defaults, requests not above limits. */
function readResources(doc: Record<string, unknown>, p: string[]): ResourceSettings {
  const resources: ResourceSettings = structuredClone(SETTING_DEFAULTS.resources) as ResourceSettings;
  const r = doc.resources;
  if (r === undefined) return resources;
  if (!isObject(r)) { p.push(`settings.resources: expected {requests: {cpu, memory}, limits: {cpu, memory}}, got ${JSON.stringify(r)}`); return resources; }
  for (const kind of ['requests', 'limits'] as const) {
    const group = r[kind];
    if (group === undefined) continue;
    if (!isObject(group)) { p.push(`settings.resources.${kind}: expected {cpu, memory}`); continue; }
    for (const [res, v] of Object.entries(group)) {
      if (res !== 'cpu' && res !== 'memory') { p.push(`settings.resources.${kind}.${res}: unknown resource; expected cpu or memory`); continue; }
      if (typeof v !== 'string' || parseQuantity(v) === undefined) p.push(`settings.resources.${kind}.${res}: invalid value ${JSON.stringify(v)}; expected ${QUANTITY_SYNTAX}`);
      else resources[kind][res] = v;
    }
  }
  for (const res of ['cpu', 'memory'] as const) {
    const req = parseQuantity(resources.requests[res]);
    const lim = parseQuantity(resources.limits[res]);
    if (req !== undefined && lim !== undefined && req > lim) {
      p.push(`settings.resources.requests.${res}: ${resources.requests[res]} exceeds settings.resources.limits.${res} ${resources.limits[res]}`);
    }
  }
  return resources;
}

/** The typed readers of one settings document; each records its problem in `p` and returns a fallback. */
function settingReaders(doc: Record<string, unknown>, p: string[]) {
  const text = (key: string, re: RegExp | undefined, accepted: string, required: boolean): string | undefined => {
      const v = doc[key];
      if (v === undefined || v === null) {
        if (required) p.push(`settings.${key}: required; expected ${accepted}`);
        return undefined;
      }
      if (typeof v !== 'string' || v.trim() === '' || (re !== undefined && !re.test(v))) {
        p.push(`settings.${key}: invalid value ${JSON.stringify(v)}; expected ${accepted}`);
        return undefined;
      }
      return v;
    };
    const oneOf = <T extends string>(key: string, values: readonly T[], fallback: T): T => {
      const v = doc[key];
      if (v === undefined || v === null) return fallback;
      if (typeof v === 'string' && (values as readonly string[]).includes(v)) return v as T;
      p.push(`settings.${key}: invalid value ${JSON.stringify(v)}; expected one of ${values.join(', ')}`);
      return fallback;
    };
    const integer = (key: string, min: number, max: number, fallback: number): number => {
      const v = doc[key];
      if (v === undefined || v === null) return fallback;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
        p.push(`settings.${key}: invalid value ${JSON.stringify(v)}; expected an integer from ${min} to ${max}`);
        return fallback;
      }
      return v;
    };
    const duration = (key: string, fallback: string): number => {
      const v = doc[key] ?? fallback;
      const s = typeof v === 'string' ? parseDurationSeconds(v) : undefined;
      if (s === undefined || s > MAX_REFRESH_SECONDS) {
        p.push(`settings.${key}: invalid value ${JSON.stringify(v)}; expected ${DURATION_SYNTAX}, whole seconds, at most 168h`);
        return parseDurationSeconds(fallback) ?? 0;
      }
      return s;
    };
    const boolean = (key: string, fallback: boolean): boolean => {
      const v = doc[key];
      if (v === undefined || v === null) return fallback;
      if (typeof v === 'boolean') return v;
      p.push(`settings.${key}: invalid value ${JSON.stringify(v)}; expected true or false`);
      return fallback;
    };
  return { text, oneOf, integer, duration, boolean };
}

/**
 * The ack-secret-manager compatibility opt-ins (issue 17): `cleanupAfterFailures`,
 * `enableWorkerRole`, `jmesPathRawFallback`, and `kmsInstanceCAs` (instance host or region id →
 * PEM, like upstream's per-region CA map).
 */
function readCompatibilityOptIns(doc: Record<string, unknown>, p: string[], readers: Pick<ReturnType<typeof settingReaders>, 'integer' | 'boolean'>): Pick<Settings, 'cleanupAfterFailures' | 'enableWorkerRole' | 'jmesPathRawFallback' | 'kmsInstanceCAs'> {
  const { integer, boolean: flag } = readers;
  const kmsInstanceCAs: Record<string, string> = {};
  const m = doc.kmsInstanceCAs;
  if (m !== undefined && m !== null) {
    if (!isObject(m)) p.push(`settings.kmsInstanceCAs: expected a mapping of instance host or region id to PEM, got ${JSON.stringify(m).slice(0, 60)}`);
    else for (const [k, v] of Object.entries(m)) {
      if (!DEDICATED_KMS_HOST_RE.test(k) && !REGION_RE.test(k)) p.push(`settings.kmsInstanceCAs.${k}: expected a dedicated instance host "<id>.cryptoservice.kms.aliyuncs.com" or a region id such as "cn-hangzhou" as the key`);
      else if (typeof v !== 'string' || !v.includes('-----BEGIN CERTIFICATE-----')) p.push(`settings.kmsInstanceCAs.${k}: expected a PEM certificate bundle`);
      else kmsInstanceCAs[k] = v;
    }
  }
  return {
    cleanupAfterFailures: integer('cleanupAfterFailures', 0, MAX_CLEANUP_AFTER_FAILURES, SETTING_DEFAULTS.cleanupAfterFailures),
    enableWorkerRole: flag('enableWorkerRole', SETTING_DEFAULTS.enableWorkerRole),
    jmesPathRawFallback: flag('jmesPathRawFallback', SETTING_DEFAULTS.jmesPathRawFallback),
    kmsInstanceCAs: Object.freeze(kmsInstanceCAs),
  };
}

/** A problem per unknown key: a misspelt key would otherwise silently keep a default. */
function unknownKeys(doc: Record<string, unknown>): string[] {
  return Object.keys(doc).filter((key) => !KNOWN_KEYS.has(key)).map((key) => `settings.${key}: unknown setting; known settings are ${[...KNOWN_KEYS].join(', ')}`);
}

/** `oidcProviderArn`, or the one ACK creates for the cluster when RRSA is enabled (alibaba-cloud-apis.md §1.1). */
function readOidcProviderArn(doc: Record<string, unknown>, p: string[], given: string | undefined, accountId: string | undefined, clusterId: string | undefined): string | undefined {
  if (given !== undefined || doc.oidcProviderArn !== undefined) return given;
  if (accountId !== undefined && clusterId !== undefined) return `acs:ram::${accountId}:oidc-provider/ack-rrsa-${clusterId}`;
  if (doc.accountId === undefined || doc.clusterId === undefined) {
    p.push('settings.oidcProviderArn: required unless both accountId and clusterId are set (the ARN is then acs:ram::<accountId>:oidc-provider/ack-rrsa-<clusterId>)');
  }
  return undefined;
}

/**
 * Validates a settings document and returns the frozen Settings; throws E_CONFIG listing every
 * problem (unknown keys included, since a misspelt key would otherwise silently keep a default).
 */
export function parseSettings(doc: unknown): Readonly<Settings> {
  const p: string[] = [];
  if (!isObject(doc)) {
    throw new InjectorError(ErrorCode.CONFIG, `settings: expected a mapping of setting names to values, got ${Array.isArray(doc) ? 'a list' : doc === null ? 'null' : typeof doc}`);
  }
  p.push(...unknownKeys(doc));
  const { text, oneOf, integer, duration, boolean } = settingReaders(doc, p);

  // 1. Scalars.
  const image = text('image', /^\S+$/, 'an image reference such as "registry.example.com/ack-secret-injector:v0.1.0"', true);
  const imagePullPolicy = oneOf('imagePullPolicy', PULL_POLICIES, SETTING_DEFAULTS.imagePullPolicy);
  const region = text('region', REGION_RE, 'an Alibaba Cloud region id such as "cn-hangzhou"', true);
  const accountId = text('accountId', ACCOUNT_RE, 'the numeric Alibaba Cloud account id (UID)', false);
  const clusterId = text('clusterId', CLUSTER_RE, 'the ACK cluster id (lowercase letters and digits)', false);
  const oidcProviderArn = readOidcProviderArn(doc, p, text('oidcProviderArn', OIDC_PROVIDER_ARN_RE, '"acs:ram::<accountId>:oidc-provider/<name>"', false), accountId, clusterId);
  const endpoint = (key: string): string | undefined => text(key, HOST_RE, 'a lowercase host name without scheme, port or path, such as "kms-vpc.cn-hangzhou.aliyuncs.com"', false);
  const stsEndpoint = endpoint('stsEndpoint');
  const kmsEndpoint = endpoint('kmsEndpoint');
  const oosEndpoint = endpoint('oosEndpoint');
  const kmsCaPem = text('kmsCaPem', /-----BEGIN CERTIFICATE-----/, 'a PEM certificate bundle', false);
  const extraCaPem = text('extraCaPem', /-----BEGIN CERTIFICATE-----/, 'a PEM certificate bundle', false);
  const tokenAudience = text('tokenAudience', /^\S+$/, 'a token audience without spaces', false) ?? SETTING_DEFAULTS.tokenAudience;
  const tokenExpirationSeconds = integer('tokenExpirationSeconds', TOKEN_EXPIRATION_RANGE[0], TOKEN_EXPIRATION_RANGE[1], SETTING_DEFAULTS.tokenExpirationSeconds);
  const nativeSidecar = oneOf('nativeSidecar', NATIVE_SIDECAR_MODES, SETTING_DEFAULTS.nativeSidecar);
  const serverVersion = text('serverVersion', VERSION_RE, 'a Kubernetes version such as "v1.30.1"', false);
  const healthPort = integer('healthPort', 1024, 65535, SETTING_DEFAULTS.healthPort);
  const agentNamedMetrics = boolean('agentNamedMetrics', SETTING_DEFAULTS.agentNamedMetrics);
  const optIns = readCompatibilityOptIns(doc, p, { integer, boolean });

  // 2. Durations, and the floor must not exceed the default.
  const defaultRefreshIntervalSeconds = duration('defaultRefreshInterval', SETTING_DEFAULTS.defaultRefreshInterval);
  const minRefreshIntervalSeconds = duration('minRefreshInterval', SETTING_DEFAULTS.minRefreshInterval);
  if (defaultRefreshIntervalSeconds < minRefreshIntervalSeconds) {
    p.push(`settings.defaultRefreshInterval: ${formatSeconds(defaultRefreshIntervalSeconds)} is below settings.minRefreshInterval ${formatSeconds(minRefreshIntervalSeconds)}`);
  }

  const injectorCommand = readInjectorCommand(doc, p);
  const fileMode = readFileMode(doc, p);
  const resources = readResources(doc, p);

  if (p.length > 0) {
    throw new InjectorError(ErrorCode.CONFIG, `invalid webhook settings (${p.length} problem${p.length === 1 ? '' : 's'}):\n  - ${p.join('\n  - ')}`);
  }
  const settings: Settings = {
    image: image as string,
    imagePullPolicy,
    injectorCommand: Object.freeze([...injectorCommand]),
    region: region as string,
    oidcProviderArn: oidcProviderArn as string,
    defaultRefreshIntervalSeconds,
    minRefreshIntervalSeconds,
    tokenAudience,
    tokenExpirationSeconds,
    nativeSidecar,
    resources,
    fileMode,
    healthPort,
    agentNamedMetrics,
    ...optIns,
    ...(accountId === undefined ? {} : { accountId }),
    ...(clusterId === undefined ? {} : { clusterId }),
    ...(stsEndpoint === undefined ? {} : { stsEndpoint }),
    ...(kmsEndpoint === undefined ? {} : { kmsEndpoint }),
    ...(oosEndpoint === undefined ? {} : { oosEndpoint }),
    ...(kmsCaPem === undefined ? {} : { kmsCaPem }),
    ...(extraCaPem === undefined ? {} : { extraCaPem }),
    ...(serverVersion === undefined ? {} : { serverVersion }),
  };
  Object.freeze(settings.resources.requests);
  Object.freeze(settings.resources.limits);
  Object.freeze(settings.resources);
  return Object.freeze(settings);
}

/** Reads a YAML (1.1, like Kubernetes) or JSON settings file and validates it; throws E_CONFIG naming the file. */
export async function loadSettings(path: string): Promise<Readonly<Settings>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new InjectorError(ErrorCode.CONFIG, `cannot read settings file ${path}: ${(err as Error).message}`, { cause: err });
  }
  let doc: unknown;
  try {
    // YAML 1.1, as Kubernetes reads manifests (go-yaml): `fileMode: 0440` is octal there, while
    // YAML 1.2 would read it as decimal 440 and silently give a different mode.
    doc = parseYaml(text, { version: '1.1' });
  } catch (err) {
    throw new InjectorError(ErrorCode.CONFIG, `settings file ${path} is not valid YAML or JSON: ${(err as Error).message}`, { cause: err });
  }
  try {
    return parseSettings(doc ?? {});
  } catch (err) {
    if (err instanceof InjectorError) throw new InjectorError(err.code, `${path}: ${err.message}`, { cause: err });
    throw err;
  }
}

/** Whether `settings` puts the agent in a native sidecar (init container with restartPolicy Always). */
export function clusterSupportsNativeSidecar(settings: Settings): boolean {
  if (settings.nativeSidecar === 'always') return true;
  if (settings.nativeSidecar === 'never' || settings.serverVersion === undefined) return false;
  const v = parseServerVersion(settings.serverVersion);
  // SidecarContainers is beta and on by default from Kubernetes 1.29 (KEP-753;
  // https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/).
  return v !== undefined && (v.major > 1 || (v.major === 1 && v.minor >= 29));
}
