/**
 * The VALUES.json of `ack-secret-injector render`: secret values from a file instead of KMS and
 * OOS, so users can preview what a pod will see and tests can drive the rule engine offline.
 *
 * ```json
 * {
 *   "kms": {
 *     "plain":  "text",
 *     "one":    {"data": "...", "dataType": "text|binary", "versionId": "v1", "versionStages": ["ACSCurrent"]},
 *     "many":   [{"data": "old", "versionId": "v1", "versionStages": ["ACSPrevious"]},
 *                {"data": "new", "versionId": "v2", "versionStages": ["ACSCurrent"]}]
 *   },
 *   "oos": {"/app/db-password": "text", "/app/token": ["v1 text", "v2 text"]},
 *   "configMaps": {"app-config-templates": {"database-config": "host={{ .host }}"}},
 *   "secrets": {"secure-templates": {"connection-string": "{{ .user }}@{{ .host }}"}}
 * }
 * ```
 *
 * An OOS list holds the parameter's versions 1, 2, … in order; the last is what a read without
 * `versionId` returns (OOS GetSecretParameter without `ParameterVersion`).
 * `configMaps` and `secrets` hold the ConfigMap/Secret templates that `templateFrom` names
 * (object name → key → template text), what the pod's injector reads from its mounted volumes.
 *
 * Version selection follows KMS GetSecretValue: `versionId` if given (and then `versionStage`
 * must also label that version when both are given), else `versionStage`, else `ACSCurrent`. A
 * single version without `versionStages` is `ACSCurrent`. Binary data is base64 in the file and
 * comes out as bytes. What is missing fails like the real services do (KMS
 * `Forbidden.ResourceNotFound`, OOS `EntityNotExists.Parameter`; shared/reference/
 * alibaba-cloud-apis.md), as a non-retryable E_PROVIDER error for that entry only.
 */
import { ErrorCode, InjectorError } from '../common/errors.ts';
import { fetchId, type FetchedValue, type FetchRequest, type FetchResults } from './rules/fetch-types.ts';
import { templateSourceId } from './rules/templates.ts';

/** The stage KMS reads when neither VersionId nor VersionStage is given (KMS GetSecretValue doc). */
export const DEFAULT_VERSION_STAGE = 'ACSCurrent';

interface KmsVersion {
  data: string | Uint8Array;
  dataType: 'text' | 'binary';
  versionId?: string;
  versionStages: string[];
}

/** Parsed values: KMS secrets by name (each a list of versions) and OOS parameters by name. */
export interface Values {
  kms: ReadonlyMap<string, readonly KmsVersion[]>;
  oos: ReadonlyMap<string, readonly string[]>;
  /** Template texts by `configMap/<name>/<key>` and `secret/<name>/<key>` (rules/templates.ts). */
  templates: ReadonlyMap<string, string>;
}

/** Reads a `configMaps`/`secrets` section: object name → key → template text. */
function parseTemplateObjects(doc: Record<string, unknown>, field: 'configMaps' | 'secrets', out: Map<string, string>, problems: string[]): void {
  const section = doc[field];
  if (section === undefined) return;
  if (!isObject(section)) { problems.push(`${field}: expected an object of name → {key: template}`); return; }
  for (const [name, keys] of Object.entries(section)) {
    if (!isObject(keys)) { problems.push(`${field}[${JSON.stringify(name)}]: expected an object of key → template text`); continue; }
    for (const [key, text] of Object.entries(keys)) {
      if (typeof text !== 'string') problems.push(`${field}[${JSON.stringify(name)}][${JSON.stringify(key)}]: expected a string`);
      else out.set(templateSourceId(field === 'configMaps' ? 'configMap' : 'secret', name, key), text);
    }
  }
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseVersion(v: unknown, path: string, single: boolean, problems: string[]): KmsVersion | undefined {
  if (typeof v === 'string') return { data: v, dataType: 'text', versionStages: [DEFAULT_VERSION_STAGE] };
  if (!isObject(v)) {
    problems.push(`${path}: expected a string or {data, dataType?, versionId?, versionStages?}, got ${Array.isArray(v) ? 'an array' : JSON.stringify(v)}`);
    return undefined;
  }
  for (const k of Object.keys(v)) {
    if (!['data', 'dataType', 'versionId', 'versionStages'].includes(k)) problems.push(`${path}.${k}: unknown field; accepted: data, dataType, versionId, versionStages`);
  }
  const dataType = v.dataType ?? 'text';
  if (dataType !== 'text' && dataType !== 'binary') problems.push(`${path}.dataType: expected "text" or "binary", got ${JSON.stringify(v.dataType)}`);
  if (typeof v.data !== 'string') {
    problems.push(`${path}.data: expected a string, got ${v.data === undefined ? 'nothing' : typeof v.data}`);
    return undefined;
  }
  if (v.versionId !== undefined && (typeof v.versionId !== 'string' || v.versionId === '')) problems.push(`${path}.versionId: expected a non-empty string, got ${JSON.stringify(v.versionId)}`);
  let stages: string[] = single ? [DEFAULT_VERSION_STAGE] : [];
  if (v.versionStages !== undefined) {
    if (!Array.isArray(v.versionStages) || v.versionStages.some((s) => typeof s !== 'string' || s === '')) {
      problems.push(`${path}.versionStages: expected an array of non-empty strings, got ${JSON.stringify(v.versionStages)}`);
    } else stages = v.versionStages as string[];
  }
  let data: string | Uint8Array = v.data;
  if (dataType === 'binary') {
    // Never echo the value: only its length.
    if (!BASE64.test(v.data)) problems.push(`${path}.data: dataType "binary" needs standard base64 (RFC 4648, padded); got ${v.data.length} characters that are not`);
    else data = new Uint8Array(Buffer.from(v.data, 'base64'));
  }
  const out: KmsVersion = { data, dataType: dataType === 'binary' ? 'binary' : 'text', versionStages: stages };
  if (typeof v.versionId === 'string' && v.versionId !== '') out.versionId = v.versionId;
  return out;
}

/** Parses and validates VALUES.json text; throws E_INPUT listing every problem (never a value). */
export function parseValuesFile(text: string, source: string): Values {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new InjectorError(ErrorCode.INPUT, `${source}: not valid JSON (${(err as Error).message.replace(/ in JSON at .*$/, '')})`);
  }
  const problems: string[] = [];
  const kms = new Map<string, KmsVersion[]>();
  const oos = new Map<string, string[]>();
  if (!isObject(doc)) throw new InjectorError(ErrorCode.INPUT, `${source}: expected a JSON object {"kms": {...}, "oos": {...}}`);
  for (const k of Object.keys(doc)) if (!['kms', 'oos', 'configMaps', 'secrets'].includes(k)) problems.push(`${k}: unknown field; accepted: kms, oos, configMaps, secrets`);
  const templates = new Map<string, string>();
  parseTemplateObjects(doc, 'configMaps', templates, problems);
  parseTemplateObjects(doc, 'secrets', templates, problems);
  if (doc.kms !== undefined) {
    if (!isObject(doc.kms)) problems.push('kms: expected an object of secret name → value');
    else for (const [name, entry] of Object.entries(doc.kms)) {
      const path = `kms[${JSON.stringify(name)}]`;
      const list = Array.isArray(entry) ? entry : [entry];
      if (Array.isArray(entry) && entry.length === 0) { problems.push(`${path}: expected at least one version`); continue; }
      const versions = list.map((v, i) => parseVersion(v, Array.isArray(entry) ? `${path}[${i}]` : path, !Array.isArray(entry), problems))
        .filter((v): v is KmsVersion => v !== undefined);
      const ids = new Set<string>();
      const stages = new Set<string>();
      for (const v of versions) {
        if (v.versionId !== undefined) {
          if (ids.has(v.versionId)) problems.push(`${path}: versionId ${JSON.stringify(v.versionId)} appears twice`);
          ids.add(v.versionId);
        }
        for (const s of v.versionStages) {
          if (stages.has(s)) problems.push(`${path}: versionStage ${JSON.stringify(s)} labels two versions`);
          stages.add(s);
        }
      }
      kms.set(name, versions);
    }
  }
  if (doc.oos !== undefined) {
    if (!isObject(doc.oos)) problems.push('oos: expected an object of parameter name → text (or a list of version texts)');
    else for (const [name, value] of Object.entries(doc.oos)) {
      const list = Array.isArray(value) ? value : [value];
      if (list.length === 0 || list.length > 100 || !list.every((v) => typeof v === 'string')) problems.push(`oos[${JSON.stringify(name)}]: expected a string or a list of 1-100 strings (versions 1, 2, …), got ${value === null ? 'null' : Array.isArray(value) ? 'a list with non-strings' : typeof value}`);
      else oos.set(name, list as string[]);
    }
  }
  if (problems.length > 0) throw new InjectorError(ErrorCode.INPUT, `${source}: invalid values file:\n  - ${problems.join('\n  - ')}`);
  return { kms, oos, templates };
}

function notFound(code: string, message: string): InjectorError {
  return new InjectorError(ErrorCode.PROVIDER, `${code}: ${message}`, { retryable: false, detail: { providerCode: code } });
}

/** What KMS GetSecretValue / OOS GetSecretParameter would return for `req`, from the values. */
export function lookupValue(values: Values, req: FetchRequest): FetchedValue | InjectorError {
  if (req.provider === 'oos') {
    const versions = values.oos.get(req.key);
    if (versions === undefined) return notFound('EntityNotExists.Parameter', `OOS parameter ${JSON.stringify(req.key)} does not exist in the values file`);
    const n = req.versionId === undefined ? versions.length : Number(req.versionId);
    const v = Number.isInteger(n) ? versions[n - 1] : undefined;
    if (v === undefined) return notFound('EntityNotExists.ParameterVersion', `OOS parameter ${JSON.stringify(req.key)} has no version ${JSON.stringify(req.versionId)} in the values file`);
    return { data: v, dataType: 'text', versionId: String(n) };
  }
  const versions = values.kms.get(req.key);
  if (versions === undefined) return notFound('Forbidden.ResourceNotFound', `KMS secret ${JSON.stringify(req.key)} does not exist in the values file`);
  let chosen: KmsVersion | undefined;
  if (req.versionId !== undefined) {
    chosen = versions.find((v) => v.versionId === req.versionId);
    if (chosen !== undefined && req.versionStage !== undefined && !chosen.versionStages.includes(req.versionStage)) chosen = undefined;
  } else {
    const stage = req.versionStage ?? DEFAULT_VERSION_STAGE;
    chosen = versions.find((v) => v.versionStages.includes(stage));
  }
  if (chosen === undefined) {
    const which = [req.versionId === undefined ? '' : `versionId ${JSON.stringify(req.versionId)}`, `versionStage ${JSON.stringify(req.versionStage ?? (req.versionId === undefined ? DEFAULT_VERSION_STAGE : ''))}`]
      .filter((s) => s !== '' && !s.endsWith('""')).join(' and ');
    return notFound('Forbidden.ResourceNotFound', `KMS secret ${JSON.stringify(req.key)} has no version with ${which} in the values file`);
  }
  const out: FetchedValue = { data: chosen.data, dataType: chosen.dataType };
  if (chosen.versionId !== undefined) out.versionId = chosen.versionId;
  return out;
}

/** FetchResults for `requests`, filled from the values file (the `render` stand-in for the fetch layer). */
export function fetchResultsFromValues(values: Values, requests: readonly FetchRequest[]): FetchResults {
  const results = new Map<string, FetchedValue | InjectorError>();
  for (const r of requests) results.set(fetchId(r), lookupValue(values, r));
  return results;
}
