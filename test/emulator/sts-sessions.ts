/**
 * The STS credentials the emulator has issued, looked up again when a KMS/OOS/STS request signed
 * with them arrives. Expired sessions are kept so that a late caller gets
 * `InvalidSecurityToken.Expired` rather than "unknown key", as from the real gateway.
 */
import { randomBytes } from 'node:crypto';
import type { PolicyDocument } from './policy.ts';

/** One issued STS session. */
export interface StsSession {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
  /** Epoch ms. */
  expiresAt: number;
  roleArn: string;
  accountId: string;
  sessionName: string;
  /** `<roleId>:<sessionName>`, as STS returns in AssumedRoleUser. */
  assumedRoleId: string;
  /** The inline session policy (`Policy` parameter) that narrows the role's permissions. */
  sessionPolicy: PolicyDocument | undefined;
}

/** Issues and finds STS sessions. */
export class StsSessions {
  readonly #byKey = new Map<string, StsSession>();

  /** Issues a session: `STS.`-prefixed AccessKeyId, random secret, opaque `CAIS…` token (reference §2.2). */
  issue(o: Omit<StsSession, 'accessKeyId' | 'accessKeySecret' | 'securityToken'>): StsSession {
    const session: StsSession = {
      ...o,
      accessKeyId: `STS.${randomBytes(14).toString('base64url')}`,
      accessKeySecret: randomBytes(22).toString('base64url'),
      securityToken: `CAIS${randomBytes(96).toString('base64')}`,
    };
    this.#byKey.set(session.accessKeyId, session);
    return session;
  }

  get(accessKeyId: string): StsSession | undefined {
    return this.#byKey.get(accessKeyId);
  }

  /** Marks matching sessions as expired now; returns how many. Lets tests exercise expiry without waiting. */
  expire(filter: { accessKeyId?: string; roleArn?: string }, now: number): number {
    let n = 0;
    for (const s of this.#byKey.values()) {
      if (filter.accessKeyId !== undefined && s.accessKeyId !== filter.accessKeyId) continue;
      if (filter.roleArn !== undefined && s.roleArn !== filter.roleArn) continue;
      if (s.expiresAt > now) {
        s.expiresAt = now;
        n++;
      }
    }
    return n;
  }
}
