/**
 * One `data[]` entry (or a `dataProcess[].extract`) → the planned source the injector reads: the
 * CRD fields checked and copied, the store reference replaced by a credential profile id, and a
 * per-entry `kmsEndpoint` checked against the SSRF rule (kms-endpoint.ts).
 */
import { describeValue } from '../../../common/excerpt.ts';
import type { PlannedDataSource } from '../../../contract/injector-config-schema.ts';
import type { DataSource } from '../../../contract/crd-types.ts';
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
    if (provider === 'oos') state.warnings.push(`${where}.kmsEndpoint is ignored for provider oos`);
    else if (!isAllowedKmsEndpoint(source.kmsEndpoint)) bad(`${where}.kmsEndpoint: invalid value ${describeValue(source.kmsEndpoint)}; expected ${KMS_ENDPOINT_SYNTAX}`, DenialReason.INVALID_KMS_ENDPOINT);
  }
  return ok;
}
