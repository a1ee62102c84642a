/**
 * The error vocabulary of the Alibaba Cloud POP gateway as the emulator sends it. Every failure an
 * action handler raises is an AcsError; the server turns it into the JSON body the real services
 * send (reference §8): `{RequestId, HostId, Code, Message, Recommend}` plus optional fields.
 */

/** A service error with its HTTP status, stable code and message, as the real gateway returns it. */
export class AcsError extends Error {
  readonly status: number;
  readonly code: string;
  /** Extra body fields (e.g. `AccessDeniedDetail`), merged into the JSON error body. */
  readonly extra: Readonly<Record<string, unknown>>;

  constructor(status: number, code: string, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = 'AcsError';
    this.status = status;
    this.code = code;
    this.extra = extra;
  }
}

/** The product a request was routed to; it decides the HostId and a few body quirks. */
export type Product = 'sts' | 'kms' | 'oos';

/**
 * Builds the JSON error body. KMS bodies also carry `HttpStatus` (reference §4.3); `Recommend`
 * points at the troubleshooting page the real gateway links (reference §8).
 */
export function errorBody(err: AcsError, requestId: string, hostId: string, product: Product | undefined): Record<string, unknown> {
  const body: Record<string, unknown> = {
    RequestId: requestId,
    HostId: hostId,
    Code: err.code,
    Message: err.message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(err.code)}&product=${product ?? 'unknown'}&requestId=${requestId}`,
    ...err.extra,
  };
  if (product === 'kms') body['HttpStatus'] = err.status;
  return body;
}

/** `MissingParameter` with the POP gateway's standard message naming the parameter (reference §7.3). */
export function missingParameter(name: string): AcsError {
  return new AcsError(400, 'MissingParameter', `The input parameter "${name}" that is mandatory for processing this request is not supplied.`);
}

/** A 403 RAM denial with the `AccessDeniedDetail` object the real gateway adds (reference §8). */
export function accessDenied(code: string, message: string, detail: { action: string; principalType: string; principal: string; resource: string }): AcsError {
  return new AcsError(403, code, message, {
    AccessDeniedDetail: {
      AuthAction: detail.action,
      AuthPrincipalType: detail.principalType,
      AuthPrincipalDisplayName: detail.principal,
      AuthResource: detail.resource,
      NoPermissionType: 'ImplicitDeny',
      PolicyType: 'AccountLevelIdentityBasedPolicy',
    },
  });
}
