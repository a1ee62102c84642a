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
  /** Requests answered with a rate-limit throttling error (test/emulator/rate-limits.ts), by action; also in `errors`. */
  throttled: Record<string, number>;
  /** By role ARN: STS actions count the target role, KMS/OOS the caller's session role. */
  roles: Record<string, Record<string, number>>;
  /** By the AccessKeyId that signed a request. */
  accessKeys: Record<string, Record<string, number>>;
}

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

/** How a call was answered, for `observe`. */
export type CallOutcome = 'ok' | 'error' | 'throttled';

/** Mutable counters with a snapshot/reset API. */
export class CallCounter {
  #c: CallCounts = { actions: {}, errors: {}, throttled: {}, roles: {}, accessKeys: {} };

  action(action: string): void {
    bump(this.#c.actions, action);
  }

  error(action: string): void {
    bump(this.#c.errors, action);
    this.#notify(action, 'error');
  }

  throttled(action: string): void {
    bump(this.#c.errors, action);
    bump(this.#c.throttled, action);
    this.#notify(action, 'throttled');
  }

  /**
   * Calls `listener` for every answered call (in process only, for the fleet benchmark's
   * per-second timeline): the action and whether it succeeded, failed or was throttled.
   */
  observe(listener: ((action: string, outcome: CallOutcome) => void) | undefined): void {
    this.#listener = listener;
  }

  /** Records a call answered 200. */
  ok(action: string): void {
    this.#notify(action, 'ok');
  }

  #listener: ((action: string, outcome: CallOutcome) => void) | undefined;

  #notify(action: string, outcome: CallOutcome): void {
    this.#listener?.(action, outcome);
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
    this.#c = { actions: {}, errors: {}, throttled: {}, roles: {}, accessKeys: {} };
  }
}
