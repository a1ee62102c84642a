/**
 * KMS `GetSecretValue` (2016-01-20) through `@alicloud/openapi-client` (why that client:
 * injector/cloud/openapi-client-factory.ts). One SDK client per (profile, endpoint), reused across
 * cycles so keep-alive connections survive between refreshes.
 */
import { ErrorCode, InjectorError } from '../../common/errors.ts';
import type { CredentialSource } from './credentials.ts';
import { toSdkCredential } from './credentials.ts';
import type { ResolvedEndpoint } from './endpoints.ts';
import type { FetchedValue, FetchRequest } from '../rules/fetch-types.ts';
import { callRpc, createOpenApiClient, type JsonBody, type OpenApiClient } from './openapi-client-factory.ts';
import { toInjectorError } from './retry.ts';

const KMS_VERSION = '2016-01-20';
const ACTION = 'GetSecretValue';
/** Standard base64 (Go's StdEncoding, which ack-secret-manager uses for binary secrets, semantics reference §2.5). */
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Turns a GetSecretValue body into a FetchedValue: `SecretDataType: binary` → the base64-decoded
 * bytes, else the text as is (semantics reference §2.4-§2.5). Missing data or bad base64 is a
 * non-retryable E_PROVIDER naming the secret (never the data).
 */
export function parseGetSecretValue(body: JsonBody, secretName: string): FetchedValue {
  const fail = (why: string): InjectorError => new InjectorError(ErrorCode.PROVIDER, `KMS ${ACTION} ${JSON.stringify(secretName)}: ${why}`, {
    retryable: false, detail: { service: 'kms', action: ACTION, subject: secretName, cloudCode: 'MalformedResponse' },
  });
  const data = body.SecretData;
  if (typeof data !== 'string') throw fail('the response has no SecretData (secret data is empty)');
  const versionId = typeof body.VersionId === 'string' ? body.VersionId : undefined;
  let value: FetchedValue;
  if (typeof body.SecretDataType === 'string' && body.SecretDataType.toLowerCase() === 'binary') {
    const compact = data.replace(/[\r\n]/g, '');
    if (!BASE64_RE.test(compact)) throw fail('SecretDataType is binary but SecretData is not valid base64 (decode binary data error)');
    value = { data: new Uint8Array(Buffer.from(compact, 'base64')), dataType: 'binary' };
  } else {
    value = { data, dataType: 'text' };
  }
  if (versionId !== undefined) value.versionId = versionId;
  return value;
}

/** Fetches KMS secrets with a profile's credentials. */
export class KmsClient {
  readonly #credentials: (profile: string) => CredentialSource;
  readonly #endpointFor: (entryEndpoint: string | undefined) => ResolvedEndpoint;
  readonly #clients = new Map<string, OpenApiClient>();

  /**
   * `credentials` maps a profile id to its source; `endpointFor` resolves the entry's
   * `kmsEndpoint` (injector/cloud/endpoints.ts `resolveKmsEndpoint`, bound to the config).
   */
  constructor(credentials: (profile: string) => CredentialSource, endpointFor: (entryEndpoint: string | undefined) => ResolvedEndpoint) {
    this.#credentials = credentials;
    this.#endpointFor = endpointFor;
  }

  /** One GetSecretValue call (no retry here; the fetch cycle retries). */
  async getSecretValue(request: FetchRequest): Promise<FetchedValue> {
    const ctx = { service: 'kms', action: ACTION, subject: request.key };
    let client: OpenApiClient;
    try {
      client = this.#client(request.profile, request.kmsEndpoint);
    } catch (err) {
      throw toInjectorError(err, ErrorCode.PROVIDER, ctx);
    }
    const query: Record<string, string> = { SecretName: request.key };
    if (request.versionStage !== undefined && request.versionStage !== '') query.VersionStage = request.versionStage;
    if (request.versionId !== undefined && request.versionId !== '') query.VersionId = request.versionId;
    let body: JsonBody;
    try {
      body = await callRpc(client, ACTION, KMS_VERSION, query);
    } catch (err) {
      throw toInjectorError(err, ErrorCode.PROVIDER, ctx);
    }
    return parseGetSecretValue(body, request.key);
  }

  #client(profile: string, entryEndpoint: string | undefined): OpenApiClient {
    const endpoint = this.#endpointFor(entryEndpoint);
    const cacheKey = `${profile}#${endpoint.host}`; // as ack-secret-manager's `clientName#endpoint` keys (§2.7)
    let client = this.#clients.get(cacheKey);
    if (client === undefined) {
      client = createOpenApiClient(endpoint, toSdkCredential(this.#credentials(profile)));
      this.#clients.set(cacheKey, client);
    }
    return client;
  }
}
