/**
 * Where the spec of an ExternalSecret named by the pod comes from (issue 17): a
 * ClusterExternalSecret whose `externalSecretName` (default: its own name) is that name and whose
 * conditions select the pod's namespace, or else the namespaced ExternalSecret. As in
 * ack-secret-manager, whose ClusterExternalSecret controller server-side-applies its spec with
 * ForceOwnership over an ExternalSecret of that name (reference §6), the ClusterExternalSecret
 * wins, with a warning. Two ClusterExternalSecrets claiming the name for the namespace are a
 * denial naming both. Every object is shape-checked (contract/crd-shape.ts) first: its problems
 * deny, its warnings are the plan's.
 */
import { boundedList, nameExcerpt, quote } from '../../../common/excerpt.ts';
import type { ClusterExternalSecret, ExternalSecret, ExternalSecretSpec } from '../../../contract/crd-types.ts';
import { validateCrdObject } from '../../../contract/crd-shape.ts';
import { clusterExternalSecretSelects } from '../isolation.ts';
import { DenialReason } from '../response.ts';
import { deny, type PlanState } from './plan-state.ts';

/** How many ClusterExternalSecrets one message names (each name may have 253 characters). */
const MAX_CLAIMANTS = 3;

/** The spec to plan and the label its messages use. */
export interface ExternalSecretSource {
  label: string;
  spec: ExternalSecretSpec;
}

/** The name a ClusterExternalSecret gives its ExternalSecrets. */
function claimedName(ces: ClusterExternalSecret): string {
  const n = ces.spec?.externalSecretName;
  return typeof n === 'string' && n !== '' ? n : (ces.metadata?.name ?? '');
}

/**
 * The source of `name` for the pod's namespace; undefined after a denial.
 * 1. The ClusterExternalSecrets claiming `name`, shape-checked; those selecting the namespace.
 * 2. More than one → deny naming them; one → its spec (a namespaced one of that name is replaced).
 * 3. None → the namespaced ExternalSecret, shape-checked; missing → deny, naming any
 *    ClusterExternalSecret that claims the name but does not select the namespace.
 */
export async function resolveExternalSecretSource(state: PlanState, name: string): Promise<ExternalSecretSource | undefined> {
  const nsLabel = `ExternalSecret ${state.namespace}/${name}`;
  // 1.
  const claiming = (await state.resolver.clusterExternalSecrets()).filter((c) => claimedName(c) === name);
  const selecting: { label: string; ces: ClusterExternalSecret }[] = [];
  const notSelecting: string[] = [];
  for (const raw of claiming) {
    const label = `ClusterExternalSecret ${nameExcerpt(raw.metadata?.name ?? '')}`;
    const shape = validateCrdObject('ClusterExternalSecret', raw, label);
    if (shape.problems.length > 0) {
      for (const p of shape.problems) deny(state, DenialReason.INVALID_EXTERNAL_SECRET, `${p} (it claims ExternalSecret name ${quote(name)})`);
      return undefined;
    }
    const ces = shape.object as unknown as ClusterExternalSecret;
    const selects = clusterExternalSecretSelects(ces, state.namespace, await state.resolver.namespace(state.namespace));
    if (selects.admitted) { selecting.push({ label, ces }); state.warnings.push(...shape.warnings); } else notSelecting.push(selects.reason);
  }
  // 2.
  if (selecting.length > 1) {
    const claimants = selecting.length === 2 ? selecting.map((s) => s.label).join(' and ') : boundedList(selecting, (s) => s.label, MAX_CLAIMANTS);
    deny(state, DenialReason.AMBIGUOUS_EXTERNAL_SECRET, `${nsLabel}: ${claimants} ${selecting.length === 2 ? 'both' : 'all'} claim this name for namespace ${quote(state.namespace)}; give all but one of them another externalSecretName or narrow their conditions`);
    return undefined;
  }
  const chosen = selecting[0];
  if (chosen !== undefined) {
    if (await state.resolver.externalSecret(state.namespace, name) !== undefined) {
      state.warnings.push(`${nsLabel} is replaced by ${chosen.label}'s externalSecretSpec, as ack-secret-manager's ClusterExternalSecret controller overwrites it`);
    }
    return { label: `${chosen.label} (as ${nsLabel})`, spec: chosen.ces.spec.externalSecretSpec };
  }
  // 3.
  const es = await state.resolver.externalSecret(state.namespace, name);
  if (es === undefined) {
    const why = notSelecting.length > 0 ? `; ${boundedList(notSelecting, (r) => r, MAX_CLAIMANTS, '; ')}` : '';
    deny(state, DenialReason.EXTERNAL_SECRET_NOT_FOUND, `${nsLabel} not found (named in annotation secret-injector.alibabacloud.com/external-secrets), and no ClusterExternalSecret provides it for this namespace${why}`);
    return undefined;
  }
  const shape = validateCrdObject('ExternalSecret', es, nsLabel);
  state.warnings.push(...shape.warnings);
  if (shape.problems.length > 0) {
    for (const p of shape.problems) deny(state, DenialReason.INVALID_EXTERNAL_SECRET, p);
    return undefined;
  }
  return { label: nsLabel, spec: (shape.object as unknown as ExternalSecret).spec };
}
