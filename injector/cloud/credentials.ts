/**
 * Credentials per credential profile of the injector config: where each profile's AccessKey
 * pair comes from, how long it is reused, and the adapter that hands it to the Alibaba Cloud SDK.
 *
 * Chains (issue 3, DESIGN.md §3):
 * - `rrsa`: the projected ServiceAccount token file → STS AssumeRoleWithOIDC, then optionally a
 *   chained AssumeRole into `remoteRoleArn` (cross-account), signed with the first hop's keys.
 * - `accessKey`: an AccessKey pair read from files (a mounted Secret), optionally AssumeRole'd
 *   into `roleArn`, optionally chained into `remoteRoleArn`.
 *
 * Why our own provider instead of `@alicloud/credentials`' OIDC/RAM-role providers
 * (alibaba-cloud-apis.md §3): they (1) cache on a fixed 15-minute stale window, so credentials
 * that live 15 minutes or less are re-fetched on EVERY call (§3.4); (2) do not share one
 * in-flight refresh between concurrent callers, so N parallel fetches at start make N STS
 * exchanges; (3) read ALIBABA_CLOUD_ROLE_ARN and friends from the environment as silent
 * fallbacks, which for the chained hop would assume the FIRST role again (§3.5); (4) surface STS
 * failures as plain Errors embedding the raw response body with no code (§3.4, §8); and (5) take
 * no clock, so refresh-before-expiry cannot be tested without sleeping. The library still fits
 * as the SDK-facing adapter: `toSdkCredential` wraps our source in its `Credential` class, which
 * `@alicloud/openapi-client` consumes (§3.7).
 */
import { readFile } from 'node:fs/promises';
import CredentialsModule from '@alicloud/credentials';
import { ErrorCode, InjectorError } from '../../common/errors.ts';
import type { CredentialProfile } from '../../contract/injector-config-schema.ts';
import { ECS_METADATA_HOST, fetchWorkerRoleCredentials } from './ecs-metadata.ts';
import type { PlainHttpRequest } from '../plain-http.ts';

/** An AccessKey pair; STS pairs carry a security token and an expiry (ms since the epoch). */
export interface CloudCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
  expiresAt?: number;
}

/** Anything that can produce the current credentials of one profile. */
export interface CredentialSource {
  /** Sent as `x-acs-credentials-provider`; e.g. `oidc_role_arn`, `ram_role_arn/oidc_role_arn`. */
  readonly providerName: string;
  get(): Promise<CloudCredentials>;
}

/** The STS calls the chains need. Implemented over the SDK in injector/cloud/sts-client.ts; faked in unit tests. */
export interface StsApi {
  assumeRoleWithOidc(request: { roleArn: string; oidcProviderArn: string; oidcToken: string; roleSessionName: string; durationSeconds?: number }): Promise<CloudCredentials>;
  /** Signed with `caller`'s credentials. */
  assumeRole(caller: CredentialSource, request: { roleArn: string; roleSessionName: string; durationSeconds?: number }): Promise<CloudCredentials>;
}

/**
 * When to refresh: once less than 20 % of a credential's lifetime is left (the rule of
 * ack-ram-tool's providers that ack-secret-manager uses, semantics reference §3.1), but never
 * earlier than 15 minutes before expiry (`@alicloud/credentials` STALE_TIME, alibaba-cloud-apis.md
 * §3.4), so a 1 h credential is reused for 48 min and a 12 h one for 11 h 45 min.
 */
export function refreshMarginMs(lifetimeMs: number): number {
  return Math.min(15 * 60_000, Math.max(0, lifetimeMs) * 0.2);
}

/**
 * The renewal point of a credential obtained at `obtainedAt` that expires at `expiresAt`: the
 * `refreshMarginMs` rule, moved earlier by `phase` × that margin when a phase in (0, 1] is given.
 * Pods started together (a rollout) obtain their credentials within the rollout's minutes and
 * would renew in the same burst every lifetime; each pod's own phase spreads those renewals
 * uniformly over one margin (12 min for 1 h credentials: renewed 36-48 min after issue), always
 * before the plain rule's point, so nothing is renewed later than before (issue 15).
 */
export function renewalAt(obtainedAt: number, expiresAt: number, phase?: number): number {
  const margin = refreshMarginMs(expiresAt - obtainedAt);
  return expiresAt - margin - (phase === undefined ? 0 : phase * margin);
}

/** Credentials as held by a cached source, with when they were obtained (for the init → agent handoff). */
export interface HeldCredentials {
  credentials: CloudCredentials;
  obtainedAt: number;
}

/** Options of a cached source. */
export interface CachedSourceOptions {
  providerName: string;
  /** Fetches fresh credentials (one STS exchange). */
  refresh: () => Promise<CloudCredentials>;
  /** Milliseconds clock, injectable for tests. */
  now?: () => number;
  /** Told about a failed refresh that was bridged by still-valid credentials. */
  onStaleServe?: (err: unknown) => void;
  /** This pod's renewal phase in (0, 1] (`renewalAt`); absent → renew at the plain margin. */
  phase?: number;
}

/**
 * Reuses credentials until `refreshMarginMs` before they expire; concurrent callers share one
 * in-flight refresh, so one STS exchange serves every secret of the profile.
 *
 * 1. Cached and not yet due → return the cache.
 * 2. A refresh already running → wait for it.
 * 3. Otherwise refresh. On failure, keep serving the old credentials while they are still
 *    valid (a transient STS outage must not fail fetches that could still succeed); else throw.
 */
export class CachedCredentialSource implements CredentialSource {
  readonly providerName: string;
  readonly #refresh: () => Promise<CloudCredentials>;
  readonly #now: () => number;
  readonly #onStaleServe: ((err: unknown) => void) | undefined;
  readonly #phase: number | undefined;
  #cached: CloudCredentials | undefined;
  #obtainedAt = 0;
  #refreshAt = 0;
  #inFlight: Promise<CloudCredentials> | undefined;

  constructor(options: CachedSourceOptions) {
    this.providerName = options.providerName;
    this.#refresh = options.refresh;
    this.#now = options.now ?? Date.now;
    this.#onStaleServe = options.onStaleServe;
    this.#phase = options.phase;
  }

  /** The credentials held now, if any (written into the init → agent handoff, injector/handoff.ts). */
  held(): HeldCredentials | undefined {
    return this.#cached === undefined ? undefined : { credentials: this.#cached, obtainedAt: this.#obtainedAt };
  }

  /**
   * Starts from credentials another process obtained (the init container's, via the handoff), so
   * they are reused until their renewal point instead of being exchanged again. Ignored when they
   * have no expiry (only STS credentials are handed over) or are already past their renewal point.
   * Returns whether they were taken.
   */
  seed(held: HeldCredentials): boolean {
    const { credentials, obtainedAt } = held;
    if (credentials.expiresAt === undefined) return false;
    const at = renewalAt(obtainedAt, credentials.expiresAt, this.#phase);
    if (this.#now() >= at) return false;
    this.#cached = credentials;
    this.#obtainedAt = obtainedAt;
    this.#refreshAt = at;
    return true;
  }

  get(): Promise<CloudCredentials> {
    const now = this.#now();
    if (this.#cached !== undefined && now < this.#refreshAt) return Promise.resolve(this.#cached);
    if (this.#inFlight !== undefined) return this.#inFlight;
    const started = now;
    const flight = this.#refresh().then(
      (creds) => {
        this.#cached = creds;
        this.#obtainedAt = started;
        this.#refreshAt = creds.expiresAt === undefined ? Number.POSITIVE_INFINITY : renewalAt(started, creds.expiresAt, this.#phase);
        return creds;
      },
      (err: unknown) => {
        const old = this.#cached;
        if (old !== undefined && (old.expiresAt === undefined || this.#now() < old.expiresAt)) {
          this.#onStaleServe?.(err);
          return old;
        }
        throw err;
      },
    ).finally(() => {
      this.#inFlight = undefined;
    });
    this.#inFlight = flight;
    return flight;
  }
}

/** An AccessKey pair read from files on every call, so a rotated Secret is picked up. */
export class AccessKeyFileSource implements CredentialSource {
  readonly providerName = 'static_ak';
  readonly #idFile: string;
  readonly #secretFile: string;

  constructor(idFile: string, secretFile: string) {
    this.#idFile = idFile;
    this.#secretFile = secretFile;
  }

  async get(): Promise<CloudCredentials> {
    const read = async (path: string, what: string): Promise<string> => {
      try {
        const v = (await readFile(path, 'utf8')).trim();
        if (v === '') throw new InjectorError(ErrorCode.CREDENTIALS, `${what} file ${path} is empty`);
        return v;
      } catch (err) {
        if (err instanceof InjectorError) throw err;
        throw new InjectorError(ErrorCode.CREDENTIALS, `cannot read the ${what} file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { retryable: false });
      }
    };
    return { accessKeyId: await read(this.#idFile, 'AccessKey ID'), accessKeySecret: await read(this.#secretFile, 'AccessKey secret') };
  }
}

/** Reads the projected ServiceAccount token; a missing or empty file is a clear E_CREDENTIALS. */
export async function readTokenFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    // The kubelet writes the projected token before containers start; a miss is a broken mount.
    throw new InjectorError(ErrorCode.CREDENTIALS, `cannot read the ServiceAccount token file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'} (is the projected token volume mounted?)`, { retryable: false });
  }
  const token = text.trim();
  if (token === '') throw new InjectorError(ErrorCode.CREDENTIALS, `the ServiceAccount token file ${path} is empty`, { retryable: true });
  return token;
}

/** What building the sources needs. */
export interface CredentialDeps {
  sts: StsApi;
  /** The projected token file (config.tokenPath); re-read for every AssumeRoleWithOIDC. */
  tokenPath: string;
  now?: () => number;
  onStaleServe?: (profile: string, err: unknown) => void;
  /** Where `ecsRole` profiles read the worker role: 100.100.100.200, or the test loopback redirect. */
  metadataHost?: string;
  /** The metadata service call (ecs-metadata.ts); tests pass a stand-in. */
  request?: PlainHttpRequest;
  /** The pod's renewal phase in (0, 1] for every cached source (`renewalAt`); absent → not spread. */
  phase?: number;
}

/** Session name for a hop: explicit, else the first hop's, else ours (2..64 chars of [A-Za-z0-9.@_-]). */
const DEFAULT_SESSION_NAME = 'ack-secret-injector';

/**
 * Builds the credential source of one profile (see the module comment for the chains). The
 * chained hop always names its role ARN explicitly; nothing falls back to environment variables.
 */
export function buildCredentialSource(profile: Readonly<CredentialProfile>, deps: CredentialDeps): CredentialSource {
  const cached = (providerName: string, refresh: () => Promise<CloudCredentials>): CachedCredentialSource => {
    const options: CachedSourceOptions = { providerName, refresh };
    if (deps.now !== undefined) options.now = deps.now;
    if (deps.phase !== undefined) options.phase = deps.phase;
    if (deps.onStaleServe !== undefined) { const hook = deps.onStaleServe; options.onStaleServe = (err) => hook(profile.id, err); }
    return new CachedCredentialSource(options);
  };
  let base: CredentialSource;
  if (profile.kind === 'rrsa') {
    base = cached('oidc_role_arn', async () => {
      const request = {
        roleArn: profile.roleArn,
        oidcProviderArn: profile.oidcProviderArn,
        oidcToken: await readTokenFile(deps.tokenPath),
        roleSessionName: profile.roleSessionName,
      };
      return deps.sts.assumeRoleWithOidc(profile.durationSeconds === undefined ? request : { ...request, durationSeconds: profile.durationSeconds });
    });
  } else if (profile.kind === 'ecsRole') {
    const metadata = { host: deps.metadataHost ?? ECS_METADATA_HOST, ...(deps.request === undefined ? {} : { request: deps.request }) };
    base = cached('ecs_ram_role', () => fetchWorkerRoleCredentials(metadata));
  } else {
    base = new AccessKeyFileSource(profile.accessKeyIdFile, profile.accessKeySecretFile);
    if (profile.roleArn !== undefined) {
      const caller = base;
      const roleArn = profile.roleArn;
      const roleSessionName = profile.roleSessionName ?? DEFAULT_SESSION_NAME;
      base = cached(`ram_role_arn/${caller.providerName}`, () => deps.sts.assumeRole(caller, { roleArn, roleSessionName }));
    }
  }
  if (profile.remoteRoleArn === undefined) return base;
  const caller = base;
  const roleArn = profile.remoteRoleArn;
  const roleSessionName = profile.remoteRoleSessionName ?? ('roleSessionName' in profile && profile.roleSessionName !== undefined ? profile.roleSessionName : DEFAULT_SESSION_NAME);
  return cached(`ram_role_arn/${caller.providerName}`, () => deps.sts.assumeRole(caller, { roleArn, roleSessionName }));
}

/** The SDK's `Credential` class (CommonJS default export of `@alicloud/credentials`). */
const SdkCredential = CredentialsModule.default;
/** The instance type `@alicloud/openapi-client` accepts as `Config.credential`. */
export type SdkCredential = InstanceType<typeof SdkCredential>;

/**
 * Wraps a source in `@alicloud/credentials`' `Credential` (its documented custom-provider
 * path: any object with `getCredentials()` and `getProviderName()`, alibaba-cloud-apis.md §3.1),
 * so `@alicloud/openapi-client` signs each request with the source's current keys.
 */
export function toSdkCredential(source: CredentialSource): SdkCredential {
  const provider = {
    getProviderName: (): string => source.providerName,
    getCredentials: async () => {
      // `Credential.getCredential()` only reads these four properties (client.js, §3.7).
      const c = await source.get();
      return { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, securityToken: c.securityToken ?? '', providerName: source.providerName };
    },
  };
  return new SdkCredential(null, provider);
}
