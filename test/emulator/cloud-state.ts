/**
 * Everything the emulated cloud knows, in one object handed to the request handlers and the admin
 * service: RAM, the OIDC issuers, issued STS sessions, KMS secrets, OOS parameters, faults,
 * counters and STS settings. The clock is injectable so expiry can be tested without sleeping.
 */
import { CallCounter } from './call-counts.ts';
import { FaultPlan } from './faults.ts';
import { KmsSecrets } from './kms-secrets.ts';
import { OidcIssuers } from './oidc-issuers.ts';
import { OosParameters } from './oos-parameters.ts';
import { RateLimits } from './rate-limits.ts';
import { RamDirectory } from './ram-directory.ts';
import { StsSessions } from './sts-sessions.ts';

/** STS knobs the admin API can change at run time. */
export interface StsSettings {
  /**
   * When set, issued credentials expire after this many seconds regardless of DurationSeconds
   * (which is still validated). Lets tests force refreshes: `@alicloud/credentials` refreshes
   * whenever less than 15 minutes remain (reference §3.4).
   */
  credentialLifetimeSeconds: number | undefined;
  /** Upper bound of DurationSeconds for AssumeRole called with role-session credentials (reference §2.3: configurable). */
  chainedMaxDurationSeconds: number | undefined;
}

/** The emulated cloud. */
export class CloudState {
  readonly region: string;
  readonly defaultAccountId: string;
  readonly now: () => number;
  readonly ram = new RamDirectory();
  readonly issuers: OidcIssuers;
  readonly sessions = new StsSessions();
  readonly secrets: KmsSecrets;
  readonly parameters: OosParameters;
  readonly faults = new FaultPlan();
  readonly counts = new CallCounter();
  /** Per-account, per-API token buckets (rate-limits.ts); on by default with the documented figures. */
  readonly rateLimits = new RateLimits();
  readonly settings: StsSettings = { credentialLifetimeSeconds: undefined, chainedMaxDurationSeconds: undefined };
  /** Signature nonces seen within the skew window (reference §7.1 step 7), with their expiry. */
  readonly nonces = new Map<string, number>();
  /** When `nonces` was last pruned of expired entries (epoch ms). */
  noncesPrunedAt = 0;

  constructor(o: { region: string; defaultAccountId: string; issuerUrl: string; now?: () => number }) {
    this.region = o.region;
    this.defaultAccountId = o.defaultAccountId;
    this.now = o.now ?? Date.now;
    this.issuers = new OidcIssuers(o.issuerUrl, this.now);
    this.secrets = new KmsSecrets(this.now);
    this.parameters = new OosParameters(this.now);
    this.ram.defineAccount(o.defaultAccountId);
  }
}
