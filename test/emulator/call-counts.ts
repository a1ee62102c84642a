/**
 * Call counters: how many requests reached each API action, per role and per AccessKeyId. Tests
 * use them to prove caching (STS called once per credential lifetime) and per-tenant isolation.
 */

/** A snapshot of the counters; plain JSON so the admin API can return it as is. */
export interface CallCounts {
  /** Every request that named the action, including failed and faulted ones. */
  actions: Record<string, number>;
  /** Requests answered with an error (including injected faults), by action. */
  errors: Record<string, number>;
  /** By role ARN: STS actions count the target role, KMS/OOS the caller's session role. */
  roles: Record<string, Record<string, number>>;
  /** By the AccessKeyId that signed a request. */
  accessKeys: Record<string, Record<string, number>>;
}

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

/** Mutable counters with a snapshot/reset API. */
export class CallCounter {
  #c: CallCounts = { actions: {}, errors: {}, roles: {}, accessKeys: {} };

  action(action: string): void {
    bump(this.#c.actions, action);
  }

  error(action: string): void {
    bump(this.#c.errors, action);
  }

  role(roleArn: string, action: string): void {
    bump((this.#c.roles[roleArn] ??= {}), action);
  }

  accessKey(accessKeyId: string, action: string): void {
    bump((this.#c.accessKeys[accessKeyId] ??= {}), action);
  }

  snapshot(): CallCounts {
    return structuredClone(this.#c);
  }

  reset(): void {
    this.#c = { actions: {}, errors: {}, roles: {}, accessKeys: {} };
  }
}
