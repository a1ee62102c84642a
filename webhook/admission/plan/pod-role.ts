/**
 * The pod's own RAM role, from its ServiceAccount's annotations: a full role ARN
 * (ack-secret-manager, reference §3.1) or a role name joined with settings.accountId
 * (ack-pod-identity-webhook, alibaba-cloud-apis.md §1.2). Looked up once per pod and only when an
 * entry needs it, so a pod whose stores all carry their own identity needs no annotated
 * ServiceAccount.
 */
import { boundedList, describeValue } from '../../../common/excerpt.ts';
import type { RrsaProfile } from '../../../contract/injector-config-schema.ts';
import { DenialReason } from '../response.ts';
import { deny, type PlanState, type PodRole } from './plan-state.ts';
import { ROLE_ARN_RE, rrsaProfile } from './profiles.ts';

/** ServiceAccount annotation with a full role ARN (ack-secret-manager, reference §3.1). */
export const ROLE_ARN_ANNOTATION = 'ack.alibabacloud.com/role-arn';
/** ServiceAccount annotation with a role name, joined with settings.accountId (ack-pod-identity-webhook, alibaba-cloud-apis.md §1.2). */
export const ROLE_NAME_ANNOTATION = 'pod-identity.alibabacloud.com/role-name';
/** Profile id of the pod's own ServiceAccount role. */
export const POD_PROFILE_ID = 'pod-serviceaccount';

/** RAM role names: 1-64 letters, digits, "." and "-" (RAM CreateRole API). */
const ROLE_NAME_RE = /^[A-Za-z0-9.-]{1,64}$/;

/** The pod's role (resolved on first call, then cached in the state). */
export async function resolvePodRole(state: PlanState): Promise<PodRole> {
  if (state.podRole !== undefined) return state.podRole;
  state.serviceAccount ??= state.resolver.serviceAccount(state.namespace, state.serviceAccountName);
  const sa = await state.serviceAccount;
  const saLabel = `${state.namespace}/${state.serviceAccountName}`;
  const ann = sa?.metadata?.annotations ?? {};
  const arn = ann[ROLE_ARN_ANNOTATION];
  const roleName = ann[ROLE_NAME_ANNOTATION];
  let role: PodRole;
  if (sa === undefined) role = { problem: `ServiceAccount ${saLabel} not found` };
  else if (arn !== undefined) {
    role = ROLE_ARN_RE.test(arn) ? { roleArn: arn } : { problem: `ServiceAccount ${saLabel} annotation ${ROLE_ARN_ANNOTATION}: invalid value ${describeValue(arn)}; expected "acs:ram::<accountId>:role/<roleName>"` };
  } else if (roleName !== undefined) {
    if (!ROLE_NAME_RE.test(roleName)) role = { problem: `ServiceAccount ${saLabel} annotation ${ROLE_NAME_ANNOTATION}: invalid value ${describeValue(roleName)}; expected a RAM role name (1-64 letters, digits, "." or "-")` };
    else if (state.settings.accountId === undefined) role = { problem: `ServiceAccount ${saLabel} annotation ${ROLE_NAME_ANNOTATION} needs the webhook setting accountId to build the role ARN; set accountId or use ${ROLE_ARN_ANNOTATION}` };
    else role = { roleArn: `acs:ram::${state.settings.accountId}:role/${roleName}` };
  } else {
    role = { problem: `ServiceAccount ${saLabel} has no RAM role: it lacks both annotation ${ROLE_ARN_ANNOTATION} (a role ARN) and ${ROLE_NAME_ANNOTATION} (a role name)` };
  }
  state.podRole = role;
  return role;
}

/** The pod's role as a profile, noting who needed it; undefined when the pod has no role. */
export async function usePodProfile(state: PlanState, neededBy: string): Promise<string | undefined> {
  state.podRoleNeededBy.push(neededBy);
  const role = await resolvePodRole(state);
  if ('problem' in role) return undefined;
  if (!state.profiles.has(POD_PROFILE_ID)) {
    state.profiles.set(POD_PROFILE_ID, rrsaProfile(state, POD_PROFILE_ID, role.roleArn, state.settings.oidcProviderArn, undefined, 'pod'));
  }
  return POD_PROFILE_ID;
}

/** Profile id of the node's worker RAM role (settings.enableWorkerRole). */
export const WORKER_PROFILE_ID = 'ecs-worker-role';

/**
 * For an entry with no store: the pod's role; or, when the ServiceAccount gives none and
 * settings.enableWorkerRole is on, the node's ECS worker role (upstream's last credential tier,
 * semantics reference §3.1), with a warning that every pod on the node shares it.
 */
export async function usePodOrWorkerProfile(state: PlanState, neededBy: string): Promise<string | undefined> {
  if (state.settings.enableWorkerRole) {
    const role = await resolvePodRole(state);
    if ('problem' in role) {
      if (!state.profiles.has(WORKER_PROFILE_ID)) {
        state.profiles.set(WORKER_PROFILE_ID, { id: WORKER_PROFILE_ID, kind: 'ecsRole' });
        state.warnings.push(`${role.problem}; ${neededBy} and every other entry without a store use the node's ECS worker RAM role (settings.enableWorkerRole), which every pod on the node shares: the weakest isolation`);
      }
      return WORKER_PROFILE_ID;
    }
  }
  return usePodProfile(state, neededBy);
}

/** The pod's role under a store's own profile id (its OIDC ARN, session fields, remote role). */
export async function podRoleForStore(state: PlanState, id: string, make: (roleArn: string) => RrsaProfile, neededBy: string): Promise<string | undefined> {
  state.podRoleNeededBy.push(neededBy);
  const role = await resolvePodRole(state);
  if ('problem' in role) return undefined;
  state.profiles.set(id, make(role.roleArn));
  return id;
}

/** One message for the missing role, naming everything that needed it. */
export function denyMissingPodRole(state: PlanState): void {
  const role = state.podRole;
  if (state.podRoleNeededBy.length > 0 && role !== undefined && 'problem' in role) {
    deny(state, DenialReason.NO_ROLE, `${role.problem}; the pod's role is needed by ${boundedList(state.podRoleNeededBy, (x) => x)} (or give the entry a SecretStore with its own ramRoleARN)`);
  }
}
