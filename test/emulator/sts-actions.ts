/**
 * STS 2015-04-01: `AssumeRoleWithOIDC` (anonymous; the RRSA exchange) and `AssumeRole` (signed;
 * chaining and cross-account). Request and response shapes follow reference §2.2 and §2.3.
 */
import { AcsError, missingParameter } from './acs-error.ts';
import { authenticate, type Caller } from './caller-auth.ts';
import type { CloudState } from './cloud-state.ts';
import { OIDC_PROVIDER_ARN, ROLE_ARN, type RoleEntry } from './ram-directory.ts';
import { evaluatePermission, policyProblems, trustAllows, type PolicyDocument } from './policy.ts';
import type { SignedRequest } from './signature.ts';
import type { StsSession } from './sts-sessions.ts';

/** DurationSeconds minimum: 900 s (STS AssumeRole docs, reference §2.2). */
export const MIN_DURATION_SECONDS = 900;
/** DurationSeconds and MaxSessionDuration maximum: 43200 s = 12 h (reference §2.2). */
export const MAX_DURATION_SECONDS = 43200;
const DEFAULT_DURATION_SECONDS = 3600;
/** RoleSessionName: 2–64 of letters, digits, `.@_-` (reference §2.2). */
const ROLE_SESSION_NAME = /^[A-Za-z0-9.@_-]{2,64}$/;
/** ExternalId: 2–1224 of `[\w+=,.@:/-]` (reference §2.3). */
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
/** Session Policy: 1–2048 characters (reference §2.2). */
const MAX_POLICY_LENGTH = 2048;

/** `YYYY-MM-DDTHH:MM:SSZ`, the format `@alicloud/credentials` parses (reference §2.2). */
export function stsTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function required(params: Readonly<Record<string, string>>, name: string): string {
  const v = params[name];
  if (v === undefined || v === '') throw missingParameter(name);
  return v;
}

function findRole(state: CloudState, roleArn: string): RoleEntry {
  if (!ROLE_ARN.test(roleArn)) throw new AcsError(400, 'InvalidParameter.RoleArn', `The parameter RoleArn is invalid: "${roleArn}" (accepted: acs:ram::<accountId>:role/<roleName>).`);
  const role = state.ram.roles.get(roleArn);
  if (role === undefined) throw new AcsError(404, 'EntityNotExist.Role', `The role not exists: ${roleArn}.`);
  return role;
}

/** Validates RoleSessionName, DurationSeconds and Policy, the parameters both actions share. */
function sessionParameters(params: Readonly<Record<string, string>>, role: RoleEntry, cap: number | undefined, defaultSessionName: string): { sessionName: string; durationSeconds: number; sessionPolicy: PolicyDocument | undefined } {
  const sessionName = params['RoleSessionName'] ?? defaultSessionName;
  if (!ROLE_SESSION_NAME.test(sessionName)) {
    throw new AcsError(400, 'InvalidParameter.RoleSessionName', `The parameter RoleSessionName is invalid: "${sessionName}" (accepted: 2-64 characters of letters, digits and . @ _ -).`);
  }
  const max = Math.min(role.maxSessionDuration, cap ?? MAX_DURATION_SECONDS);
  const rawDuration = params['DurationSeconds'];
  const durationSeconds = rawDuration === undefined ? Math.min(DEFAULT_DURATION_SECONDS, max) : Number(rawDuration);
  if (!Number.isInteger(durationSeconds) || durationSeconds < MIN_DURATION_SECONDS || durationSeconds > max) {
    throw new AcsError(400, 'InvalidParameter.DurationSeconds', `The parameter DurationSeconds is invalid: "${rawDuration ?? ''}" (accepted: an integer from ${MIN_DURATION_SECONDS} to ${max}, the role's MaxSessionDuration).`);
  }
  let sessionPolicy: PolicyDocument | undefined;
  const rawPolicy = params['Policy'];
  if (rawPolicy !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawPolicy);
    } catch {
      parsed = undefined;
    }
    const problems = rawPolicy.length > MAX_POLICY_LENGTH ? [`Policy is ${rawPolicy.length} characters (accepted: 1-${MAX_POLICY_LENGTH})`] : policyProblems(parsed, 'permission', 'Policy');
    if (problems.length > 0) throw new AcsError(400, 'InvalidParameter.PolicyGrammar', `The parameter Policy has a grammar error: ${problems.join('; ')}.`);
    sessionPolicy = parsed as PolicyDocument;
  }
  return { sessionName, durationSeconds, sessionPolicy };
}

function issue(state: CloudState, role: RoleEntry, p: { sessionName: string; durationSeconds: number; sessionPolicy: PolicyDocument | undefined }): StsSession {
  const lifetime = state.settings.credentialLifetimeSeconds ?? p.durationSeconds;
  return state.sessions.issue({
    expiresAt: state.now() + lifetime * 1000,
    roleArn: role.arn,
    accountId: role.accountId,
    sessionName: p.sessionName,
    assumedRoleId: `${role.roleId}:${p.sessionName}`,
    sessionPolicy: p.sessionPolicy,
  });
}

function credentialsBody(s: StsSession, role: RoleEntry): Record<string, unknown> {
  return {
    AssumedRoleUser: { AssumedRoleId: s.assumedRoleId, Arn: `${role.arn}/${s.sessionName}` },
    Credentials: { AccessKeyId: s.accessKeyId, AccessKeySecret: s.accessKeySecret, SecurityToken: s.securityToken, Expiration: stsTime(s.expiresAt) },
  };
}

/** The role a request names, for per-role call counts before the request is validated. */
export function targetRole(params: Readonly<Record<string, string>>): string | undefined {
  return params['RoleArn'];
}

/**
 * AssumeRoleWithOIDC. Steps:
 * 1. require RoleArn, OIDCProviderArn, OIDCToken (MissingParameter);
 * 2. find the provider (EntityNotExist.OIDCProvider) and role (EntityNotExist.Role);
 * 3. verify the token against the provider (signature, iss, aud, exp, nbf);
 * 4. the provider must be in the role's account and the trust policy must admit it with the
 *    token's claims (AuthenticationFail.NoPermission);
 * 5. validate session parameters and issue credentials.
 */
export function assumeRoleWithOidc(params: Readonly<Record<string, string>>, state: CloudState): Record<string, unknown> {
  // 1.
  const roleArn = required(params, 'RoleArn');
  const providerArn = required(params, 'OIDCProviderArn');
  const token = required(params, 'OIDCToken');
  // 2.
  if (!OIDC_PROVIDER_ARN.test(providerArn)) throw new AcsError(400, 'InvalidParameter.OIDCProviderArn', `The parameter OIDCProviderArn is invalid: "${providerArn}" (accepted: acs:ram::<accountId>:oidc-provider/<name>).`);
  const provider = state.ram.providers.get(providerArn);
  if (provider === undefined) throw new AcsError(404, 'EntityNotExist.OIDCProvider', `The OIDC provider not exists: ${providerArn}.`);
  const role = findRole(state, roleArn);
  // 3.
  const claims = state.issuers.verify(token, provider);
  // 4.
  const trusted = provider.accountId === role.accountId && trustAllows(role.trustPolicy, { kind: 'federated', providerArn }, { 'oidc:iss': [claims.iss], 'oidc:aud': claims.aud, 'oidc:sub': [claims.sub] });
  if (!trusted) {
    throw new AcsError(401, 'AuthenticationFail.NoPermission', `There is no permission: the trust policy of ${roleArn} does not allow ${claims.sub} through ${providerArn}.`);
  }
  // 5.
  const p = sessionParameters(params, role, undefined, `oidc-${Math.floor(state.now() / 1000)}`);
  const s = issue(state, role, p);
  return {
    ...credentialsBody(s, role),
    OIDCTokenInfo: {
      Subject: claims.sub,
      Issuer: claims.iss,
      ClientIds: claims.aud.join(','),
      ...(claims.iat === undefined ? {} : { IssuanceTime: stsTime(claims.iat * 1000) }),
      ExpirationTime: stsTime(claims.exp * 1000),
      VerificationInfo: 'Success',
    },
  };
}

/**
 * AssumeRole. Steps:
 * 1. authenticate the signed request (root keys may not assume roles);
 * 2. require RoleArn and RoleSessionName; find the role;
 * 3. the caller needs `sts:AssumeRole` on the role in its own policies (e.g. AliyunSTSAssumeRoleAccess);
 * 4. the role's trust policy must name the caller's account or the caller (and ExternalId if required);
 * 5. validate session parameters (chained sessions may be capped) and issue credentials.
 */
export function assumeRole(req: SignedRequest, state: CloudState, onCaller: (c: Caller) => void): Record<string, unknown> {
  const params = req.params;
  // 1.
  const caller = authenticate(req, state, 'sts');
  onCaller(caller);
  if (caller.kind === 'root') throw new AcsError(403, 'NoPermission', 'Roles may not be assumed by root accounts.');
  // 2.
  const roleArn = required(params, 'RoleArn');
  required(params, 'RoleSessionName');
  const role = findRole(state, roleArn);
  const externalId = params['ExternalId'];
  if (externalId !== undefined && !EXTERNAL_ID.test(externalId)) {
    throw new AcsError(400, 'InvalidParameter.ExternalId', 'The parameter ExternalId is invalid (accepted: 2-1224 characters of letters, digits and _ + = , . @ : / -).');
  }
  // 3.
  let allowed = evaluatePermission(caller.policies, 'sts:AssumeRole', roleArn) === 'allow';
  if (allowed && caller.sessionPolicy !== undefined) allowed = evaluatePermission([caller.sessionPolicy], 'sts:AssumeRole', roleArn) === 'allow';
  if (!allowed) throw new AcsError(403, 'NoPermission', `You are not authorized to do this action. You should be authorized by RAM: ${caller.principalArn} lacks sts:AssumeRole on ${roleArn}.`);
  // 4.
  const trusted = trustAllows(role.trustPolicy, { kind: 'ram', accountId: caller.accountId, callerArn: caller.principalArn }, externalId === undefined ? {} : { 'sts:ExternalId': [externalId] });
  if (!trusted) throw new AcsError(403, 'NoPermission', `No permission perform sts:AssumeRole on this Role: the trust policy of ${roleArn} does not allow ${caller.principalArn}.`);
  // 5.
  const cap = caller.kind === 'role-session' ? state.settings.chainedMaxDurationSeconds : undefined;
  const p = sessionParameters(params, role, cap, '');
  return credentialsBody(issue(state, role, p), role);
}
