/**
 * Authentication and authorisation of signed requests: who signed (an STS session or a static
 * AccessKey), whether the security token is valid, and whether their policies allow an action on a
 * resource. Shared by STS AssumeRole, KMS and OOS.
 */
import { AcsError, accessDenied, type Product } from './acs-error.ts';
import type { CloudState } from './cloud-state.ts';
import { evaluatePermission, type PolicyDocument } from './policy.ts';
import { isAcs3, MAX_SKEW_MS, requestNonce, verifyAcs3, verifyV1, type SignedRequest } from './signature.ts';

/** The authenticated caller. */
export interface Caller {
  accessKeyId: string;
  accountId: string;
  kind: 'role-session' | 'user' | 'root';
  /** Role ARN for a session; user ARN or `acs:ram::<uid>:root` otherwise. */
  principalArn: string;
  /** The session's role ARN (role sessions only). */
  roleArn: string | undefined;
  policies: readonly PolicyDocument[];
  sessionPolicy: PolicyDocument | undefined;
}

function notFoundKey(product: Product): AcsError {
  // KMS answers 404 for an unknown key, the common gateway 400 (reference §4.3, §7.3).
  return new AcsError(product === 'kms' ? 404 : 400, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
}

/**
 * Verifies the request's signature (ACS3 when an `Authorization: ACS3-…` header is present,
 * otherwise v1) and returns the caller. Steps:
 * 1. pick the scheme; a request with neither is `IncompleteSignature`;
 * 2. verify, looking the key up among STS sessions (`STS.` prefix) and static AccessKeys and
 *    checking the security token (missing, mismatched, expired);
 * 3. reject a reused signature nonce;
 * 4. build the Caller from the session or key.
 */
export function authenticate(req: SignedRequest, state: CloudState, product: Product): Caller {
  const now = state.now();
  const lookup = (accessKeyId: string, token: string | undefined): string => {
    if (accessKeyId.startsWith('STS.')) {
      const s = state.sessions.get(accessKeyId);
      if (s === undefined) throw notFoundKey(product);
      if (token === undefined || token === '') throw new AcsError(400, 'MissingSecurityToken', 'SecurityToken is mandatory for this action (the AccessKeyId is an STS key).');
      if (token !== s.securityToken) throw new AcsError(400, 'InvalidSecurityToken.MismatchWithAccessKey', 'Specified SecurityToken mismatch with the AccessKey.');
      if (s.expiresAt <= now) throw new AcsError(400, 'InvalidSecurityToken.Expired', 'Specified SecurityToken is expired.');
      return s.accessKeySecret;
    }
    const k = state.ram.accessKeys.get(accessKeyId);
    if (k === undefined) throw notFoundKey(product);
    if (token !== undefined && token !== '') throw new AcsError(400, 'InvalidSecurityToken.MismatchWithAccessKey', 'Specified SecurityToken mismatch with the AccessKey (a long-term AccessKey takes no SecurityToken).');
    return k.accessKeySecret;
  };
  // 1.-2.
  const hasV1 = req.params['Signature'] !== undefined;
  if (!isAcs3(req) && !hasV1 && req.headers['authorization'] === undefined) {
    throw new AcsError(400, 'IncompleteSignature', 'The request signature does not conform to Aliyun standards: this action needs a signed request (ACS3-HMAC-SHA256 Authorization header or signature v1 parameters).');
  }
  const claims = isAcs3(req) || !hasV1 ? verifyAcs3(req, lookup, now) : verifyV1(req, lookup, now);
  // 3.
  const nonce = requestNonce(req);
  if (nonce !== undefined) {
    // Prune expired nonces at most once a minute, so a long benchmark run stays linear.
    if (now - state.noncesPrunedAt > 60_000) {
      for (const [n, until] of state.nonces) if (until <= now) state.nonces.delete(n);
      state.noncesPrunedAt = now;
    }
    if (state.nonces.has(nonce)) throw new AcsError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
    state.nonces.set(nonce, now + MAX_SKEW_MS);
  }
  // 4.
  const session = claims.accessKeyId.startsWith('STS.') ? state.sessions.get(claims.accessKeyId) : undefined;
  if (session !== undefined) {
    const role = state.ram.roles.get(session.roleArn);
    return {
      accessKeyId: session.accessKeyId,
      accountId: session.accountId,
      kind: 'role-session',
      principalArn: session.roleArn,
      roleArn: session.roleArn,
      policies: role?.policies ?? [],
      sessionPolicy: session.sessionPolicy,
    };
  }
  const key = state.ram.accessKeys.get(claims.accessKeyId);
  if (key === undefined) throw notFoundKey(product);
  return {
    accessKeyId: key.accessKeyId,
    accountId: key.accountId,
    kind: key.principalArn.endsWith(':root') ? 'root' : 'user',
    principalArn: key.principalArn,
    roleArn: undefined,
    policies: key.policies,
    sessionPolicy: undefined,
  };
}

/**
 * Checks the caller may perform `action` on `resource`. A root key may do anything in its own
 * account (RAM semantics); everyone else needs an Allow in their policies and, for a session with
 * an inline policy, in that policy too. Throws the product's 403.
 */
export function authorize(caller: Caller, action: string, resource: string, resourceAccountId: string, denial: { code: string; message: string }): void {
  const ownAccount = resourceAccountId === caller.accountId;
  let ok: boolean;
  if (!ownAccount) ok = false;
  else if (caller.kind === 'root') ok = true;
  else {
    ok = evaluatePermission(caller.policies, action, resource) === 'allow';
    if (ok && caller.sessionPolicy !== undefined) ok = evaluatePermission([caller.sessionPolicy], action, resource) === 'allow';
  }
  if (!ok) {
    throw accessDenied(denial.code, denial.message, {
      action,
      principalType: caller.kind === 'role-session' ? 'AssumedRoleUser' : caller.kind === 'root' ? 'Account' : 'SubUser',
      principal: caller.principalArn,
      resource,
    });
  }
}
