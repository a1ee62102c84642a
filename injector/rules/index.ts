/**
 * The rule engine: a pure function from fetched values to the file set of one ExternalSecret,
 * with ack-secret-manager 0.6.x semantics (docs/rules.md). The shell around it (fetching with
 * credentials, writing with the atomic writer, `render` with a values file) calls two functions:
 *
 * - `listFetches(es)` — what to fetch;
 * - `applyRules(es, results)` — the files, plus one failure per entry that could not be applied.
 *
 * Output order follows upstream: `data[]` entries in order, then `dataProcess[]` entries in
 * order; a later entry overwrites an earlier one's key (reference §2.1).
 */
import { ErrorCode, InjectorError, type ErrorCode as ErrorCodeType } from '../../common/errors.ts';
import type { PlannedDataSource, PlannedExternalSecret } from '../../contract/injector-config-schema.ts';
import { fetchId, type FetchedValue, type FetchRequest, type FetchResults } from './fetch-types.ts';
import { applyExtract } from './extract.ts';
import { runJmesPaths } from './jmes-path.ts';
import { secretKeyProblem } from './secret-key.ts';
import type { TemplateCache } from './template-cache.ts';
import { applyTemplates, type TemplateSources } from './templates.ts';

export { isValidSecretKey, secretKeyProblem } from './secret-key.ts';
export { templateSourceId, type TemplateSources } from './templates.ts';

/** One entry (or one produced key) that produced no file. `message` never contains a secret value. */
export interface RuleFailure {
  externalSecret: string;
  /** The data/extract `key` of the failed entry, or the offending target key for an invalid key. */
  key: string;
  code: ErrorCodeType;
  message: string;
  /**
   * Which spec entry failed, e.g. `data[2]` or `dataProcess[0]` (for keepLastGood and logs).
   * Always set by applyRules; optional so callers can report their own failures (e.g. a write).
   */
  entry?: string;
  /** `entry`: the whole entry produced nothing; `key`: only this invalid key was dropped. Set by applyRules. */
  scope?: 'entry' | 'key';
}

/**
 * The fetch a data source needs. For OOS `versionId` is the parameter version (GetSecretParameter
 * `ParameterVersion`; upstream drops it, issue 17 honours it); stages and KMS endpoints do not
 * apply to OOS, so they are left out and equal parameters share one fetch.
 */
export function fetchRequestFor(es: PlannedExternalSecret, source: PlannedDataSource): FetchRequest {
  const r: FetchRequest = { provider: es.provider, key: source.key, profile: source.profile };
  if (es.provider === 'oos' && source.versionId !== undefined && source.versionId !== '') r.versionId = source.versionId;
  if (es.provider === 'kms') {
    if (source.versionId !== undefined && source.versionId !== '') r.versionId = source.versionId;
    if (source.versionStage !== undefined && source.versionStage !== '') r.versionStage = source.versionStage;
    if (source.kmsEndpoint !== undefined && source.kmsEndpoint.trim() !== '') r.kmsEndpoint = source.kmsEndpoint.trim();
  }
  return r;
}

/** Every distinct fetch this ExternalSecret needs (data entries, then dataProcess.extract). */
export function listFetches(es: PlannedExternalSecret): FetchRequest[] {
  const seen = new Map<string, FetchRequest>();
  const sources = [...es.data, ...es.dataProcess.flatMap((p) => (p.extract === undefined ? [] : [p.extract]))];
  for (const s of sources) {
    const r = fetchRequestFor(es, s);
    const id = fetchId(r);
    if (!seen.has(id)) seen.set(id, r);
  }
  return [...seen.values()];
}

const utf8 = new TextEncoder();

/** The fetched value as text, or undefined for bytes that are not UTF-8 (binary secrets). */
function asText(v: FetchedValue): string | undefined {
  if (typeof v.data === 'string') return v.data;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(v.data);
  } catch {
    return undefined;
  }
}
function asBytes(v: FetchedValue): Uint8Array {
  return typeof v.data === 'string' ? utf8.encode(v.data) : v.data;
}

type EntryFailure = Pick<RuleFailure, 'key' | 'code' | 'message'>;
type Lookup = { ok: true; value: FetchedValue } | { ok: false; failure: EntryFailure };

function lookup(es: PlannedExternalSecret, source: PlannedDataSource, results: FetchResults): Lookup {
  const r = results.get(fetchId(fetchRequestFor(es, source)));
  if (r === undefined) {
    return { ok: false, failure: { key: source.key, code: ErrorCode.PROVIDER, message: `${es.provider} ${JSON.stringify(source.key)} was not fetched` } };
  }
  if (r instanceof InjectorError) return { ok: false, failure: { key: source.key, code: r.code, message: r.message } };
  return { ok: true, value: r };
}

/** How the engine treats a jmesPath that yields nothing. */
export interface RuleOptions {
  /**
   * Upstream's fallback (reference §2.2 step 4): when the paths yield nothing, or the value is
   * neither JSON nor YAML, write the RAW value under name/key. Off by default (issue 17): that
   * writes the whole document, password included, where the user asked for one field, so the
   * entry fails instead, naming the path.
   */
  jmesPathRawFallback?: boolean;
  /** Parsed templates kept across refreshes (the agent's; rules/template-cache.ts). */
  templateCache?: TemplateCache;
}

/** The keys one data entry produces (reference §2.1-§2.2), or why the entry fails. */
function dataEntryFiles(source: PlannedDataSource, value: FetchedValue, where: string, options: RuleOptions): Map<string, Uint8Array> | EntryFailure {
  const files = new Map<string, Uint8Array>();
  const name = source.name !== undefined && source.name !== '' ? source.name : source.key;
  const paths = source.jmesPath ?? [];
  if (paths.length > 0) {
    const text = asText(value);
    const outcomes = text === undefined ? undefined : runJmesPaths(text, paths, source.key);
    for (const o of outcomes ?? []) if ('value' in o) files.set(o.key, utf8.encode(o.value));
    if (options.jmesPathRawFallback !== true) {
      const fail = (why: string): EntryFailure => ({ key: source.key, code: ErrorCode.RULE, message: `${where}: ${why}; nothing is written for this entry (settings.jmesPathRawFallback writes the raw value instead, as upstream does)` });
      if (text === undefined) return fail(`jmesPath needs a text value, but ${JSON.stringify(source.key)} is binary`);
      if (outcomes === undefined) return fail(`jmesPath needs JSON or YAML, but the value of ${JSON.stringify(source.key)} is neither`);
      const missed = outcomes.filter((o) => 'skipped' in o);
      if (missed.length > 0) return fail(`jmesPath ${missed.map((o) => `${JSON.stringify(o.path)} (${'skipped' in o ? o.skipped : ''})`).join(', ')} yielded no value in ${JSON.stringify(source.key)}`);
      return files;
    }
    if (files.size > 0) return files;
  }
  files.set(name, asBytes(value));
  return files;
}

/**
 * Applies the ExternalSecret's rules to fetched values. Pure: the same inputs give the same
 * files. Steps:
 * 1. each `data[]` entry: its fetch result (a failed fetch fails only that entry), then name /
 *    jmesPath processing;
 * 2. each `dataProcess[]` entry with an `extract`: decode, top-level keys, replaceRule, aliases;
 * 3. keys that are not valid Secret keys are dropped and reported (they never reach the writer);
 * 4. outputs merge in spec order, later entries overwriting earlier ones;
 * 5. `target.template` (rules/templates.ts) on the result: fail-closed, as ack-secret-manager
 *    0.6.5+ — with any failed entry the templates are not rendered and no files come out.
 */
export function applyRules(es: PlannedExternalSecret, results: FetchResults, templateSources: TemplateSources = new Map(), options: RuleOptions = {}): { files: Map<string, Uint8Array>; failures: RuleFailure[] } {
  const raw = applyRawRules(es, results, options);
  if (es.template === undefined) return raw;
  if (raw.failures.some((f) => f.scope === 'entry')) return { files: new Map(), failures: raw.failures };
  const t = applyTemplates(es, raw.files, templateSources, options.templateCache);
  if ('failed' in t) {
    return { files: new Map(), failures: [...raw.failures, { externalSecret: es.name, key: t.failed.key, code: t.failed.code, message: t.failed.message, entry: 'target.template', scope: 'entry' }] };
  }
  const keyFailures = t.invalidKeys.map((k): RuleFailure => ({ externalSecret: es.name, key: k.key, code: ErrorCode.TEMPLATE, message: k.message, entry: 'target.template', scope: 'key' }));
  return { files: t.files, failures: [...raw.failures, ...keyFailures] };
}

/** Steps 1-4 of applyRules: the raw keys. */
function applyRawRules(es: PlannedExternalSecret, results: FetchResults, options: RuleOptions): { files: Map<string, Uint8Array>; failures: RuleFailure[] } {
  const files = new Map<string, Uint8Array>();
  const failures: RuleFailure[] = [];
  const failEntry = (entry: string, f: EntryFailure): void => { failures.push({ externalSecret: es.name, ...f, entry, scope: 'entry' }); };
  const merge = (produced: Map<string, Uint8Array>, entry: string, where: string, sourceKey: string): void => {
    for (const [k, v] of produced) {
      const problem = secretKeyProblem(k);
      if (problem !== undefined) {
        failures.push({ externalSecret: es.name, key: k, code: ErrorCode.RULE, message: `${where} (${JSON.stringify(sourceKey)}) produced key ${JSON.stringify(k)}, which is not written: ${problem}`, entry, scope: 'key' });
        continue;
      }
      files.set(k, v);
    }
  };
  // 1. data[]
  es.data.forEach((source, i) => {
    const where = `data[${i}]`;
    const got = lookup(es, source, results);
    if (!got.ok) { failEntry(where, { ...got.failure, message: `${where}: ${got.failure.message}` }); return; }
    const produced = dataEntryFiles(source, got.value, where, options);
    if (!(produced instanceof Map)) { failEntry(where, produced); return; }
    merge(produced, where, where, source.key);
  });
  // 2. dataProcess[]
  es.dataProcess.forEach((process, i) => {
    const where = `dataProcess[${i}]`;
    const source = process.extract;
    if (source === undefined) return;
    const got = lookup(es, source, results);
    if (!got.ok) { failEntry(where, { ...got.failure, message: `${where}.extract: ${got.failure.message}` }); return; }
    const text = asText(got.value);
    if (text === undefined) {
      failEntry(where, { key: source.key, code: ErrorCode.RULE, message: `${where}.extract: the value of ${JSON.stringify(source.key)} is binary (not UTF-8), so it cannot be parsed as JSON or YAML` });
      return;
    }
    let produced: Map<string, string>;
    try {
      produced = applyExtract(text, process, where);
    } catch (err) {
      if (err instanceof InjectorError) { failEntry(where, { key: source.key, code: err.code, message: err.message }); return; }
      throw err;
    }
    merge(new Map([...produced].map(([k, v]) => [k, utf8.encode(v)])), where, `${where}.extract`, source.key);
  });
  return { files, failures };
}

/** The keys a `data[]` entry can produce: its jmesPath aliases (or `key`) and its raw-fallback name. */
export function dataEntryKeys(source: PlannedDataSource): string[] {
  const keys = new Set<string>((source.jmesPath ?? []).map((j) => (j.objectAlias ?? '') === '' ? source.key : j.objectAlias!));
  keys.add(source.name !== undefined && source.name !== '' ? source.name : source.key);
  return [...keys];
}

/**
 * ack-secret-manager 0.6.5+ partial-failure merge (reference §4.4), for the agent's refresh:
 * keys produced now are fresh; the keys a failed `data[]` entry could produce keep their previous
 * content; a failed `dataProcess[]` entry (whose keys cannot be known) keeps every previous key
 * not produced now. With no entry failure the new set is returned unchanged. Keys dropped as
 * invalid were never written, so they keep nothing.
 */
export function keepLastGood(es: PlannedExternalSecret, previous: ReadonlyMap<string, Uint8Array>, applied: { files: ReadonlyMap<string, Uint8Array>; failures: readonly RuleFailure[] }): Map<string, Uint8Array> {
  const out = new Map(applied.files);
  const entryFailures = applied.failures.filter((f) => f.scope !== 'key');
  if (entryFailures.length === 0) return out;
  const keep = (k: string): void => {
    const old = previous.get(k);
    if (old !== undefined && !out.has(k)) out.set(k, old);
  };
  for (const f of entryFailures) {
    const m = /^data\[(\d+)\]$/.exec(f.entry ?? '');
    const source = m === null ? undefined : es.data[Number(m[1])];
    if (source !== undefined) dataEntryKeys(source).forEach(keep);
    else for (const k of previous.keys()) keep(k);
  }
  return out;
}
