/**
 * Credential profiles from a store's auth fields: RRSA (role + OIDC provider + session fields),
 * the optional cross-account `remoteRamRoleARN` chain, and the STS limits on session names and
 * durations, each checked with a message naming the field.
 */
import { describeValue } from '../../../common/excerpt.ts';
import type { AccessKeyProfile, RrsaProfile } from '../../../contract/injector-config-schema.ts';
import type { ProviderAuth } from '../../../contract/crd-types.ts';
import { parseDurationSeconds } from '../../../common/go-duration.ts';
import { OIDC_PROVIDER_ARN_RE } from '../../settings.ts';
import { DenialReason } from '../response.ts';
import { deny, type PlanState } from './plan-state.ts';

/** Session name when a store gives none; shows up in ActionTrail as the caller. */
export const DEFAULT_SESSION_NAME = 'ack-secret-injector';
/** STS RoleSessionName: 2-64 of letters, digits and ".@-_" (STS AssumeRole API). */
const SESSION_NAME_RE = /^[A-Za-z0-9.@_-]{2,64}$/;
/** STS DurationSeconds bounds (AssumeRole/AssumeRoleWithOIDC API: 900..43200). */
const DURATION_RANGE = [900, 43200] as const;
/** A RAM role ARN (`acs:ram::<accountId>:role/<name>`). */
export const ROLE_ARN_RE = /^acs:ram:[^:]*:\d+:role\/[^\s]+$/;

/** An RRSA profile for `roleArn`, with the store's session fields and remote role. */
export function rrsaProfile(state: PlanState, id: string, roleArn: string, oidcProviderArn: string, auth: ProviderAuth | undefined, where: string): RrsaProfile {
  const profile: RrsaProfile = { id, kind: 'rrsa', roleArn, oidcProviderArn, roleSessionName: sessionName(state, auth?.ramRoleSessionName, `${where}.ramRoleSessionName`) };
  const duration = sessionDuration(state, auth?.roleSessionExpiration, where);
  if (duration !== undefined) profile.durationSeconds = duration;
  addRemoteRole(state, profile, auth, where);
  return profile;
}

/** The session name, or the default; a name STS would refuse is denied here. */
export function sessionName(state: PlanState, v: string | undefined, where: string): string {
  if (v === undefined || v === '') return DEFAULT_SESSION_NAME;
  if (!SESSION_NAME_RE.test(v)) deny(state, DenialReason.INVALID_SECRET_STORE, `${where}: invalid value ${describeValue(v)}; expected 2-64 letters, digits or ".@-_"`);
  return v;
}

/** `roleSessionExpiration` (seconds or a Go duration) within STS's 900s..12h. */
function sessionDuration(state: PlanState, v: string | undefined, where: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  const s = /^\d+$/.test(v) ? Number(v) : parseDurationSeconds(v);
  if (s === undefined || s < DURATION_RANGE[0] || s > DURATION_RANGE[1]) {
    deny(state, DenialReason.INVALID_SECRET_STORE, `${where}.roleSessionExpiration: invalid value ${describeValue(v)}; expected seconds or a Go duration from 900s to 12h`);
    return undefined;
  }
  return s;
}

/** Chains the profile to the store's cross-account `remoteRamRoleARN`, when it has one. */
export function addRemoteRole(state: PlanState, profile: RrsaProfile | AccessKeyProfile, auth: ProviderAuth | undefined, where: string): void {
  const remote = auth?.remoteRamRoleARN;
  if (remote === undefined || remote === '') return;
  if (!ROLE_ARN_RE.test(remote)) deny(state, DenialReason.INVALID_SECRET_STORE, `${where}.remoteRamRoleARN: invalid value ${describeValue(remote)}; expected "acs:ram::<accountId>:role/<roleName>"`);
  profile.remoteRoleArn = remote;
  profile.remoteRoleSessionName = sessionName(state, auth?.remoteRamRoleSessionName, `${where}.remoteRamRoleSessionName`);
}

/** The store's OIDC provider ARN, or the cluster's from the settings. */
export function oidcProviderArn(state: PlanState, auth: ProviderAuth, where: string): string {
  const v = auth.oidcProviderARN;
  if (v === undefined || v === '') return state.settings.oidcProviderArn;
  if (!OIDC_PROVIDER_ARN_RE.test(v)) deny(state, DenialReason.INVALID_SECRET_STORE, `${where}.oidcProviderARN: invalid value ${describeValue(v)}; expected "acs:ram::<accountId>:oidc-provider/<name>"`);
  return v;
}
