/**
 * Limits how hard one pod hits KMS/OOS: at most `concurrency` calls in flight and at most
 * `perSecond` call starts per second (a token bucket holding up to `burst` tokens). KMS throttles
 * per account (`Rejected.Throttling`, alibaba-cloud-apis.md §4.3), and every replica of a
 * Deployment refreshes on its own, so each injector keeps its share small.
 * ack-secret-manager uses the same idea: `rate.NewLimiter(N, 1)` with N = 10 by default
 * (`--max-concurrent-kms-secret-pulls`, semantics reference §4.1).
 */
import { sleep } from './retry.ts';

/** Limits of one limiter. */
export interface RateLimitOptions {
  /** Calls in flight at once. */
  concurrency: number;
  /** Token refill rate: call starts per second. */
  perSecond: number;
  /** Bucket size: starts allowed back to back after a quiet period. */
  burst: number;
  /** Milliseconds clock; injectable so tests can drive it with mock timers. */
  now?: () => number;
}

/**
 * Defaults: 10 starts/s as ack-secret-manager; a burst of 10 (not 1 as there) because one pod's
 * whole fetch set is usually a handful of secrets and init latency delays the app's start;
 * 5 in flight keeps the sidecar's sockets and memory small.
 */
export const DEFAULT_RATE_LIMIT: Readonly<Omit<RateLimitOptions, 'now'>> = Object.freeze({ concurrency: 5, perSecond: 10, burst: 10 });

/**
 * The agent's pacing once refreshes are phase-spread (issue 15): one refresh's calls are spread
 * over about a tenth of the interval (at least one call per second) instead of leaving together.
 * Why: each pod's refresh falls at a random point of the interval, so the fleet's calls per second
 * vary like the number of pods due in that second; when a pod's S calls all leave in the same
 * second that variation is multiplied by S (1,000 pods × 5 secrets, 60 s: a peak-to-mean of
 * calls per second of about 1.6), when they are spread over S seconds it is not (about 1.2,
 * docs/benchmarks.md "Fleet"). A tenth of the interval keeps a rotation's pickup delay small.
 * `callsPerRefresh` is the number of distinct fetches of one full refresh.
 */
export function agentPacing(callsPerRefresh: number, intervalSeconds: number): Readonly<Omit<RateLimitOptions, 'now'>> {
  const perSecond = Math.max(1, Math.ceil((10 * callsPerRefresh) / Math.max(1, intervalSeconds)));
  return Object.freeze({ concurrency: DEFAULT_RATE_LIMIT.concurrency, perSecond: Math.min(perSecond, DEFAULT_RATE_LIMIT.perSecond), burst: 1 });
}

/** A concurrency limit plus a token bucket. `run(fn)` waits for both, then calls `fn`. */
export class RateLimiter {
  readonly #concurrency: number;
  readonly #perSecond: number;
  readonly #burst: number;
  readonly #now: () => number;
  #active = 0;
  readonly #waiting: Array<() => void> = [];
  #tokens: number;
  #refilledAt: number;
  /** Token takers queue here so they are served in arrival order. */
  #tokenChain: Promise<void> = Promise.resolve();

  constructor(options: RateLimitOptions) {
    const problems: string[] = [];
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) problems.push(`concurrency: expected an integer >= 1, got ${options.concurrency}`);
    if (!(options.perSecond > 0)) problems.push(`perSecond: expected a number > 0, got ${options.perSecond}`);
    if (!(options.burst >= 1)) problems.push(`burst: expected a number >= 1, got ${options.burst}`);
    if (problems.length > 0) throw new RangeError(`invalid rate limit: ${problems.join('; ')}`);
    this.#concurrency = options.concurrency;
    this.#perSecond = options.perSecond;
    this.#burst = options.burst;
    this.#now = options.now ?? Date.now;
    this.#tokens = options.burst;
    this.#refilledAt = this.#now();
  }

  /** Calls currently running (for tests and metrics). */
  get active(): number {
    return this.#active;
  }

  /**
   * Runs `fn` once a slot and a token are free.
   * 1. Take a concurrency slot (queue FIFO when all are busy).
   * 2. Take a token (wait for the bucket to refill when empty).
   * 3. Run `fn`; release the slot however it ends.
   */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.#takeSlot();
    try {
      await this.#takeToken();
      return await fn();
    } finally {
      this.#releaseSlot();
    }
  }

  #takeSlot(): Promise<void> {
    if (this.#active < this.#concurrency) {
      this.#active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #releaseSlot(): void {
    const next = this.#waiting.shift();
    if (next !== undefined) next(); // the slot passes straight to the next waiter
    else this.#active--;
  }

  #takeToken(): Promise<void> {
    const turn = this.#tokenChain.then(async () => {
      for (;;) {
        const now = this.#now();
        this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#refilledAt) / 1000) * this.#perSecond);
        this.#refilledAt = now;
        if (this.#tokens >= 1) {
          this.#tokens -= 1;
          return;
        }
        await sleep(Math.ceil(((1 - this.#tokens) / this.#perSecond) * 1000));
      }
    });
    this.#tokenChain = turn;
    return turn;
  }
}
