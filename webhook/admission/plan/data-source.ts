/**
 * One `data[]` entry (or a `dataProcess[].extract`) → the planned source the injector reads: the
 * CRD fields checked and copied, the store reference replaced by a credential profile id, and a
 * per-entry `kmsEndpoint` checked against the SSRF rule (kms-endpoint.ts).
 */
import { describeValue, quote } from '../../../common/excerpt.ts';
import type { PlannedDataSource } from '../../../contract/injector-config-schema.ts';
import type { DataSource } from '../../../contract/crd-types.ts';
import { oosVersionProblem } from '../../../contract/oos-version.ts';
import { secretKeyProblem } from '../../../contract/secret-key.ts';
import { DEDICATED_KMS_HOST_RE } from '../../settings.ts';
import { KMS_ENDPOINT_SYNTAX, isAllowedKmsEndpoint } from '../kms-endpoint.ts';
import { DenialReason } from '../response.ts';
import { deny, type PlanState } from './plan-state.ts';
import { planStoreRef, type Provider } from './store-ref.ts';

/** The planned source; undefined after a denial (every problem of the entry is recorded first). */
export async function planSource(state: PlanState, source: DataSource | undefined, provider: Provider, esName: string, where: string): Promise<PlannedDataSource | undefined> {
  if (typeof source !== 'object' || source === null) { deny(state, DenialReason.INVALID_EXTERNAL_SECRET, `${where}: expected an object`); return undefined; }
  const ok = checkSourceFields(state, source, provider, where);
  const profile = await planStoreRef(state, source, provider, esName, where);
  if (!ok || profile === undefined) return undefined;
  const planned: PlannedDataSource = { key: source.key, profile };
  if (source.name !== undefined && source.name !== '') planned.name = source.name;
  if (source.versionStage !== undefined && source.versionStage !== '') planned.versionStage = source.versionStage;
  if (source.versionId !== undefined && source.versionId !== '') planned.versionId = source.versionId;
  if (source.jmesPath !== undefined && source.jmesPath.length > 0) {
    planned.jmesPath = source.jmesPath.map((j) => (j.objectAlias === undefined ? { path: j.path } : { path: j.path, objectAlias: j.objectAlias }));
  }
  if (provider === 'kms' && source.kmsEndpoint !== undefined && source.kmsEndpoint !== '') planned.kmsEndpoint = source.kmsEndpoint.trim();
  return planned;
}

/** Field shapes of one entry; false when any is wrong (each problem recorded). */
function checkSourceFields(state: PlanState, source: DataSource, provider: Provider, where: string): boolean {
  let ok = true;
  const bad = (message: string, reason: DenialReason = DenialReason.INVALID_EXTERNAL_SECRET): void => { deny(state, reason, message); ok = false; };
  if (typeof source.key !== 'string' || source.key === '') bad(`${where}.key: required; expected the ${provider === 'kms' ? 'KMS secret name' : 'OOS parameter name'}`);
  for (const f of ['name', 'versionStage', 'versionId'] as const) {
    if (source[f] !== undefined && typeof source[f] !== 'string') bad(`${where}.${f}: expected a string`);
  }
  for (const [i, j] of (source.jmesPath ?? []).entries()) {
    if (typeof j?.path !== 'string' || j.path === '') bad(`${where}.jmesPath[${i}].path: required; expected a JMESPath expression`);
    if (j?.objectAlias !== undefined && typeof j.objectAlias !== 'string') bad(`${where}.jmesPath[${i}].objectAlias: expected a string`);
  }
  if (source.kmsEndpoint !== undefined && source.kmsEndpoint !== '') {
    if (provider === 'oos') state.warnings.push(`${where}.kmsEndpoint has no effect: provider oos reads OOS, not KMS`);
    else if (!isAllowedKmsEndpoint(source.kmsEndpoint)) bad(`${where}.kmsEndpoint: invalid value ${describeValue(source.kmsEndpoint)}; expected ${KMS_ENDPOINT_SYNTAX}`, DenialReason.INVALID_KMS_ENDPOINT);
  }
  if (provider === 'kms') checkDedicatedCa(state, source, where, bad);
  if (provider === 'oos') {
    if (typeof source.versionId === 'string' && source.versionId !== '') {
      const problem = oosVersionProblem(source.versionId);
      if (problem !== undefined) bad(`${where}.versionId: ${problem}`);
    }
    if (typeof source.versionStage === 'string' && source.versionStage !== '') state.warnings.push(`${where}.versionStage has no effect: OOS parameters have no version stages (use versionId for a parameter version)`);
  }
  if (!where.endsWith('.extract') && typeof source.key === 'string' && source.key !== '') {
    for (const [file, field] of fileNames(state, source)) {
      const problem = secretKeyProblem(file);
      if (problem !== undefined) bad(`${where}.${field}: the file name would be ${quote(file)}, but ${problem}; ${field === 'key' ? 'set name: to the file name (a secret or parameter name with "/" always needs one)' : 'choose another name'}`);
    }
  }
  return ok;
}

/** The file names a `data[]` entry writes, with the field each comes from (rules/index.ts dataEntryFiles). */
function fileNames(state: PlanState, source: DataSource): [string, string][] {
  const name = typeof source.name === 'string' && source.name !== '' ? source.name : undefined;
  const raw: [string, string] = name === undefined ? [source.key, 'key'] : [name, 'name'];
  const paths = source.jmesPath ?? [];
  if (paths.length === 0) return [raw];
  const out: [string, string][] = paths.map((j, i) => (typeof j?.objectAlias === 'string' && j.objectAlias !== '' ? [j.objectAlias, `jmesPath[${i}].objectAlias`] : [source.key, 'key']));
  // The raw value is written only with upstream's fallback on.
  if (state.settings.jmesPathRawFallback) out.push(raw);
  return out.filter(([f], i) => out.findIndex(([g]) => g === f) === i);
}

/**
 * A dedicated KMS instance gateway (`<id>.cryptoservice.kms.aliyuncs.com`) is served with the
 * instance's own CA, which no public root signs (alibaba-cloud-apis.md §4.1): without a CA in the
 * settings (kmsInstanceCAs by host or region, else kmsCaPem) the injector could never verify it,
 * so the pod is denied here rather than failing in `init`. The CA found is recorded for the config.
 */
function checkDedicatedCa(state: PlanState, source: DataSource, where: string, bad: (m: string, r?: DenialReason) => void): void {
  const entry = typeof source.kmsEndpoint === 'string' && source.kmsEndpoint.trim() !== '' ? source.kmsEndpoint.trim() : undefined;
  const host = entry ?? state.settings.kmsEndpoint;
  if (host === undefined || !DEDICATED_KMS_HOST_RE.test(host)) return;
  const cas = state.settings.kmsInstanceCAs;
  const pem = cas[host] ?? cas[state.settings.region] ?? state.settings.kmsCaPem;
  if (pem === undefined) {
    bad(`${entry === undefined ? `${where} (settings.kmsEndpoint)` : `${where}.kmsEndpoint`}: ${quote(host)} is a dedicated KMS instance gateway, but the webhook settings hold no CA for it; add its CA to settings.kmsInstanceCAs under ${quote(host)} (or under the region "${state.settings.region}", or settings.kmsCaPem)`, DenialReason.INVALID_KMS_ENDPOINT);
    return;
  }
  if (cas[host] !== undefined || cas[state.settings.region] !== undefined) state.kmsInstanceCas.set(host, pem);
}
