/**
 * The seam between fetching (the shell: credentials, SDK calls, retries) and the rule engine (the
 * pure core). The engine lists what it needs with `FetchRequest`s; the fetch layer fetches each
 * distinct `fetchId` once per cycle and hands back a map of results; the engine turns them into
 * files. `render` fills the same map from a values file instead of the cloud.
 */
import type { InjectorError } from '../../common/errors.ts';

/** One thing to fetch: a KMS secret version or an OOS encryption parameter. */
export interface FetchRequest {
  provider: 'kms' | 'oos';
  /** KMS SecretName or OOS parameter Name. */
  key: string;
  versionId?: string;
  versionStage?: string;
  /** Credential profile id (InjectorConfig.profiles). */
  profile: string;
  /** Per-entry KMS endpoint override (host only), already validated at admission. */
  kmsEndpoint?: string;
}

/** What a fetch returns. `data` is text for text secrets and raw bytes for KMS binary secrets. */
export interface FetchedValue {
  data: string | Uint8Array;
  dataType: 'text' | 'binary';
  versionId?: string;
}

/** Stable identity of a request: equal ids are fetched once per cycle. */
export function fetchId(r: FetchRequest): string {
  return JSON.stringify([r.provider, r.profile, r.kmsEndpoint ?? '', r.key, r.versionId ?? '', r.versionStage ?? '']);
}

/** Results of one cycle, by fetchId. A failed fetch is an InjectorError (code E_PROVIDER/E_CREDENTIALS). */
export type FetchResults = ReadonlyMap<string, FetchedValue | InjectorError>;
