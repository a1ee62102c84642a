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
}

/** The defaults, each with its reason. */
export const SETTING_DEFAULTS = {
  imagePullPolicy: 'IfNotPresent' as PullPolicy,
  // The Dockerfile's distroless node image keeps node at /nodejs/bin/node and the esbuild bundle
  // of cli/main.ts at /app/dist/cli.mjs; the e2e pod runner maps this prefix to a local command.
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
} as const;

/** Bounds of a projected token's expirationSeconds: the API server's minimum (600) and the ACK RRSA cap of 12 h (alibaba-cloud-apis.md §1.3). */
const TOKEN_EXPIRATION_RANGE = [600, 43200] as const;
/** The injector config accepts intervals up to 7 days (contract/injector-config-schema.ts). */
const MAX_REFRESH_SECONDS = 7 * 86400;

const KNOWN_KEYS = new Set([
  'image', 'imagePullPolicy', 'injectorCommand', 'region', 'oidcProviderArn', 'accountId', 'clusterId',
  'defaultRefreshInterval', 'minRefreshInterval', 'stsEndpoint', 'kmsEndpoint', 'oosEndpoint', 'kmsCaPem',
  'tokenAudience', 'tokenExpirationSeconds', 'nativeSidecar', 'serverVersion', 'resources', 'fileMode', 'healthPort',
]);

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

/**
 * Validates a settings document and returns the frozen Settings; throws E_CONFIG listing every
 * problem (unknown keys included, since a misspelt key would otherwise silently keep a default).
 */
export function parseSettings(doc: unknown): Readonly<Settings> {
  const p: string[] = [];
  if (!isObject(doc)) {
    throw new InjectorError(ErrorCode.CONFIG, `settings: expected a mapping of setting names to values, got ${Array.isArray(doc) ? 'a list' : doc === null ? 'null' : typeof doc}`);
  }
  for (const key of Object.keys(doc)) {
    if (!KNOWN_KEYS.has(key)) p.push(`settings.${key}: unknown setting; known settings are ${[...KNOWN_KEYS].join(', ')}`);
  }
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

  // 1. Scalars.
  const image = text('image', /^\S+$/, 'an image reference such as "registry.example.com/ack-secret-injector:v0.1.0"', true);
  const imagePullPolicy = oneOf('imagePullPolicy', PULL_POLICIES, SETTING_DEFAULTS.imagePullPolicy);
  const region = text('region', REGION_RE, 'an Alibaba Cloud region id such as "cn-hangzhou"', true);
  const accountId = text('accountId', ACCOUNT_RE, 'the numeric Alibaba Cloud account id (UID)', false);
  const clusterId = text('clusterId', CLUSTER_RE, 'the ACK cluster id (lowercase letters and digits)', false);
  let oidcProviderArn = text('oidcProviderArn', OIDC_PROVIDER_ARN_RE, '"acs:ram::<accountId>:oidc-provider/<name>"', false);
  if (oidcProviderArn === undefined && doc.oidcProviderArn === undefined) {
    if (accountId !== undefined && clusterId !== undefined) {
      // The provider ACK creates when RRSA is enabled (alibaba-cloud-apis.md §1.1).
      oidcProviderArn = `acs:ram::${accountId}:oidc-provider/ack-rrsa-${clusterId}`;
    } else if (doc.accountId === undefined || doc.clusterId === undefined) {
      p.push('settings.oidcProviderArn: required unless both accountId and clusterId are set (the ARN is then acs:ram::<accountId>:oidc-provider/ack-rrsa-<clusterId>)');
    }
  }
  const endpoint = (key: string): string | undefined => text(key, HOST_RE, 'a lowercase host name without scheme, port or path, such as "kms-vpc.cn-hangzhou.aliyuncs.com"', false);
  const stsEndpoint = endpoint('stsEndpoint');
  const kmsEndpoint = endpoint('kmsEndpoint');
  const oosEndpoint = endpoint('oosEndpoint');
  const kmsCaPem = text('kmsCaPem', /-----BEGIN CERTIFICATE-----/, 'a PEM certificate bundle', false);
  const tokenAudience = text('tokenAudience', /^\S+$/, 'a token audience without spaces', false) ?? SETTING_DEFAULTS.tokenAudience;
  const tokenExpirationSeconds = integer('tokenExpirationSeconds', TOKEN_EXPIRATION_RANGE[0], TOKEN_EXPIRATION_RANGE[1], SETTING_DEFAULTS.tokenExpirationSeconds);
  const nativeSidecar = oneOf('nativeSidecar', NATIVE_SIDECAR_MODES, SETTING_DEFAULTS.nativeSidecar);
  const serverVersion = text('serverVersion', VERSION_RE, 'a Kubernetes version such as "v1.30.1"', false);
  const healthPort = integer('healthPort', 1024, 65535, SETTING_DEFAULTS.healthPort);

  // 2. Durations, and the floor must not exceed the default.
  const defaultRefreshIntervalSeconds = duration('defaultRefreshInterval', SETTING_DEFAULTS.defaultRefreshInterval);
  const minRefreshIntervalSeconds = duration('minRefreshInterval', SETTING_DEFAULTS.minRefreshInterval);
  if (defaultRefreshIntervalSeconds < minRefreshIntervalSeconds) {
    p.push(`settings.defaultRefreshInterval: ${formatSeconds(defaultRefreshIntervalSeconds)} is below settings.minRefreshInterval ${formatSeconds(minRefreshIntervalSeconds)}`);
  }

  // 3. The command prefix.
  let injectorCommand: readonly string[] = SETTING_DEFAULTS.injectorCommand;
  if (doc.injectorCommand !== undefined) {
    const v = doc.injectorCommand;
    if (!Array.isArray(v) || v.length === 0 || !v.every((s) => typeof s === 'string' && s !== '')) {
      p.push(`settings.injectorCommand: invalid value ${JSON.stringify(v)}; expected a non-empty list of non-empty strings, e.g. ["/nodejs/bin/node", "/app/dist/cli.mjs"]`);
    } else injectorCommand = v as string[];
  }

  // 4. fileMode: an integer (0o440 written in YAML as 0o440 or 288) or an octal string "0440".
  let fileMode: number = SETTING_DEFAULTS.fileMode;
  if (doc.fileMode !== undefined) {
    const v = doc.fileMode;
    const n = typeof v === 'string' && /^0?[0-7]{3}$/.test(v) ? parseInt(v, 8) : typeof v === 'number' ? v : NaN;
    if (!Number.isInteger(n) || n < 0 || n > 0o777 || (n & 0o444) === 0) {
      p.push(`settings.fileMode: invalid value ${JSON.stringify(v)}; expected an octal mode string such as "0440" (or the number 288) that grants read to someone`);
    } else fileMode = n;
  }

  // 5. Resources: four quantities, requests not above limits.
  const resources: ResourceSettings = structuredClone(SETTING_DEFAULTS.resources) as ResourceSettings;
  if (doc.resources !== undefined) {
    const r = doc.resources;
    if (!isObject(r)) p.push(`settings.resources: expected {requests: {cpu, memory}, limits: {cpu, memory}}, got ${JSON.stringify(r)}`);
    else {
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
    }
  }

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
    ...(accountId === undefined ? {} : { accountId }),
    ...(clusterId === undefined ? {} : { clusterId }),
    ...(stsEndpoint === undefined ? {} : { stsEndpoint }),
    ...(kmsEndpoint === undefined ? {} : { kmsEndpoint }),
    ...(oosEndpoint === undefined ? {} : { oosEndpoint }),
    ...(kmsCaPem === undefined ? {} : { kmsCaPem }),
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
