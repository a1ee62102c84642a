/**
 * OOS `GetSecretParameter` (2019-06-01, `WithDecryption=true`) through `@alicloud/openapi-client`
 * (the OOS SDK is not on npm, alibaba-cloud-apis.md §0). An entry's `versionId` is sent as
 * `ParameterVersion` (an integer 1-100, checked at admission); upstream drops it (semantics
 * reference §2.6), issue 17 honours it. `versionStage` and `kmsEndpoint` do not apply to OOS.
 */
import { ErrorCode, InjectorError } from '../../common/errors.ts';
import type { CredentialSource } from './credentials.ts';
import { toSdkCredential } from './credentials.ts';
import type { ResolvedEndpoint } from './endpoints.ts';
import type { FetchedValue, FetchRequest } from '../rules/fetch-types.ts';
import { callRpc, createOpenApiClient, type JsonBody, type OpenApiClient } from './openapi-client-factory.ts';
import { toInjectorError } from './retry.ts';

const OOS_VERSION = '2019-06-01';
const ACTION = 'GetSecretParameter';

/** Reads `Parameter.Value` (text) and `Parameter.ParameterVersion` from a GetSecretParameter body. */
export function parseGetSecretParameter(body: JsonBody, name: string): FetchedValue {
  const parameter = body.Parameter as Record<string, unknown> | undefined;
  const value = parameter?.Value;
  if (typeof value !== 'string') {
    throw new InjectorError(ErrorCode.PROVIDER, `OOS ${ACTION} ${JSON.stringify(name)}: the response has no Parameter.Value (is it an encryption parameter?)`, {
      retryable: false, detail: { service: 'oos', action: ACTION, subject: name, cloudCode: 'MalformedResponse' },
    });
  }
  const out: FetchedValue = { data: value, dataType: 'text' };
  const version = parameter?.ParameterVersion;
  if (typeof version === 'number' || typeof version === 'string') out.versionId = String(version);
  return out;
}

/** Fetches OOS encryption parameters with a profile's credentials. */
export class OosClient {
  readonly #credentials: (profile: string) => CredentialSource;
  readonly #endpoint: ResolvedEndpoint;
  readonly #region: string;
  readonly #clients = new Map<string, OpenApiClient>();

  constructor(credentials: (profile: string) => CredentialSource, endpoint: ResolvedEndpoint, region: string) {
    this.#credentials = credentials;
    this.#endpoint = endpoint;
    this.#region = region;
  }

  /** One GetSecretParameter call (no retry here; the fetch cycle retries). */
  async getSecretParameter(request: FetchRequest): Promise<FetchedValue> {
    const ctx = { service: 'oos', action: ACTION, subject: request.key };
    let body: JsonBody;
    try {
      let client = this.#clients.get(request.profile);
      if (client === undefined) {
        client = createOpenApiClient(this.#endpoint, toSdkCredential(this.#credentials(request.profile)));
        this.#clients.set(request.profile, client);
      }
      const query: Record<string, string> = { Name: request.key, WithDecryption: 'true', RegionId: this.#region };
      if (request.versionId !== undefined) query.ParameterVersion = request.versionId;
      body = await callRpc(client, ACTION, OOS_VERSION, query);
    } catch (err) {
      throw toInjectorError(err, ErrorCode.PROVIDER, ctx);
    }
    return parseGetSecretParameter(body, request.key);
  }
}
