/**
 * The emulated RAM: accounts, RAM users with AccessKeys, OIDC identity providers and roles (trust
 * policy + permission policies). Entities are addressed by the ARNs the real services use:
 * `acs:ram::<uid>:oidc-provider/<name>`, `acs:ram::<uid>:role/<name>`, `acs:ram::<uid>:user/<name>`.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { PolicyDocument } from './policy.ts';

/** A RAM user's AccessKey (or an account root key) with what it may do. */
export interface AccessKeyEntry {
  accessKeyId: string;
  accessKeySecret: string;
  accountId: string;
  /** `acs:ram::<uid>:user/<name>`, or `acs:ram::<uid>:root` for a root key. */
  principalArn: string;
  policies: PolicyDocument[];
}

/** A RAM OIDC identity provider (reference §1.1: `ack-rrsa-<clusterId>`, client ID `sts.aliyuncs.com`). */
export interface OidcProviderEntry {
  arn: string;
  accountId: string;
  name: string;
  issuerUrl: string;
  clientIds: string[];
}

/** A RAM role. */
export interface RoleEntry {
  arn: string;
  accountId: string;
  name: string;
  /** The 19-digit role id STS echoes in `AssumedRoleId`. */
  roleId: string;
  trustPolicy: PolicyDocument;
  policies: PolicyDocument[];
  /** RAM's MaxSessionDuration: 3600..43200, default 3600 (RAM CreateRole docs). */
  maxSessionDuration: number;
}

/** `acs:ram::<uid>:role/<name>`; RAM role names are 1–64 of letters, digits, `.` and `-`. */
export const ROLE_ARN = /^acs:ram::(\d+):role\/([A-Za-z0-9.-]{1,64})$/;
/** `acs:ram::<uid>:oidc-provider/<name>`. */
export const OIDC_PROVIDER_ARN = /^acs:ram::(\d+):oidc-provider\/([A-Za-z0-9._-]{1,128})$/;
/** Account ids are numeric (the real ones have 16 digits). */
export const ACCOUNT_ID = /^\d{1,20}$/;

/** Holds every RAM entity of every emulated account. */
export class RamDirectory {
  readonly accounts = new Set<string>();
  readonly accessKeys = new Map<string, AccessKeyEntry>();
  readonly providers = new Map<string, OidcProviderEntry>();
  readonly roles = new Map<string, RoleEntry>();

  /** Creates the account if needed (idempotent). */
  defineAccount(accountId: string): void {
    this.accounts.add(accountId);
  }

  /**
   * Creates an AccessKey for a RAM user (or the account root when `userName` is undefined) and
   * returns it. Long-lived keys start with `LTAI` like the real ones.
   */
  defineAccessKey(accountId: string, userName: string | undefined, policies: PolicyDocument[]): AccessKeyEntry {
    this.defineAccount(accountId);
    const entry: AccessKeyEntry = {
      accessKeyId: `LTAI${randomBytes(10).toString('hex')}`,
      accessKeySecret: randomBytes(15).toString('base64url'),
      accountId,
      principalArn: userName === undefined ? `acs:ram::${accountId}:root` : `acs:ram::${accountId}:user/${userName}`,
      policies,
    };
    this.accessKeys.set(entry.accessKeyId, entry);
    return entry;
  }

  /** Creates or replaces an OIDC provider. */
  defineOidcProvider(accountId: string, name: string, issuerUrl: string, clientIds: string[]): OidcProviderEntry {
    this.defineAccount(accountId);
    const entry: OidcProviderEntry = { arn: `acs:ram::${accountId}:oidc-provider/${name}`, accountId, name, issuerUrl, clientIds };
    this.providers.set(entry.arn, entry);
    return entry;
  }

  /** Creates or replaces a role; a replaced role keeps its id, as an UpdateRole would. */
  defineRole(accountId: string, name: string, trustPolicy: PolicyDocument, policies: PolicyDocument[], maxSessionDuration: number): RoleEntry {
    this.defineAccount(accountId);
    const arn = `acs:ram::${accountId}:role/${name}`;
    const roleId = this.roles.get(arn)?.roleId ?? `3${String(randomInt(1e9)).padStart(9, '0')}${String(randomInt(1e9)).padStart(9, '0')}`;
    const entry: RoleEntry = { arn, accountId, name, roleId, trustPolicy, policies, maxSessionDuration };
    this.roles.set(arn, entry);
    return entry;
  }
}
