/**
 * Fault injection: per API action, a queue of faults each applied to the next N calls. Lets
 * tests prove the injector backs off on throttling, retries 5xx, survives dropped connections and
 * tolerates latency, without timing luck.
 */

/** The kinds of fault: an error response (throttling or 5xx), a dropped connection, or added latency. */
export const FAULT_KINDS = ['throttle', 'error', 'drop', 'latency'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** A fault as queued: applies to the next `remaining` calls of `action` (`*` = any action). */
export interface Fault {
  action: string;
  kind: FaultKind;
  remaining: number;
  /** For throttle/error: the HTTP status and code to answer with. */
  status: number;
  code: string;
  message: string;
  /** For latency: delay before the call proceeds normally. */
  latencyMs: number;
}

/**
 * Defaults per kind and product, from the services' documented codes (reference §2.2, §4.3, §7.3):
 * KMS throttles with `Rejected.Throttling` and HTTP 429 (KMS "Limits" page: the body is
 * `{"HttpStatus": 429, "Code": "Rejected.Throttling", "Message": "QPS Limit Exceeded"}`), STS/OOS
 * with the gateway's `Throttling.User` and HTTP 400 (reference §7.3); KMS's
 * transient server error is `ServiceUnavailableTemporary` (503), the gateway's is `ServiceUnavailable` (503).
 */
export function faultDefaults(kind: FaultKind, product: 'sts' | 'kms' | 'oos' | undefined): { status: number; code: string; message: string } {
  if (kind === 'throttle') {
    return product === 'kms'
      ? { status: 429, code: 'Rejected.Throttling', message: 'QPS Limit Exceeded' }
      : { status: 400, code: 'Throttling.User', message: 'Request was denied due to user flow control.' };
  }
  return product === 'kms'
    ? { status: 503, code: 'ServiceUnavailableTemporary', message: 'Service Unavailable Temporary.' }
    : { status: 503, code: 'ServiceUnavailable', message: 'The request has failed due to a temporary failure of the server.' };
}

/** The queue of pending faults. */
export class FaultPlan {
  readonly #faults: Fault[] = [];

  add(fault: Fault): void {
    this.#faults.push(fault);
  }

  clear(): void {
    this.#faults.length = 0;
  }

  /** Pending faults (for the admin API). */
  list(): readonly Fault[] {
    return this.#faults;
  }

  /** Takes the first pending fault for `action` (or `*`), decrementing its count. */
  take(action: string): Fault | undefined {
    const i = this.#faults.findIndex((f) => f.action === action || f.action === '*');
    if (i < 0) return undefined;
    const f = this.#faults[i] as Fault;
    f.remaining--;
    if (f.remaining <= 0) this.#faults.splice(i, 1);
    return { ...f };
  }
}
