/**
 * Which identity a store's `KMSAuth`/`OOSAuth` gives, in ack-secret-manager's order of
 * preference (ack-secret-manager-semantics.md §3): no identity of its own → the pod's role
 * (chained to the store's remote role when it has one); `serviceAccountRef` → only the pod's own
 * ServiceAccount; the store's `ramRoleARN` with RRSA when the OIDC ARN is explicit or no
 * AccessKey pair is complete; else the AccessKey pair, whose Secrets must be in the pod's
 * namespace. The result is a profile id in the plan state, or undefined after a denial.
 */
import { LIST_ITEMS, boundedList, describeItem, describeValue } from '../../../common/excerpt.ts';
import type { AccessKeyProfile } from '../../../contract/injector-config-schema.ts';
import type { ProviderAuth } from '../../../contract/crd-types.ts';
import { checkSecretKeyRef, checkServiceAccountRef } from '../isolation.ts';
import { DenialReason, type Problem } from '../response.ts';
import { accessKeySecretFile, deny, type PlanState } from './plan-state.ts';
import { podRoleForStore, usePodProfile } from './pod-role.ts';
import { addRemoteRole, oidcProviderArn, ROLE_ARN_RE, rrsaProfile, sessionName } from './profiles.ts';

const isSet = (v: unknown): boolean => v !== undefined && v !== '';

/** The profile id for a store's auth section; see the module comment for the order. */
export async function profileForStore(state: PlanState, id: string, auth: ProviderAuth | undefined, where: string, neededBy: string): Promise<string | undefined> {
  const hasIdentity = auth !== undefined && [auth.serviceAccountRef, auth.ramRoleARN, auth.accessKey, auth.accessKeySecret].some(isSet);
  if (!hasIdentity) {
    if (auth === undefined || !isSet(auth.remoteRamRoleARN)) return usePodProfile(state, neededBy);
    // The pod's role, chained to the store's remote (cross-account) role.
    return podRoleForStore(state, id, (roleArn) => rrsaProfile(state, id, roleArn, oidcProviderArn(state, auth, where), auth, where), neededBy);
  }
  if (isSet(auth.oidcTokenFilePath)) {
    state.warnings.push(`${where}.oidcTokenFilePath is ignored: the injector always uses the pod's own projected token`);
  }
  warnUnusedAuthFields(state, auth, where);
  if (auth.serviceAccountRef !== undefined) return serviceAccountRefProfile(state, id, auth, where, neededBy);
  return storeRoleOrAccessKeyProfile(state, id, auth, where, neededBy);
}

/**
 * Auth fields that only mean something beside another field: said out loud instead of dropped
 * (issue 17). With an AccessKey pair and no ramRoleARN the profile is the bare pair, so the
 * role's session name, duration and OIDC provider have nothing to apply to; a remote session
 * name needs a remote role.
 */
function warnUnusedAuthFields(state: PlanState, auth: ProviderAuth, where: string): void {
  const bareAccessKey = auth.serviceAccountRef === undefined && !isSet(auth.ramRoleARN) && auth.accessKey !== undefined && auth.accessKeySecret !== undefined;
  if (bareAccessKey) {
    for (const f of ['oidcProviderARN', 'ramRoleSessionName', 'roleSessionExpiration'] as const) {
      if (isSet(auth[f])) state.warnings.push(`${where}.${f} has no effect: without ramRoleARN the AccessKey pair is used as it is (no role is assumed)`);
    }
  } else if (auth.accessKey !== undefined && isSet(auth.roleSessionExpiration) && isSet(auth.ramRoleARN) && !isSet(auth.oidcProviderARN) && auth.serviceAccountRef === undefined) {
    state.warnings.push(`${where}.roleSessionExpiration has no effect on the AccessKey AssumeRole (the STS default of 1h applies); it applies to RRSA roles`);
  }
  if (isSet(auth.remoteRamRoleSessionName) && !isSet(auth.remoteRamRoleARN)) {
    state.warnings.push(`${where}.remoteRamRoleSessionName has no effect without remoteRamRoleARN`);
  }
}

/** `serviceAccountRef`: only the pod's own ServiceAccount, with the token audience we project. */
async function serviceAccountRefProfile(state: PlanState, id: string, auth: ProviderAuth, where: string, neededBy: string): Promise<string | undefined> {
  const ref = auth.serviceAccountRef as NonNullable<ProviderAuth['serviceAccountRef']>;
  const p = checkServiceAccountRef(ref, state.namespace, state.serviceAccountName, `${where}.serviceAccountRef`);
  if (p !== undefined) { state.problems.push(p); return undefined; }
  const audiences = ref.audiences ?? [];
  if (audiences.length > 0 && !audiences.includes(state.settings.tokenAudience)) {
    deny(state, DenialReason.INVALID_SECRET_STORE, `${where}.serviceAccountRef.audiences: [${boundedList(audiences, describeItem, LIST_ITEMS, ",")}] does not include the webhook's token audience ${describeValue(state.settings.tokenAudience)}`);
    return undefined;
  }
  return podRoleForStore(state, id, (roleArn) => rrsaProfile(state, id, roleArn, oidcProviderArn(state, auth, where), auth, where), neededBy);
}

/** The store's own `ramRoleARN` (RRSA) or its AccessKey pair (optionally assuming that role). */
async function storeRoleOrAccessKeyProfile(state: PlanState, id: string, auth: ProviderAuth, where: string, neededBy: string): Promise<string | undefined> {
  const ak = auth.accessKey;
  const sk = auth.accessKeySecret;
  if ((ak === undefined) !== (sk === undefined)) {
    deny(state, DenialReason.INVALID_SECRET_STORE, `${where}: accessKey and accessKeySecret must be given together; only ${ak === undefined ? 'accessKeySecret' : 'accessKey'} is set`);
    return undefined;
  }
  const ram = auth.ramRoleARN;
  if (ram !== undefined && ram !== '' && !ROLE_ARN_RE.test(ram)) {
    deny(state, DenialReason.INVALID_SECRET_STORE, `${where}.ramRoleARN: invalid value ${describeValue(ram)}; expected "acs:ram::<accountId>:role/<roleName>"`);
    return undefined;
  }
  // RRSA with the store's role (ack-secret-manager prefers it when the OIDC ARN is explicit or no AK pair is complete).
  if (ram !== undefined && ram !== '' && (isSet(auth.oidcProviderARN) || ak === undefined)) {
    if (ak !== undefined) {
      // Upstream's chain tries RRSA first and the AccessKey pair only when RRSA yields nothing; the
      // injector plans one identity, so the pair is never used: say so instead of dropping it.
      state.warnings.push(`${where}.accessKey/accessKeySecret are not used: with an explicit oidcProviderARN the store's ramRoleARN is assumed with the pod's RRSA token (upstream's first tier); remove the pair or the oidcProviderARN`);
    }
    state.profiles.set(id, rrsaProfile(state, id, ram, oidcProviderArn(state, auth, where), auth, where));
    return id;
  }
  if (ak === undefined || sk === undefined) return usePodProfile(state, neededBy);
  const p1 = checkSecretKeyRef(ak, state.namespace, `${where}.accessKey`);
  const p2 = checkSecretKeyRef(sk, state.namespace, `${where}.accessKeySecret`);
  if (p1 !== undefined || p2 !== undefined) { state.problems.push(...[p1, p2].filter((x): x is Problem => x !== undefined)); return undefined; }
  const profile: AccessKeyProfile = { id, kind: 'accessKey', accessKeyIdFile: accessKeySecretFile(state, ak.name, ak.key), accessKeySecretFile: accessKeySecretFile(state, sk.name, sk.key) };
  if (ram !== undefined && ram !== '') {
    profile.roleArn = ram;
    profile.roleSessionName = sessionName(state, auth.ramRoleSessionName, `${where}.ramRoleSessionName`);
  }
  addRemoteRole(state, profile, auth, where);
  state.profiles.set(id, profile);
  return id;
}
