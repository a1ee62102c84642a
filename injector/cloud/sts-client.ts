/**
 * STS over `@alicloud/openapi-client`: AssumeRoleWithOIDC (anonymous) and AssumeRole (signed,
 * for chains). Implements the `StsApi` the credential sources need.
 *
 * AssumeRoleWithOIDC goes through `doRPCRequest` with `authType: 'Anonymous'`, as the generated
 * `@alicloud/sts20150401` does (alibaba-cloud-apis.md §2.2); the OIDC token travels in the
 * urlencoded form BODY, not the query, so it never appears in a URL (httpx puts the URL into its
 * error messages, and proxies log URLs). AssumeRole goes through `callApi` (ACS3-HMAC-SHA256),
 * signed with the previous hop's credentials.
 */
import OpenApiModule from '@alicloud/openapi-client';
import { ErrorCode, InjectorError } from '../../common/errors.ts';
import type { CloudCredentials, CredentialSource, StsApi } from './credentials.ts';
import { toSdkCredential } from './credentials.ts';
import type { ResolvedEndpoint } from './endpoints.ts';
import { callRpc, createOpenApiClient, type JsonBody, type OpenApiClient } from './openapi-client-factory.ts';
import { toInjectorError } from './retry.ts';

const STS_VERSION = '2015-04-01';

/** Reads `Credentials` from an STS response; a 200 without all four fields is an error (as `@alicloud/credentials` treats it, §3.4). */
export function parseStsCredentials(body: JsonBody, action: string, roleArn: string): CloudCredentials {
  const c = body.Credentials as Record<string, unknown> | undefined;
  const expiresAt = typeof c?.Expiration === 'string' ? Date.parse(c.Expiration) : NaN;
  if (c === undefined || typeof c.AccessKeyId !== 'string' || typeof c.AccessKeySecret !== 'string' || typeof c.SecurityToken !== 'string' || Number.isNaN(expiresAt)) {
    throw new InjectorError(ErrorCode.CREDENTIALS, `STS ${action} ${JSON.stringify(roleArn)}: the response has no complete Credentials (AccessKeyId, AccessKeySecret, SecurityToken, Expiration)`, {
      retryable: false, detail: { service: 'sts', action, subject: roleArn, cloudCode: 'MalformedResponse' },
    });
  }
  return { accessKeyId: c.AccessKeyId, accessKeySecret: c.AccessKeySecret, securityToken: c.SecurityToken, expiresAt };
}

/** `StsApi` against one STS endpoint. */
export class StsClient implements StsApi {
  readonly #endpoint: ResolvedEndpoint;
  readonly #anonymous: OpenApiClient;

  constructor(endpoint: ResolvedEndpoint) {
    this.#endpoint = endpoint;
    this.#anonymous = createOpenApiClient(endpoint);
  }

  async assumeRoleWithOidc(request: { roleArn: string; oidcProviderArn: string; oidcToken: string; roleSessionName: string; durationSeconds?: number }): Promise<CloudCredentials> {
    const action = 'AssumeRoleWithOIDC';
    const query: Record<string, string> = { RoleArn: request.roleArn, OIDCProviderArn: request.oidcProviderArn, RoleSessionName: request.roleSessionName };
    if (request.durationSeconds !== undefined) query.DurationSeconds = String(request.durationSeconds);
    let body: JsonBody;
    try {
      const response = await this.#anonymous.doRPCRequest(action, STS_VERSION, 'HTTPS', 'POST', 'Anonymous', 'json',
        new OpenApiModule.OpenApiRequest({ query, body: { OIDCToken: request.oidcToken } }), {} as Parameters<OpenApiClient['doRPCRequest']>[7]);
      body = response.body as JsonBody;
    } catch (err) {
      throw toInjectorError(err, ErrorCode.CREDENTIALS, { service: 'sts', action, subject: request.roleArn });
    }
    return parseStsCredentials(body, action, request.roleArn);
  }

  async assumeRole(caller: CredentialSource, request: { roleArn: string; roleSessionName: string; durationSeconds?: number }): Promise<CloudCredentials> {
    const action = 'AssumeRole';
    const query: Record<string, string> = { RoleArn: request.roleArn, RoleSessionName: request.roleSessionName };
    if (request.durationSeconds !== undefined) query.DurationSeconds = String(request.durationSeconds);
    let body: JsonBody;
    try {
      body = await callRpc(createOpenApiClient(this.#endpoint, toSdkCredential(caller)), action, STS_VERSION, query);
    } catch (err) {
      throw toInjectorError(err, ErrorCode.CREDENTIALS, { service: 'sts', action, subject: request.roleArn });
    }
    return parseStsCredentials(body, action, request.roleArn);
  }
}
