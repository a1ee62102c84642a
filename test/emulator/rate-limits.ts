/**
 * Per-account, per-API rate limits: one token bucket per (account, action), refilled continuously
 * at `limit / periodSeconds` and holding at most `burst` tokens. A call that finds the bucket empty
 * is answered the way the real service throttles (faultDefaults in faults.ts): KMS
 * `Rejected.Throttling` HTTP 429, STS and OOS the POP gateway's `Throttling.User` HTTP 400.
 *
 * Defaults and their sources (docs/emulator.md "Rate limits"):
 * - STS `AssumeRoleWithOIDC` and `AssumeRole`: 500 per minute per account. Alibaba's docs for the
 *   KMS agent webhook warn of STS throttling at about 500 token requests a minute across all pods
 *   (shared/reference/peer-systems.md §2). No per-second burst is published; the bucket holds a
 *   minute's quota, so a quiet account may spend it at once.
 * - KMS `GetSecretValue`: 450 QPS per account and region on the shared gateway ("QPS quotas of
 *   KMS instances": the secret-value operations share 450 QPS; the quota cannot be raised); the
 *   bucket holds one second's quota.
 * - OOS `GetSecretParameter`: no published figure was found; 100 QPS (one second's burst) is the
 *   emulator's choice, documented as such.
 * Every figure can be changed at run time through the admin API (`rateLimits`).
 */

/** One API's limit: `limit` calls per `periodSeconds`, with up to `burst` back to back. */
export interface RateLimit {
  limit: number;
  periodSeconds: number;
  burst: number;
}

/** The defaults above, by API action. */
export const DEFAULT_RATE_LIMITS: Readonly<Record<string, Readonly<RateLimit>>> = Object.freeze({
  AssumeRoleWithOIDC: { limit: 500, periodSeconds: 60, burst: 500 },
  AssumeRole: { limit: 500, periodSeconds: 60, burst: 500 },
  GetSecretValue: { limit: 450, periodSeconds: 1, burst: 450 },
  GetSecretParameter: { limit: 100, periodSeconds: 1, burst: 100 },
});

/** Where a bucket stands. */
interface Bucket {
  tokens: number;
  refilledAt: number;
}

/** The verdict on one call: allowed, or throttled with the time until a token is free. */
export type RateVerdict = { allowed: true } | { allowed: false; retryAfterMs: number };

/** The limits in force and one bucket per (account, action). */
export class RateLimits {
  readonly #limits = new Map<string, RateLimit>(Object.entries(DEFAULT_RATE_LIMITS).map(([a, l]) => [a, { ...l }]));
  readonly #buckets = new Map<string, Bucket>();
  #enabled = true;

  /** Whether limits are enforced at all. */
  get enabled(): boolean {
    return this.#enabled;
  }

  /** The limits in force, by action. */
  table(): Record<string, RateLimit> {
    return Object.fromEntries([...this.#limits].map(([a, l]) => [a, { ...l }]));
  }

  /** Turns enforcement on or off; either way the buckets start full again. */
  setEnabled(enabled: boolean): void {
    this.#enabled = enabled;
    this.#buckets.clear();
  }

  /** Sets (or, with `null`, removes) the limit of `action`; that action's buckets start full. */
  set(action: string, limit: RateLimit | null): void {
    if (limit === null) this.#limits.delete(action);
    else this.#limits.set(action, { ...limit });
    for (const key of [...this.#buckets.keys()]) if (key.endsWith(`|${action}`)) this.#buckets.delete(key);
  }

  /**
   * Takes a token for a call of `action` by `accountId` at `now` (epoch ms).
   * 1. No limit for the action (or enforcement off) → allowed.
   * 2. Refill the bucket for the time passed, up to `burst`.
   * 3. A whole token → take it, allowed; else throttled, with the time until one is refilled.
   */
  take(accountId: string, action: string, now: number): RateVerdict {
    // 1.
    const limit = this.#limits.get(action);
    if (!this.#enabled || limit === undefined) return { allowed: true };
    // 2.
    const key = `${accountId}|${action}`;
    const perMs = limit.limit / (limit.periodSeconds * 1000);
    const b = this.#buckets.get(key) ?? { tokens: limit.burst, refilledAt: now };
    b.tokens = Math.min(limit.burst, b.tokens + Math.max(0, now - b.refilledAt) * perMs);
    b.refilledAt = now;
    this.#buckets.set(key, b);
    // 3.
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterMs: Math.ceil((1 - b.tokens) / perMs) };
  }
}

/** The account a RAM role ARN belongs to (`acs:ram::<uid>:role/<name>`), or undefined. */
export function accountOfRoleArn(roleArn: string | undefined): string | undefined {
  return roleArn === undefined ? undefined : /^acs:ram::(\d+):role\//.exec(roleArn)?.[1];
}
