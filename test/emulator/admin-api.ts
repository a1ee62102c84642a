/**
 * The admin API's contract: the operations, their inputs and outputs, and the HTTP route of each.
 * The in-process `Emulator`, the HTTP `EmulatorAdmin` client and the server's admin router all
 * derive from this one table, so the three cannot drift apart.
 */
import type { CallCounts } from './call-counts.ts';
import type { FaultKind } from './faults.ts';
import type { PolicyDocument } from './policy.ts';

/** The path prefix of the admin API; no Alibaba Cloud SDK sends requests under it. */
export const ADMIN_PREFIX = '/__emulator';

/** Input of defineAccount: the numeric account id (uid). */
export interface DefineAccountInput { accountId: string }
/** Input of defineAccessKey: a RAM user (or root) AccessKey for signed calls and AssumeRole. */
export interface DefineAccessKeyInput { accountId?: string; /** Omit for an account root key. */ userName?: string; policies?: PolicyDocument[] }
/** The new AccessKey pair; test-only credentials of the emulator. */
export interface DefineAccessKeyOutput { accessKeyId: string; accessKeySecret: string; principalArn: string }
/** Input of defineOidcProvider: a RAM OIDC identity provider (reference §1.1). */
export interface DefineOidcProviderInput { accountId?: string; name: string; issuerUrl: string; /** Default ["sts.aliyuncs.com"]. */ clientIds?: string[] }
/** Input of defineRole: a RAM role with its trust and permission policies. */
export interface DefineRoleInput { accountId?: string; name: string; trustPolicy: PolicyDocument; policies?: PolicyDocument[]; /** 3600..43200, default 3600. */ maxSessionDuration?: number }
/** Input of trustIssuer: an external issuer's verification keys (JWKS and/or PEM). */
export interface TrustIssuerInput { issuer: string; jwks?: { keys: unknown[] }; publicKeyPem?: string | string[] }
/** Input of mintToken: a ServiceAccount token from the emulator's own issuer. */
export interface MintTokenInput { namespace: string; serviceAccount: string; audience?: string | string[]; expiresInSeconds?: number; notBeforeSeconds?: number; issuer?: string; podName?: string }
/** The minted JWT and its claims. */
export interface MintTokenOutput { token: string; claims: Record<string, unknown> }
/** Input of seedSecret: creates or replaces a KMS secret with one ACSCurrent version. */
export interface SeedSecretInput { accountId?: string; name: string; /** Text data. */ value?: string; /** Binary data, base64. */ binaryBase64?: string; versionId?: string; /** Custom stages besides ACSCurrent. */ stages?: string[] }
/** Input of rotateSecret: adds a version that becomes ACSCurrent. */
export interface RotateSecretInput { accountId?: string; name: string; value?: string; binaryBase64?: string; versionId?: string }
/** The version written and its stages. */
export interface SecretVersionOutput { versionId: string; stages: string[] }
/** Input of seedParameter: creates an OOS encryption parameter or adds its next version. */
export interface SeedParameterInput { accountId?: string; name: string; value: string; description?: string }
/** Input of fault: what to break for the next `count` calls of `action`. */
export interface FaultInput { /** An API action such as GetSecretValue, or "*". */ action: string; kind: FaultKind; /** Calls affected, default 1. */ count?: number; status?: number; code?: string; message?: string; latencyMs?: number }
/** Input of stsSettings; `null` unsets a knob, omitted leaves it. */
export interface StsSettingsInput { credentialLifetimeSeconds?: number | null; chainedMaxDurationSeconds?: number | null }
/** The STS knobs in effect. */
export interface StsSettingsOutput { credentialLifetimeSeconds: number | null; chainedMaxDurationSeconds: number | null }
/** Input of expireCredentials: which issued sessions to expire now (all when empty). */
export interface ExpireCredentialsInput { accessKeyId?: string; roleArn?: string }
/** One API's rate limit: `limit` calls per `periodSeconds`, `burst` back to back (default: `limit`). */
export interface RateLimitInput { limit: number; periodSeconds: number; burst?: number }
/**
 * Input of rateLimits; omitted fields leave the current state. `limits` maps an API action
 * (AssumeRoleWithOIDC, AssumeRole, GetSecretValue, GetSecretParameter) to its new limit, or
 * `null` to remove it (unlimited). `enabled: false` turns every limit off. Buckets start full.
 */
export interface RateLimitsInput { enabled?: boolean; limits?: Record<string, RateLimitInput | null> }
/** The limits in force. */
export interface RateLimitsOutput { enabled: boolean; limits: Record<string, { limit: number; periodSeconds: number; burst: number }> }
/** Operations without input. */
export type Empty = Record<string, never>;

/** Every admin operation: what it takes and returns. */
export interface EmulatorAdminApi {
  defineAccount(input: DefineAccountInput): Promise<{ accountId: string }>;
  defineAccessKey(input: DefineAccessKeyInput): Promise<DefineAccessKeyOutput>;
  defineOidcProvider(input: DefineOidcProviderInput): Promise<{ arn: string }>;
  defineRole(input: DefineRoleInput): Promise<{ arn: string; roleId: string }>;
  trustIssuer(input: TrustIssuerInput): Promise<{ issuer: string; keys: number }>;
  mintToken(input: MintTokenInput): Promise<MintTokenOutput>;
  seedSecret(input: SeedSecretInput): Promise<SecretVersionOutput>;
  rotateSecret(input: RotateSecretInput): Promise<SecretVersionOutput>;
  seedParameter(input: SeedParameterInput): Promise<{ version: number }>;
  fault(input: FaultInput): Promise<{ pending: number }>;
  clearFaults(input?: Empty): Promise<{ pending: number }>;
  counts(input?: Empty): Promise<CallCounts>;
  resetCounts(input?: Empty): Promise<CallCounts>;
  stsSettings(input: StsSettingsInput): Promise<StsSettingsOutput>;
  expireCredentials(input: ExpireCredentialsInput): Promise<{ expired: number }>;
  rateLimits(input: RateLimitsInput): Promise<RateLimitsOutput>;
}

/** The operation names. */
export type AdminOperation = keyof EmulatorAdminApi;

/** HTTP method and path of each operation; GET/DELETE take no body. */
export const ADMIN_ROUTES: Readonly<Record<AdminOperation, readonly ['GET' | 'POST' | 'DELETE', string]>> = {
  defineAccount: ['POST', `${ADMIN_PREFIX}/accounts`],
  defineAccessKey: ['POST', `${ADMIN_PREFIX}/access-keys`],
  defineOidcProvider: ['POST', `${ADMIN_PREFIX}/oidc-providers`],
  defineRole: ['POST', `${ADMIN_PREFIX}/roles`],
  trustIssuer: ['POST', `${ADMIN_PREFIX}/issuers`],
  mintToken: ['POST', `${ADMIN_PREFIX}/tokens`],
  seedSecret: ['POST', `${ADMIN_PREFIX}/secrets`],
  rotateSecret: ['POST', `${ADMIN_PREFIX}/secrets/rotate`],
  seedParameter: ['POST', `${ADMIN_PREFIX}/parameters`],
  fault: ['POST', `${ADMIN_PREFIX}/faults`],
  clearFaults: ['DELETE', `${ADMIN_PREFIX}/faults`],
  counts: ['GET', `${ADMIN_PREFIX}/counts`],
  resetCounts: ['DELETE', `${ADMIN_PREFIX}/counts`],
  stsSettings: ['POST', `${ADMIN_PREFIX}/sts-settings`],
  expireCredentials: ['POST', `${ADMIN_PREFIX}/credentials/expire`],
  rateLimits: ['POST', `${ADMIN_PREFIX}/rate-limits`],
};

/** The admin API's error body: every problem with the input, each naming the field and what is accepted. */
export interface AdminErrorBody {
  error: string;
  problems: string[];
}
