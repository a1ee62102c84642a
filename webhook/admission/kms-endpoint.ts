/**
 * Per-entry `kmsEndpoint` validation, as ack-secret-manager 0.6.4+ does it to stop SSRF through an
 * ExternalSecret (`kms/endpoint_validation.go`, ack-secret-manager-semantics.md §2.7): only the
 * public/VPC KMS endpoints of a region and dedicated KMS gateways; no scheme, port, path, IP
 * address, metadata host or uppercase.
 */

/** The exact upstream pattern. */
export const KMS_ENDPOINT_RE = /^(kms(-vpc)?\.[a-z0-9-]+\.aliyuncs\.com|[a-z0-9-]+\.cryptoservice\.kms\.aliyuncs\.com)$/;

/** What is accepted, for error messages. */
export const KMS_ENDPOINT_SYNTAX = 'a host name "kms.<region>.aliyuncs.com", "kms-vpc.<region>.aliyuncs.com" or "<instance>.cryptoservice.kms.aliyuncs.com" without scheme, port or path';

/** True when `endpoint` (trimmed, as upstream does) is an allowed KMS endpoint. */
export function isAllowedKmsEndpoint(endpoint: string): boolean {
  return KMS_ENDPOINT_RE.test(endpoint.trim());
}
