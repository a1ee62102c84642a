/**
 * Verification of the two request-signing schemes the Alibaba Cloud Node SDKs use (reference §7):
 * ACS3-HMAC-SHA256 (openapi-client `callApi`) and signature v1 HMAC-SHA1 (`@alicloud/credentials`
 * AssumeRole, rpc-client, `signatureAlgorithm: 'v2'`). Pure functions over a parsed request: the
 * caller supplies the secret for an AccessKeyId and the clock.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { AcsError } from './acs-error.ts';

/** A request as the verifier needs it: lower-case header names, decoded query pairs, raw body. */
export interface SignedRequest {
  method: string;
  pathname: string;
  query: ReadonlyArray<readonly [string, string]>;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer;
  /** Query ∪ form-body parameters (v1 signs the union, reference §7.2). */
  params: Readonly<Record<string, string>>;
}

/** What a verified signature proves: who signed, and the token the request carried. */
export interface SignatureClaims {
  scheme: 'ACS3-HMAC-SHA256' | 'HMAC-SHA1';
  accessKeyId: string;
  securityToken: string | undefined;
}

/**
 * Looks up the secret of an AccessKeyId and checks the security token that came with it; throws
 * the gateway's AcsError (unknown key, expired or mismatched token) before the signature is checked.
 */
export type SecretLookup = (accessKeyId: string, securityToken: string | undefined) => string;

/** The gateway's allowed clock skew for x-acs-date / Timestamp: 15 minutes (reference §7.1 step 7). */
export const MAX_SKEW_MS = 15 * 60 * 1000;

/** RFC 3986 percent-encoding as both schemes define it: encodeURIComponent plus `!'()*`. */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function header(headers: SignedRequest['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** `YYYY-MM-DDTHH:MM:SSZ`, the only timestamp format the gateway accepts (reference §7.1/§7.2). */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** Checks the request time is well-formed and within the allowed skew of `now`. */
export function checkTimestamp(value: string | undefined, now: number, name: string): void {
  if (value === undefined || !TIMESTAMP.test(value) || Number.isNaN(Date.parse(value))) {
    throw new AcsError(400, 'InvalidTimeStamp.Format', `Specified time stamp or date value is not well formatted: ${name}="${value ?? ''}" (accepted: YYYY-MM-DDTHH:MM:SSZ).`);
  }
  if (Math.abs(Date.parse(value) - now) > MAX_SKEW_MS) {
    throw new AcsError(400, 'InvalidTimeStamp.Expired', `Specified time stamp or date value is expired: ${name}="${value}" is more than 15 minutes from the server time.`);
  }
}

const ACS3_AUTHORIZATION = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$/;

/** Builds the ACS3 canonical request (reference §7.1); exported so tests can sign like the SDK. */
export function acs3CanonicalRequest(req: Pick<SignedRequest, 'method' | 'pathname' | 'query' | 'headers'>, signedHeaders: readonly string[], payloadHash: string): string {
  const query = [...req.query]
    .map(([k, v]) => [percentEncode(k), percentEncode(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalHeaders = [...signedHeaders]
    .sort()
    .map((h) => `${h}:${(header(req.headers, h) ?? '').trim()}\n`)
    .join('');
  return [req.method.toUpperCase(), req.pathname, query, canonicalHeaders, [...signedHeaders].sort().join(';'), payloadHash].join('\n');
}

/**
 * Verifies an ACS3-HMAC-SHA256 request, following reference §7.1:
 * 1. parse Authorization (IncompleteSignature when missing or malformed);
 * 2. check x-acs-date skew and format;
 * 3. look up the secret (the lookup also checks the security token);
 * 4. check x-acs-content-sha256 equals the body's hash;
 * 5. check host and every x-acs-* header are signed;
 * 6. rebuild the canonical request from the decoded query and the raw Host header;
 * 7. compare signatures in constant time (SignatureDoesNotMatch with the server string to sign).
 * The nonce is checked by the caller after a good signature, so a forged request cannot burn one.
 */
export function verifyAcs3(req: SignedRequest, lookup: SecretLookup, now: number): SignatureClaims {
  // 1. Authorization
  const auth = header(req.headers, 'authorization');
  const m = auth === undefined ? null : ACS3_AUTHORIZATION.exec(auth);
  if (m === null) {
    throw new AcsError(400, 'IncompleteSignature', 'The request signature does not conform to Aliyun standards. (expected "ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<h1;h2>,Signature=<hex>")');
  }
  const accessKeyId = m[1] as string;
  const signedHeaders = (m[2] as string).split(';');
  const signature = m[3] as string;
  // 2. time
  checkTimestamp(header(req.headers, 'x-acs-date'), now, 'x-acs-date');
  // 3. secret and token
  const securityToken = header(req.headers, 'x-acs-security-token');
  const secret = lookup(accessKeyId, securityToken);
  // 4. payload hash
  const payloadHash = sha256Hex(req.body);
  const declared = header(req.headers, 'x-acs-content-sha256');
  if (declared !== undefined && declared !== payloadHash) {
    throw new AcsError(400, 'SignatureDoesNotMatch', `Specified signature is not matched with our calculation. The x-acs-content-sha256 header does not match the SHA-256 of the body.`);
  }
  // 5. signed header coverage
  const mustSign = ['host', ...Object.keys(req.headers).filter((h) => h.startsWith('x-acs-'))];
  const unsigned = mustSign.filter((h) => !signedHeaders.includes(h));
  if (unsigned.length > 0) {
    throw new AcsError(400, 'IncompleteSignature', `The request signature does not conform to Aliyun standards: headers not in SignedHeaders: ${unsigned.join(', ')}.`);
  }
  // 6. canonical request
  const canonical = acs3CanonicalRequest(req, signedHeaders, payloadHash);
  const stringToSign = `ACS3-HMAC-SHA256\n${sha256Hex(canonical)}`;
  // 7. compare
  const expected = createHmac('sha256', secret).update(stringToSign).digest('hex');
  if (!safeEqual(expected, signature)) {
    throw new AcsError(400, 'SignatureDoesNotMatch', `Specified signature is not matched with our calculation. server string to sign is:${stringToSign}`);
  }
  return { scheme: 'ACS3-HMAC-SHA256', accessKeyId, securityToken };
}

/** Builds the v1 string to sign over query ∪ form parameters minus Signature (reference §7.2). */
export function v1StringToSign(method: string, params: Readonly<Record<string, string>>): string {
  const canon = Object.keys(params)
    .filter((k) => k !== 'Signature')
    .sort()
    .map((k) => `${percentEncode(k)}=${percentEncode(params[k] as string)}`)
    .join('&');
  return `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canon)}`;
}

/**
 * Verifies a signature-v1 (HMAC-SHA1) RPC request (reference §7.2):
 * 1. require AccessKeyId, Signature, SignatureMethod=HMAC-SHA1 and SignatureVersion=1.0;
 * 2. check the Timestamp;
 * 3. look up the secret (and check SecurityToken);
 * 4. compare base64(HMAC-SHA1(secret + "&", StringToSign)) in constant time.
 */
export function verifyV1(req: SignedRequest, lookup: SecretLookup, now: number): SignatureClaims {
  // 1. required fields
  const p = req.params;
  const missing = ['AccessKeyId', 'Signature', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce'].filter((k) => p[k] === undefined);
  if (missing.length > 0) {
    throw new AcsError(400, 'IncompleteSignature', `The request signature does not conform to Aliyun standards: missing ${missing.join(', ')}.`);
  }
  if (p['SignatureMethod'] !== 'HMAC-SHA1' || p['SignatureVersion'] !== '1.0') {
    throw new AcsError(400, 'IncompleteSignature', `The request signature does not conform to Aliyun standards: SignatureMethod="${p['SignatureMethod'] ?? ''}", SignatureVersion="${p['SignatureVersion'] ?? ''}" (accepted: HMAC-SHA1, 1.0).`);
  }
  // 2. time
  checkTimestamp(p['Timestamp'], now, 'Timestamp');
  // 3. secret and token
  const accessKeyId = p['AccessKeyId'] as string;
  const securityToken = p['SecurityToken'];
  const secret = lookup(accessKeyId, securityToken);
  // 4. compare
  const stringToSign = v1StringToSign(req.method, p);
  const expected = createHmac('sha1', `${secret}&`).update(stringToSign).digest('base64');
  if (!safeEqual(expected, p['Signature'] as string)) {
    throw new AcsError(400, 'SignatureDoesNotMatch', `Specified signature is not matched with our calculation. server string to sign is:${stringToSign}`);
  }
  return { scheme: 'HMAC-SHA1', accessKeyId, securityToken };
}

/** The signature nonce a verified request carried (ACS3 header or v1 parameter). */
export function requestNonce(req: SignedRequest): string | undefined {
  return header(req.headers, 'x-acs-signature-nonce') ?? req.params['SignatureNonce'];
}

/** True when the request is ACS3-signed (Authorization header), false for v1 or anonymous. */
export function isAcs3(req: SignedRequest): boolean {
  return (header(req.headers, 'authorization') ?? '').startsWith('ACS3-');
}
