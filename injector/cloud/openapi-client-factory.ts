/**
 * Builds `@alicloud/openapi-client` clients for the injector's three services, and the one
 * helper that calls an RPC-style action with ACS3-HMAC-SHA256 signing.
 *
 * Why the generic client and not `@alicloud/kms20160120`: the npm package is the old 1.x line on
 * `@alicloud/rpc-client` (signature v1 HMAC-SHA1, no `ca` option for dedicated KMS gateways,
 * error codes suffixed with "Error", no HTTP status on errors, three racy credential getter
 * calls), while the 2.x line built on openapi-client is not published; the OOS SDK is not on npm
 * at all (alibaba-cloud-apis.md §0, §4.4). The generic `callApi` is exactly what the generated
 * 2.x SDKs do (§4.2, §5, §6), with modern signing, a real credential object and typed HTTP errors.
 */
import OpenApiModule from '@alicloud/openapi-client';
import type { ResolvedEndpoint } from './endpoints.ts';
import type { SdkCredential } from './credentials.ts';
import { installSdkReadTimerCleanup } from './sdk-read-timer.ts';

const OpenApiClient = OpenApiModule.default;
/** An openapi-client instance. */
export type OpenApiClient = InstanceType<typeof OpenApiClient>;

/**
 * Timeouts in ms. `@alicloud/credentials` uses 5 s connect / 10 s read for STS (§3.2); the same
 * values suit KMS/OOS (httpx would otherwise default to 3 s for both, §6, too tight for a
 * VPC endpoint under load).
 */
export const CONNECT_TIMEOUT_MS = 5000;
export const READ_TIMEOUT_MS = 10_000;

/**
 * A client for `endpoint`, signing with `credential` when given (STS AssumeRoleWithOIDC needs
 * none). Also makes sure httpx's leftover read timers are cleared (injector/cloud/sdk-read-timer.ts).
 */
export function createOpenApiClient(endpoint: ResolvedEndpoint, credential?: SdkCredential): OpenApiClient {
  installSdkReadTimerCleanup();
  const config = new OpenApiModule.Config({
    endpoint: endpoint.connectTo,
    protocol: 'https',
    connectTimeout: CONNECT_TIMEOUT_MS,
    readTimeout: READ_TIMEOUT_MS,
  });
  if (credential !== undefined) config.credential = credential;
  // Only a dedicated KMS gateway carries its own CA; everything else uses the system roots
  // (plus NODE_EXTRA_CA_CERTS), since a `ca` here REPLACES the default trust store.
  if (endpoint.ca !== undefined) config.ca = endpoint.ca;
  return new OpenApiClient(config);
}

/** The response body of a JSON RPC call. */
export type JsonBody = Record<string, unknown>;

/**
 * Calls an RPC-style action with all parameters in the query and ACS3-HMAC-SHA256 signing (the
 * call shape of the generated SDKs, alibaba-cloud-apis.md §4.2). Throws whatever the SDK throws;
 * callers map it with `toInjectorError`.
 */
export async function callRpc(client: OpenApiClient, action: string, version: string, query: Record<string, string>): Promise<JsonBody> {
  const params = new OpenApiModule.Params({
    action, version, protocol: 'HTTPS', pathname: '/', method: 'POST', authType: 'AK', style: 'RPC', reqBodyType: 'formData', bodyType: 'json',
  });
  const request = new OpenApiModule.OpenApiRequest({ query });
  // callApi only reads properties of the runtime options, so a plain object works (§6, "Version skew").
  const response = await client.callApi(params, request, {} as Parameters<OpenApiClient['callApi']>[2]);
  return response.body as JsonBody;
}
