/**
 * One ExternalSecret named by the pod → its planned form: the provider, every `data[]` entry and
 * every `dataProcess[]` step (extract source, replaceRule list), or the denials that explain why
 * it cannot be planned.
 */
import { describeValue } from '../../../common/excerpt.ts';
import type { PlannedDataProcess, PlannedDataSource, PlannedExternalSecret } from '../../../contract/injector-config-schema.ts';
import type { DataProcess, ExternalSecret } from '../../../contract/crd-types.ts';
import { DenialReason } from '../response.ts';
import { planTemplate } from '../../../contract/template-plan.ts';
import { planSource } from './data-source.ts';
import { deny, type PlanState } from './plan-state.ts';
import type { Provider } from './store-ref.ts';

/** The planned ExternalSecret; undefined when it is missing or any part of it was denied. */
export async function planExternalSecret(state: PlanState, name: string, es: ExternalSecret | undefined): Promise<PlannedExternalSecret | undefined> {
  const label = `ExternalSecret ${state.namespace}/${name}`;
  if (es === undefined) { deny(state, DenialReason.EXTERNAL_SECRET_NOT_FOUND, `${label} not found (named in annotation secret-injector.alibabacloud.com/external-secrets)`); return undefined; }
  const spec = es.spec;
  if (typeof spec !== 'object' || spec === null) { deny(state, DenialReason.INVALID_EXTERNAL_SECRET, `${label}: has no spec`); return undefined; }
  const providerRaw = spec.provider === undefined || spec.provider === '' ? 'kms' : spec.provider;
  if (providerRaw !== 'kms' && providerRaw !== 'oos') { deny(state, DenialReason.INVALID_EXTERNAL_SECRET, `${label} spec.provider: invalid value ${describeValue(spec.provider)}; expected "kms" (default) or "oos"`); return undefined; }
  const provider: Provider = providerRaw;
  const data = Array.isArray(spec.data) ? spec.data : [];
  const dataProcess = Array.isArray(spec.dataProcess) ? spec.dataProcess : [];
  const tpl = planTemplate(spec.target, `${label} spec`);
  state.warnings.push(...tpl.warnings);
  for (const p of tpl.problems) deny(state, DenialReason.INVALID_EXTERNAL_SECRET, p);
  if (data.length === 0 && dataProcess.length === 0 && tpl.template === undefined) { deny(state, DenialReason.INVALID_EXTERNAL_SECRET, `${label}: has neither spec.data nor spec.dataProcess entries (nor spec.target.template), so it would produce no files`); return undefined; }
  // Sequential on purpose: profile and AccessKey volume order must not depend on lookup timing,
  // so the same pod always gets the same patch.
  const plannedData: (PlannedDataSource | undefined)[] = [];
  for (const [i, d] of data.entries()) plannedData.push(await planSource(state, d, provider, name, `${label} spec.data[${i}]`));
  const plannedProcess: (PlannedDataProcess | undefined)[] = [];
  for (const [i, dp] of dataProcess.entries()) plannedProcess.push(await planProcess(state, dp, provider, name, `${label} spec.dataProcess[${i}]`));
  if (plannedData.some((d) => d === undefined) || plannedProcess.some((d) => d === undefined) || tpl.problems.length > 0) return undefined;
  for (const src of tpl.sources) if (!state.templateSources.some((m) => m.kind === src.kind && m.name === src.name)) state.templateSources.push(src);
  const planned: PlannedExternalSecret = { name, provider, data: plannedData as PlannedDataSource[], dataProcess: plannedProcess as PlannedDataProcess[] };
  if (tpl.template !== undefined) planned.template = tpl.template;
  return planned;
}

/** One `dataProcess[]` step: its extract source and its replaceRule list. */
async function planProcess(state: PlanState, dp: DataProcess | undefined, provider: Provider, esName: string, where: string): Promise<PlannedDataProcess | undefined> {
  const out: PlannedDataProcess = {};
  if (dp?.extract !== undefined) {
    const extract = await planSource(state, dp.extract, provider, esName, `${where}.extract`);
    if (extract === undefined) return undefined;
    out.extract = extract;
  }
  if (dp?.replaceRule !== undefined) {
    const rules = Array.isArray(dp.replaceRule) ? dp.replaceRule : [];
    const bad = rules.findIndex((r) => typeof r?.source !== 'string' || typeof r.target !== 'string');
    if (!Array.isArray(dp.replaceRule) || bad !== -1) { deny(state, DenialReason.INVALID_EXTERNAL_SECRET, `${where}.replaceRule${bad === -1 ? '' : `[${bad}]`}: expected {source, target} strings`); return undefined; }
    out.replaceRule = rules.map((r) => ({ source: r.source, target: r.target }));
  }
  return out;
}
