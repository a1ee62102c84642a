/**
 * The injector config: the one document the webhook hands to the injector containers (in the
 * `SECRET_INJECTOR_CONFIG` environment variable). The webhook builds it with
 * `encodeInjectorConfig`; `init`/`agent` read it with `parseInjectorConfig`. It is versioned and
 * validated on both sides so a webhook and an injector image of different releases fail loudly
 * instead of misreading each other.
 *
 * It NAMES secrets and credentials; it never holds a secret value, a token or a key. AccessKey
 * credentials arrive as files (a Secret volume mounted only into the injector containers).
 */
import { ErrorCode, InjectorError } from '../common/errors.ts';
import type { DataSource, ReplaceRule } from './crd-types.ts';

export const INJECTOR_CONFIG_ENV = 'SECRET_INJECTOR_CONFIG';
export const INJECTOR_CONFIG_VERSION = 1;

/** RRSA: the pod's projected token → STS AssumeRoleWithOIDC, optionally chained to a remote role. */
export interface RrsaProfile {
  id: string;
  kind: 'rrsa';
  roleArn: string;
  oidcProviderArn: string;
  roleSessionName: string;
  /** STS DurationSeconds (900..43200); omitted → STS default (3600). */
  durationSeconds?: number;
  remoteRoleArn?: string;
  remoteRoleSessionName?: string;
}

/** AccessKey pair read from files (a mounted Secret), optionally AssumeRole'd, optionally chained. */
export interface AccessKeyProfile {
  id: string;
  kind: 'accessKey';
  accessKeyIdFile: string;
  accessKeySecretFile: string;
  roleArn?: string;
  roleSessionName?: string;
  remoteRoleArn?: string;
  remoteRoleSessionName?: string;
}

/**
 * The node's ECS RAM role from the instance metadata service (upstream `enableWorkerRole`); only
 * planned when the webhook setting enables it. Weakest isolation: every pod on the node shares it.
 */
export interface EcsRoleProfile {
  id: string;
  kind: 'ecsRole';
  remoteRoleArn?: string;
  remoteRoleSessionName?: string;
}

export type CredentialProfile = RrsaProfile | AccessKeyProfile | EcsRoleProfile;

/** A data source as the injector needs it: the CRD shape, with the store reference resolved to a profile id. */
export interface PlannedDataSource extends Omit<DataSource, 'secretStoreRef'> {
  profile: string;
}

export interface PlannedDataProcess {
  extract?: PlannedDataSource;
  replaceRule?: ReplaceRule[];
}

/** One ExternalSecret: its files go to `<mountPath>/<name>/`. */
export interface PlannedExternalSecret {
  name: string;
  provider: 'kms' | 'oos';
  data: PlannedDataSource[];
  dataProcess: PlannedDataProcess[];
  /** This ExternalSecret's own refresh interval (`spec.rotationInterval`); absent → config.refreshIntervalSeconds. */
  refreshIntervalSeconds?: number;
  /** `spec.target.template`, when set (docs/templates.md). */
  template?: PlannedTemplate;
}

/** One ConfigMap/Secret item used as a template. */
export interface PlannedTemplateItem {
  key: string;
  templateAs: 'Values' | 'KeysAndValues';
}

/**
 * A `templateFrom[]` entry with target Data. ConfigMap and Secret templates are read from
 * `<templatesPath>/<configMap|secret>/<name>/<key>` (volumes the webhook mounts into the injector
 * containers only); the webhook never reads them.
 */
export type PlannedTemplateFrom =
  | { literal: string }
  | { configMap: { name: string; items: PlannedTemplateItem[] } }
  | { secret: { name: string; items: PlannedTemplateItem[] } };

export interface PlannedTemplate {
  mergePolicy: 'Replace' | 'Merge';
  /** Inline templates: file name → template text. */
  data: Record<string, string>;
  templateFrom: PlannedTemplateFrom[];
}

export interface InjectorConfig {
  version: typeof INJECTOR_CONFIG_VERSION;
  /** Where the pod lives; for logs and STS session names only. */
  pod: { namespace: string; serviceAccount: string };
  region: string;
  /** Where the shared tmpfs is mounted inside the injector containers. */
  mountPath: string;
  /** The projected ServiceAccount token file (re-read for every STS call). */
  tokenPath: string;
  refreshIntervalSeconds: number;
  /** Mode of the visible files, e.g. 0o440 (288). */
  fileMode: number;
  /** Optional owning group for the files (fsGroup-style), so a non-root app user can read them. */
  fileGid?: number;
  /** Host names (no scheme, no port) from the settings; empty → the `*-vpc.<region>` default. */
  endpoints: { sts?: string; kms?: string; oos?: string };
  /** PEM CA for dedicated KMS instance endpoints (`<id>.cryptoservice.kms.aliyuncs.com`); public data. */
  kmsCaPem?: string;
  /** Per dedicated instance host → PEM CA (settings.kmsInstanceCAs resolved by the webhook); wins over kmsCaPem. */
  kmsInstanceCas?: Record<string, string>;
  /**
   * After this many consecutive refreshes in which every entry of an ExternalSecret failed because
   * its source is gone for good (not found, access denied), its files are removed. Absent: never.
   */
  cleanupAfterFailures?: number;
  /** Upstream's jmesPath fallback: a path that yields nothing writes the raw value (default: the entry fails). */
  jmesPathRawFallback?: boolean;
  /** PEM CA bundle trusted in addition to the system roots for every cloud call; public data. */
  extraCaPem?: string;
  profiles: CredentialProfile[];
  externalSecrets: PlannedExternalSecret[];
  /** Where ConfigMap/Secret template volumes are mounted (set when an ExternalSecret uses them). */
  templatesPath?: string;
  /** Agent-only: localhost port of the health/metrics endpoint (also serves the startup probe). */
  healthPort: number;
  /**
   * Agent-only: also serve the metrics that name cloud resources (secret_version_info: secret and
   * parameter names, version ids) on the health port. Absent → not served (the port is on the pod IP).
   */
  namedMetrics?: boolean;
  /** Agent-only: tell the application after a refresh that changed files (issue: notify on change). */
  notify?: NotifyConfig;
  /**
   * Init-only: how long `init` keeps retrying throttled and other transient failures before it
   * gives up (seconds, 1-3600). Absent → 600 (injector/init-command.ts DEFAULT_BUDGET_SECONDS).
   */
  initBudgetSeconds?: number;
  /**
   * The init → agent handoff file (injector/handoff.ts), in a volume only the injector containers
   * mount. Absent → no handoff: the agent exchanges the token itself and refreshes at start.
   */
  handoffPath?: string;
  /**
   * Spread this pod's refresh times and STS renewals over the interval by a random phase
   * (injector/agent-loop.ts). Absent → true; false only reproduces the old schedule (benchmarks).
   */
  refreshPhaseSpread?: boolean;
}

/** How the agent tells the app that files changed: an HTTP call on localhost and/or a signal. */
export interface NotifyConfig {
  /** POST (or `method`) to this URL; must be http://127.0.0.1 or http://localhost. */
  http?: { url: string; method?: 'POST' | 'PUT' | 'GET' };
  /** Send `signal` to the main process of `container` (needs shareProcessNamespace). */
  signal?: { container: string; signal: string };
}

const SECRET_KEY_RE = /^[-._a-zA-Z0-9]+$/;
const HOST_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/i;

type Problems = string[];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function str(p: Problems, o: Record<string, unknown>, field: string, path: string, required: boolean): void {
  const v = o[field];
  if (v === undefined && !required) return;
  if (typeof v !== 'string' || v === '') p.push(`${path}.${field}: expected a non-empty string, got ${JSON.stringify(v)}`);
}
function int(p: Problems, o: Record<string, unknown>, field: string, path: string, min: number, max: number, required: boolean): void {
  const v = o[field];
  if (v === undefined && !required) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    p.push(`${path}.${field}: expected an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }
}

function checkSource(p: Problems, s: unknown, path: string, profileIds: Set<string>): void {
  if (!isObject(s)) { p.push(`${path}: expected an object`); return; }
  str(p, s, 'key', path, true);
  for (const f of ['name', 'versionStage', 'versionId', 'kmsEndpoint']) str(p, s, f, path, false);
  if (typeof s.profile !== 'string' || !profileIds.has(s.profile)) {
    p.push(`${path}.profile: expected one of [${[...profileIds].join(', ')}], got ${JSON.stringify(s.profile)}`);
  }
  if (s.jmesPath !== undefined) {
    if (!Array.isArray(s.jmesPath)) p.push(`${path}.jmesPath: expected an array`);
    else s.jmesPath.forEach((j, i) => {
      if (!isObject(j) || typeof j.path !== 'string') p.push(`${path}.jmesPath[${i}].path: expected a string`);
      else if (j.objectAlias !== undefined && typeof j.objectAlias !== 'string') p.push(`${path}.jmesPath[${i}].objectAlias: expected a string`);
    });
  }
}

function checkTemplateItems(p: Problems, ref: unknown, path: string): void {
  if (!isObject(ref) || typeof ref.name !== 'string' || !Array.isArray(ref.items)) { p.push(`${path}: expected {name, items[]}`); return; }
  ref.items.forEach((it, i) => {
    if (!isObject(it) || typeof it.key !== 'string' || !SECRET_KEY_RE.test(it.key)) p.push(`${path}.items[${i}].key: expected a Secret key`);
    else if (it.templateAs !== 'Values' && it.templateAs !== 'KeysAndValues') p.push(`${path}.items[${i}].templateAs: expected "Values" or "KeysAndValues"`);
  });
}

function checkTemplate(p: Problems, t: unknown, path: string): void {
  if (!isObject(t)) { p.push(`${path}: expected an object`); return; }
  if (t.mergePolicy !== 'Replace' && t.mergePolicy !== 'Merge') p.push(`${path}.mergePolicy: expected "Replace" or "Merge"`);
  if (!isObject(t.data) || Object.values(t.data).some((v) => typeof v !== 'string')) p.push(`${path}.data: expected a map of strings`);
  if (!Array.isArray(t.templateFrom)) { p.push(`${path}.templateFrom: expected an array`); return; }
  t.templateFrom.forEach((f, i) => {
    const where = `${path}.templateFrom[${i}]`;
    if (!isObject(f)) p.push(`${where}: expected an object`);
    else if (typeof f.literal === 'string') return;
    else if (f.configMap !== undefined) checkTemplateItems(p, f.configMap, `${where}.configMap`);
    else if (f.secret !== undefined) checkTemplateItems(p, f.secret, `${where}.secret`);
    else p.push(`${where}: expected literal, configMap or secret`);
  });
}

/** Every problem with `doc` as an injector config; empty when valid. */
export function validateInjectorConfig(doc: unknown): string[] {
  const p: Problems = [];
  if (!isObject(doc)) return ['config: expected a JSON object'];
  if (doc.version !== INJECTOR_CONFIG_VERSION) {
    p.push(`config.version: expected ${INJECTOR_CONFIG_VERSION}, got ${JSON.stringify(doc.version)} (webhook and injector image from different releases?)`);
  }
  if (!isObject(doc.pod)) p.push('config.pod: expected an object');
  else { str(p, doc.pod, 'namespace', 'config.pod', true); str(p, doc.pod, 'serviceAccount', 'config.pod', true); }
  str(p, doc, 'region', 'config', true);
  for (const f of ['mountPath', 'tokenPath']) {
    str(p, doc, f, 'config', true);
    if (typeof doc[f] === 'string' && !(doc[f] as string).startsWith('/')) p.push(`config.${f}: expected an absolute path, got ${JSON.stringify(doc[f])}`);
  }
  int(p, doc, 'refreshIntervalSeconds', 'config', 1, 86400 * 7, true);
  int(p, doc, 'fileMode', 'config', 0, 0o777, true);
  int(p, doc, 'fileGid', 'config', 0, 2 ** 31 - 1, false);
  int(p, doc, 'healthPort', 'config', 0, 65535, true);
  if (doc.namedMetrics !== undefined && typeof doc.namedMetrics !== 'boolean') p.push(`config.namedMetrics: expected a boolean, got ${JSON.stringify(doc.namedMetrics)}`);
  str(p, doc, 'kmsCaPem', 'config', false);
  int(p, doc, 'cleanupAfterFailures', 'config', 1, 100_000, false);
  if (doc.jmesPathRawFallback !== undefined && typeof doc.jmesPathRawFallback !== 'boolean') p.push(`config.jmesPathRawFallback: expected a boolean, got ${JSON.stringify(doc.jmesPathRawFallback)}`);
  if (doc.kmsInstanceCas !== undefined) {
    if (!isObject(doc.kmsInstanceCas)) p.push('config.kmsInstanceCas: expected an object of host → PEM');
    else for (const [host, pem] of Object.entries(doc.kmsInstanceCas)) {
      if (!HOST_RE.test(host) || typeof pem !== 'string' || pem === '') p.push(`config.kmsInstanceCas.${host}: expected a host name key and a PEM string value`);
    }
  }
  str(p, doc, 'templatesPath', 'config', false);
  if (typeof doc.templatesPath === 'string' && !doc.templatesPath.startsWith('/')) p.push(`config.templatesPath: expected an absolute path, got ${JSON.stringify(doc.templatesPath)}`);
  str(p, doc, 'extraCaPem', 'config', false);
  int(p, doc, 'initBudgetSeconds', 'config', 1, 3600, false);
  str(p, doc, 'handoffPath', 'config', false);
  if (typeof doc.handoffPath === 'string' && !doc.handoffPath.startsWith('/')) p.push(`config.handoffPath: expected an absolute path, got ${JSON.stringify(doc.handoffPath)}`);
  if (doc.refreshPhaseSpread !== undefined && typeof doc.refreshPhaseSpread !== 'boolean') p.push(`config.refreshPhaseSpread: expected a boolean, got ${JSON.stringify(doc.refreshPhaseSpread)}`);
  if (doc.notify !== undefined) {
    if (!isObject(doc.notify)) p.push('config.notify: expected an object');
    else {
      const { http, signal } = doc.notify;
      if (http !== undefined && (!isObject(http) || typeof http.url !== 'string' || !/^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(http.url))) {
        p.push(`config.notify.http.url: expected http://127.0.0.1[:port]/path or http://localhost[:port]/path, got ${JSON.stringify(isObject(http) ? http.url : http)}`);
      }
      if (signal !== undefined && (!isObject(signal) || typeof signal.container !== 'string' || typeof signal.signal !== 'string' || !/^SIG[A-Z0-9]+$/.test(signal.signal))) {
        p.push('config.notify.signal: expected {container: string, signal: "SIGHUP"|"SIGUSR1"|...}');
      }
    }
  }
  if (!isObject(doc.endpoints)) p.push('config.endpoints: expected an object');
  else for (const f of ['sts', 'kms', 'oos']) {
    const v = doc.endpoints[f];
    if (v !== undefined && (typeof v !== 'string' || !HOST_RE.test(v))) p.push(`config.endpoints.${f}: expected a host name without scheme or port, got ${JSON.stringify(v)}`);
  }
  const ids = new Set<string>();
  if (!Array.isArray(doc.profiles) || doc.profiles.length === 0) p.push('config.profiles: expected a non-empty array');
  else doc.profiles.forEach((pr, i) => {
    const path = `config.profiles[${i}]`;
    if (!isObject(pr)) { p.push(`${path}: expected an object`); return; }
    str(p, pr, 'id', path, true);
    if (typeof pr.id === 'string') {
      if (ids.has(pr.id)) p.push(`${path}.id: duplicate ${JSON.stringify(pr.id)}`);
      ids.add(pr.id);
    }
    if (pr.kind === 'rrsa') {
      for (const f of ['roleArn', 'oidcProviderArn', 'roleSessionName']) str(p, pr, f, path, true);
      int(p, pr, 'durationSeconds', path, 900, 43200, false);
    } else if (pr.kind === 'accessKey') {
      for (const f of ['accessKeyIdFile', 'accessKeySecretFile']) str(p, pr, f, path, true);
      for (const f of ['roleArn', 'roleSessionName']) str(p, pr, f, path, false);
    } else if (pr.kind !== 'ecsRole') {
      p.push(`${path}.kind: expected "rrsa", "accessKey" or "ecsRole", got ${JSON.stringify(pr.kind)}`);
    }
    for (const f of ['remoteRoleArn', 'remoteRoleSessionName']) str(p, pr, f, path, false);
  });
  if (!Array.isArray(doc.externalSecrets) || doc.externalSecrets.length === 0) p.push('config.externalSecrets: expected a non-empty array');
  else {
    const names = new Set<string>();
    doc.externalSecrets.forEach((es, i) => {
      const path = `config.externalSecrets[${i}]`;
      if (!isObject(es)) { p.push(`${path}: expected an object`); return; }
      if (typeof es.name !== 'string' || !SECRET_KEY_RE.test(es.name) || es.name === '.' || es.name === '..' || es.name.startsWith('..')) {
        p.push(`${path}.name: expected a folder-safe name ([-._a-zA-Z0-9]+, not starting with ".."), got ${JSON.stringify(es.name)}`);
      } else if (names.has(es.name)) p.push(`${path}.name: duplicate ${JSON.stringify(es.name)}`);
      else names.add(es.name);
      if (es.provider !== 'kms' && es.provider !== 'oos') p.push(`${path}.provider: expected "kms" or "oos", got ${JSON.stringify(es.provider)}`);
      int(p, es, 'refreshIntervalSeconds', path, 1, 86400 * 7, false);
      if (!Array.isArray(es.data)) p.push(`${path}.data: expected an array`);
      else es.data.forEach((d, j) => checkSource(p, d, `${path}.data[${j}]`, ids));
      if (es.template !== undefined) checkTemplate(p, es.template, `${path}.template`);
      if (!Array.isArray(es.dataProcess)) p.push(`${path}.dataProcess: expected an array`);
      else es.dataProcess.forEach((d, j) => {
        const dp = `${path}.dataProcess[${j}]`;
        if (!isObject(d)) { p.push(`${dp}: expected an object`); return; }
        if (d.extract !== undefined) checkSource(p, d.extract, `${dp}.extract`, ids);
        if (d.replaceRule !== undefined) {
          if (!Array.isArray(d.replaceRule)) p.push(`${dp}.replaceRule: expected an array`);
          else d.replaceRule.forEach((r, k) => {
            if (!isObject(r) || typeof r.source !== 'string' || typeof r.target !== 'string') {
              p.push(`${dp}.replaceRule[${k}]: expected {source: string, target: string}`);
            }
          });
        }
      });
    });
  }
  return p;
}

/** Parses and validates the config text; throws E_CONFIG listing every problem. Returns a frozen copy. */
export function parseInjectorConfig(text: string | undefined): Readonly<InjectorConfig> {
  if (text === undefined || text === '') {
    throw new InjectorError(ErrorCode.CONFIG, `${INJECTOR_CONFIG_ENV} is not set; this container must be created by the ack-secret-injector webhook`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new InjectorError(ErrorCode.CONFIG, `${INJECTOR_CONFIG_ENV} is not valid JSON: ${(err as Error).message}`);
  }
  const problems = validateInjectorConfig(doc);
  if (problems.length > 0) {
    throw new InjectorError(ErrorCode.CONFIG, `invalid injector config:\n  - ${problems.join('\n  - ')}`);
  }
  return deepFreeze(doc as InjectorConfig);
}

/** Serialises a config for the environment variable, validating first so the webhook never emits a bad one. */
export function encodeInjectorConfig(config: InjectorConfig): string {
  const problems = validateInjectorConfig(config);
  if (problems.length > 0) {
    throw new InjectorError(ErrorCode.CONFIG, `webhook built an invalid injector config:\n  - ${problems.join('\n  - ')}`);
  }
  return JSON.stringify(config);
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const child of Object.values(v)) deepFreeze(child);
    Object.freeze(v);
  }
  return v;
}
