/**
 * One ExternalSecret named by the pod → its planned form: the provider, every `data[]` entry and
 * every `dataProcess[]` step (extract source, replaceRule list), or the denials that explain why
 * it cannot be planned.
 */
import { describeValue, quote } from '../../../common/excerpt.ts';
import type { PlannedDataProcess, PlannedDataSource, PlannedExternalSecret } from '../../../contract/injector-config-schema.ts';
import type { DataProcess, ExternalSecretSpec } from '../../../contract/crd-types.ts';
import { formatSeconds, parseDurationSeconds } from '../../../common/go-duration.ts';
import { DenialReason } from '../response.ts';
import { planTemplate } from '../../../contract/template-plan.ts';
import type { ExternalSecretSource } from './external-secret-source.ts';
import { planSource } from './data-source.ts';
import { deny, type PlanState } from './plan-state.ts';
import type { Provider } from './store-ref.ts';

/** The planned ExternalSecret (files under `name`); undefined when any part of it was denied. */
export async function planExternalSecret(state: PlanState, name: string, source: ExternalSecretSource): Promise<PlannedExternalSecret | undefined> {
  const { label, spec } = source;
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
  const interval = rotationInterval(state, spec, label);
  if (plannedData.some((d) => d === undefined) || plannedProcess.some((d) => d === undefined) || tpl.problems.length > 0 || interval === null) return undefined;
  for (const src of tpl.sources) if (!state.templateSources.some((m) => m.kind === src.kind && m.name === src.name)) state.templateSources.push(src);
  const planned: PlannedExternalSecret = { name, provider, data: plannedData as PlannedDataSource[], dataProcess: plannedProcess as PlannedDataProcess[] };
  if (tpl.template !== undefined) planned.template = tpl.template;
  if (interval !== undefined) planned.refreshIntervalSeconds = interval;
  return planned;
}

/**
 * `spec.rotationInterval` → this ExternalSecret's refresh interval in seconds (issue 17):
 * undefined when unset or overridden (the pod's refresh-interval annotation wins, with a
 * warning; init-only pods never refresh, also warned); null after a denial (not a whole-second Go
 * duration, or outside settings.minRefreshInterval..168h).
 */
function rotationInterval(state: PlanState, spec: ExternalSecretSpec, label: string): number | undefined | null {
  const raw = spec.rotationInterval;
  if (raw === undefined || raw === '') return undefined;
  const min = state.settings.minRefreshIntervalSeconds;
  const s = parseDurationSeconds(raw);
  if (s === undefined || s < min || s > 7 * 86400) {
    deny(state, DenialReason.INVALID_EXTERNAL_SECRET, `${label} spec.rotationInterval: invalid value ${describeValue(raw)}; expected a Go duration in whole seconds from ${formatSeconds(min)} (settings.minRefreshInterval) to 168h`);
    return null;
  }
  if (state.initOnly) { state.warnings.push(`${label} spec.rotationInterval has no effect: the pod is init-only (annotation secret-injector.alibabacloud.com/mode), so nothing refreshes`); return undefined; }
  if (state.refreshIntervalFromAnnotation) { state.warnings.push(`${label} spec.rotationInterval ${quote(raw)} is overridden by the pod's annotation secret-injector.alibabacloud.com/refresh-interval`); return undefined; }
  return s;
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
