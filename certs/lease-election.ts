/**
 * One writer at a time for the certificate Secret: leader election on a coordination.k8s.io/v1
 * Lease with the semantics of client-go's `tools/leaderelection` (LeaseLock), so that operators
 * read the Lease the way they read any controller's:
 * - `holderIdentity` names the replica, `renewTime` moves on every renewal, `leaseTransitions`
 *   counts changes of holder, `leaseDurationSeconds` says how long a silent holder is trusted.
 * - Expiry is judged on the local clock from when THIS replica last saw the record change, not
 *   from `renewTime`, so clock skew between nodes cannot make two replicas both think they lead
 *   (client-go leaderelection.go, `observedTime`).
 * - Updates carry the resourceVersion read, so of two replicas racing for an expired Lease exactly
 *   one wins; the other gets 409 and stays a follower.
 */
import type { CertificateKubeApi, LeaseRecord } from './certificate-kube-api.ts';
import { isConflict } from './certificate-kube-api.ts';

/**
 * How long a holder that stops renewing is trusted: 15s, with renewals every 2s, the defaults of
 * controller-runtime's manager (pkg/manager/manager.go: defaultLeaseDuration 15s,
 * defaultRetryPeriod 2s) and of client-go's examples.
 */
export const DEFAULT_LEASE_DURATION_SECONDS = 15;
/** How often each replica tries to acquire or renew (see DEFAULT_LEASE_DURATION_SECONDS). */
export const DEFAULT_RETRY_PERIOD_MS = 2_000;

/** Options for {@link createLeaseElector}. */
export interface LeaseElectorOptions {
  api: CertificateKubeApi;
  namespace: string;
  name: string;
  /** This replica's identity, usually the pod name (unique among replicas). */
  identity: string;
  leaseDurationSeconds?: number;
}

/** The outcome of one attempt. `holder` is who holds the Lease afterwards ('' when nobody). */
export interface ElectionResult {
  leader: boolean;
  holder: string;
  /** What happened, for logs: acquired, renewed, held-by-other, lost-race, created. */
  event: 'created' | 'acquired' | 'renewed' | 'held-by-other' | 'lost-race';
}

/** A stateful elector; call `tryAcquireOrRenew` every retry period. */
export interface LeaseElector {
  tryAcquireOrRenew(now: Date): Promise<ElectionResult>;
  /** Gives the Lease up (holder '' and a 1s duration) if held, so a peer takes over at once. */
  release(now: Date): Promise<void>;
  isLeader(): boolean;
}

/**
 * Builds an elector. Steps of `tryAcquireOrRenew` (client-go `tryAcquireOrRenew`):
 * 1. Read the Lease; when there is none, create it with ourselves as holder.
 * 2. When the record differs from the last one seen, remember it and the local time it was seen.
 * 3. When another identity holds it and it was seen changing less than leaseDuration ago, stay a
 *    follower.
 * 4. Otherwise write ourselves as holder (keeping acquireTime and transitions when renewing,
 *    bumping transitions when taking over), guarded by the resourceVersion read.
 */
export function createLeaseElector(options: LeaseElectorOptions): LeaseElector {
  const leaseDurationSeconds = options.leaseDurationSeconds ?? DEFAULT_LEASE_DURATION_SECONDS;
  let observedKey = '';
  let observedAt = 0;
  let leader = false;
  let lastRecord: LeaseRecord | undefined;

  async function tryAcquireOrRenew(now: Date): Promise<ElectionResult> {
    // 1. Read, or create.
    const existing = await options.api.getLease(options.namespace, options.name);
    if (existing === undefined) {
      const fresh: LeaseRecord = { holderIdentity: options.identity, leaseDurationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 };
      try {
        lastRecord = await options.api.createLease(options.namespace, options.name, fresh);
      } catch (err) {
        if (!isConflict(err)) throw err;
        leader = false;
        return { leader, holder: '', event: 'lost-race' };
      }
      observe(lastRecord, now);
      leader = true;
      return { leader, holder: options.identity, event: 'created' };
    }

    // 2. Observe.
    observe(existing, now);
    lastRecord = existing;

    // 3. Someone else holds a live Lease.
    const heldByOther = existing.holderIdentity !== '' && existing.holderIdentity !== options.identity;
    const expiresAt = observedAt + existing.leaseDurationSeconds * 1000;
    if (heldByOther && expiresAt > now.getTime()) {
      leader = false;
      return { leader, holder: existing.holderIdentity, event: 'held-by-other' };
    }

    // 4. Acquire or renew.
    const renewing = existing.holderIdentity === options.identity;
    const next: LeaseRecord = {
      holderIdentity: options.identity,
      leaseDurationSeconds,
      acquireTime: renewing && existing.acquireTime !== undefined ? existing.acquireTime : now,
      renewTime: now,
      leaseTransitions: renewing ? existing.leaseTransitions : existing.leaseTransitions + 1,
      ...(existing.resourceVersion === undefined ? {} : { resourceVersion: existing.resourceVersion }),
    };
    try {
      lastRecord = await options.api.updateLease(options.namespace, options.name, next);
    } catch (err) {
      if (!isConflict(err)) throw err;
      leader = false;
      return { leader, holder: existing.holderIdentity, event: 'lost-race' };
    }
    observe(lastRecord, now);
    leader = true;
    return { leader, holder: options.identity, event: renewing ? 'renewed' : 'acquired' };
  }

  async function release(now: Date): Promise<void> {
    if (!leader || lastRecord === undefined) return;
    leader = false;
    // client-go ReleaseOnCancel: empty holder and a 1s duration, so the next candidate need not wait.
    const released: LeaseRecord = {
      holderIdentity: '',
      leaseDurationSeconds: 1,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: lastRecord.leaseTransitions,
      ...(lastRecord.resourceVersion === undefined ? {} : { resourceVersion: lastRecord.resourceVersion }),
    };
    try {
      await options.api.updateLease(options.namespace, options.name, released);
    } catch (err) {
      // Someone already took over: nothing left to release.
      if (!isConflict(err)) throw err;
    }
  }

  function observe(record: LeaseRecord, now: Date): void {
    const key = `${record.holderIdentity}|${record.renewTime?.getTime() ?? ''}|${record.leaseTransitions}|${record.leaseDurationSeconds}`;
    if (key !== observedKey) {
      observedKey = key;
      observedAt = now.getTime();
    }
  }

  return { tryAcquireOrRenew, release, isLeader: () => leader };
}
