/**
 * The emulator's HTTPS server: one listener for STS, KMS, OOS and the admin API. A thin shell
 * over the pure pieces: it reads the request, routes by action, applies faults, calls the action,
 * and writes the JSON the real services write (reference §9 point 3: `application/json;charset=utf-8`,
 * a RequestId on every response). It never logs a secret value, token or key: only action,
 * status, code and request id.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../../common/log.ts';
import { AcsError, errorBody, type Product } from './acs-error.ts';
import { ADMIN_PREFIX, ADMIN_ROUTES, type AdminOperation } from './admin-api.ts';
import { AdminInputError, AdminService } from './admin-service.ts';
import { authenticate } from './caller-auth.ts';
import type { CloudState } from './cloud-state.ts';
import { getSecretValue } from './kms-actions.ts';
import { getSecretParameter } from './oos-actions.ts';
import { ACTION_ROUTES, hostIdOf } from './routes.ts';
import type { SignedRequest } from './signature.ts';
import { assumeRole, assumeRoleWithOidc } from './sts-actions.ts';
import { faultDefaults } from './faults.ts';
import { accountOfRoleArn } from './rate-limits.ts';

/**
 * An over-quota answer from the rate limits: the service's throttling error, plus the time until
 * the bucket has a token again. That time is sent as `x-acs-retry-after` (milliseconds), the header
 * `@alicloud/openapi-core` reads into `ThrottlingError.retryAfter` (reference §8).
 */
class RateLimited extends AcsError {
  readonly retryAfterMs: number;
  constructor(product: Product, retryAfterMs: number) {
    const d = faultDefaults('throttle', product);
    super(d.status, d.code, d.message);
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * Body limit: 1 MiB. The largest legitimate request is AssumeRoleWithOIDC with a ≤20000-character
 * token and a ≤2048-character policy (reference §2.2), or an admin JWKS/PEM bundle.
 */
const BODY_LIMIT = 1024 * 1024;
const JSON_TYPE = 'application/json;charset=utf-8';

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > BODY_LIMIT) {
        reject(new AcsError(413, 'InvalidParameter', `The request body exceeds ${BODY_LIMIT} bytes.`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, requestId: string, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text), 'x-acs-request-id': requestId, ...headers });
  res.end(text);
}

/** Parses the query and (urlencoded) form body into the SignedRequest shape. */
function parseRequest(req: IncomingMessage, url: URL, body: Buffer): SignedRequest {
  const query = [...url.searchParams.entries()];
  const params: Record<string, string> = {};
  for (const [k, v] of query) params[k] = v;
  const type = String(req.headers['content-type'] ?? '');
  if (body.length > 0 && type.startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params[k] = v;
  }
  return { method: req.method ?? 'GET', pathname: url.pathname, query, headers: req.headers, body, params };
}

/** What every request handler needs. */
interface Emulator {
  readonly state: CloudState;
  readonly log: Logger;
  readonly admin: AdminService;
  /** `METHOD path` → admin operation. */
  readonly adminByRoute: ReadonlyMap<string, AdminOperation>;
}

/**
 * Builds the request listener over `state`. The caller owns the HTTPS server, because the issuer
 * URL (and so the state) is only known once the server listens on its random port. Admin paths
 * go to handleAdmin, everything else to handleApi; a handler that fails answers 500.
 */
export function createEmulatorHandler(state: CloudState, log: Logger): (req: IncomingMessage, res: ServerResponse) => void {
  const emu: Emulator = {
    state,
    log,
    admin: new AdminService(state),
    adminByRoute: new Map(Object.entries(ADMIN_ROUTES).map(([op, [m, p]]) => [`${m} ${p}`, op as AdminOperation])),
  };
  return (req, res) => {
    const requestId = randomUUID().toUpperCase();
    const url = new URL(req.url ?? '/', 'https://emulator.invalid');
    const handler = url.pathname.startsWith(`${ADMIN_PREFIX}/`) ? handleAdmin : handleApi;
    handler(emu, req, res, url, requestId).catch((err: unknown) => {
      log.error({ requestId, err: { message: (err as Error).message } }, 'emulator handler failed');
      if (!res.headersSent && !res.destroyed) sendJson(res, 500, { error: 'internal error', problems: [] }, requestId);
    });
  };
}

/**
 * The admin API's fixed documents, or undefined for any other request: OIDC discovery for the
 * emulator's own issuer (informational; STS uses the issuer registry), its JWKS, and health.
 */
function adminDocument(state: CloudState, req: IncomingMessage, url: URL): unknown {
  if (req.method !== 'GET') return undefined;
  switch (url.pathname) {
    case `${ADMIN_PREFIX}/oidc/.well-known/openid-configuration`:
      return { issuer: state.issuers.issuer, jwks_uri: `${state.issuers.issuer}/keys`, id_token_signing_alg_values_supported: ['RS256'], response_types_supported: ['id_token'], subject_types_supported: ['public'] };
    case `${ADMIN_PREFIX}/oidc/keys`:
      return state.issuers.jwks();
    case `${ADMIN_PREFIX}/healthz`:
      return { ok: true };
    default:
      return undefined;
  }
}

/** An admin request's JSON body (`{}` when empty), or `invalid` when it is not JSON. */
async function readAdminInput(req: IncomingMessage): Promise<{ input: unknown } | 'invalid'> {
  const raw = await readBody(req);
  if (raw.length === 0) return { input: {} };
  try {
    return { input: JSON.parse(raw.toString('utf8')) };
  } catch {
    return 'invalid';
  }
}

/**
 * Handles one admin request. Steps:
 * 1. the fixed documents (adminDocument);
 * 2. the operation table: any other route is a 404 listing the accepted ones;
 * 3. the JSON body, then the operation: 200 with its result, 400 with its problems.
 */
async function handleAdmin(emu: Emulator, req: IncomingMessage, res: ServerResponse, url: URL, requestId: string): Promise<void> {
  // 1.
  const document = adminDocument(emu.state, req, url);
  if (document !== undefined) { sendJson(res, 200, document, requestId); return; }
  // 2.
  const op = emu.adminByRoute.get(`${req.method ?? ''} ${url.pathname}`);
  if (op === undefined) {
    sendJson(res, 404, { error: `no admin operation at ${req.method ?? ''} ${url.pathname}`, problems: [`accepted: ${Object.values(ADMIN_ROUTES).map(([m, p]) => `${m} ${p}`).join(', ')}`] }, requestId);
    return;
  }
  // 3.
  const body = await readAdminInput(req);
  if (body === 'invalid') { sendJson(res, 400, { error: `${op}: body is not JSON`, problems: ['body: must be a JSON object'] }, requestId); return; }
  try {
    sendJson(res, 200, await (emu.admin[op] as (i: unknown) => Promise<unknown>).call(emu.admin, body.input), requestId);
  } catch (err) {
    if (err instanceof AdminInputError) sendJson(res, 400, { error: err.message, problems: err.problems }, requestId);
    else throw err;
  }
}

/** The API action and version a request names: the `x-acs-*` header first, then the parameter. */
function actionOf(req: IncomingMessage, sreq: SignedRequest): { action: string; version: string } {
  const header = (n: string): string | undefined => {
    const v = req.headers[n];
    return Array.isArray(v) ? v[0] : v;
  };
  return { action: header('x-acs-action') ?? sreq.params['Action'] ?? '', version: header('x-acs-version') ?? sreq.params['Version'] ?? '' };
}

/**
 * Applies the fault pending for `action`, if any: a dropped connection (returns `dropped`), a
 * delay, or an error response (thrown as AcsError).
 */
async function applyFault(emu: Emulator, req: IncomingMessage, action: string, requestId: string): Promise<'dropped' | undefined> {
  const fault = emu.state.faults.take(action);
  if (fault?.kind === 'drop') {
    emu.log.info({ requestId, action, fault: 'drop' }, 'emulator dropped the connection');
    emu.state.counts.error(action);
    req.socket.destroy();
    return 'dropped';
  }
  if (fault?.kind === 'latency') await delay(fault.latencyMs);
  if (fault?.kind === 'throttle' || fault?.kind === 'error') throw new AcsError(fault.status, fault.code, fault.message);
  return undefined;
}

/** Takes one call from the rate limit of `accountId` for `action`; throws RateLimited when over quota. */
function takeRateLimit(state: CloudState, accountId: string | undefined, action: string, product: Product): void {
  if (accountId === undefined) return;
  const verdict = state.rateLimits.take(accountId, action, state.now());
  if (!verdict.allowed) throw new RateLimited(product, verdict.retryAfterMs);
}

/**
 * Runs the action: STS's anonymous AssumeRoleWithOIDC, AssumeRole, or an authenticated KMS/OOS
 * read; counts the caller. The rate limit of the action's account is taken first (STS: the role's
 * account; KMS/OOS: the authenticated caller's), so an over-quota call is refused before any
 * work, as a gateway does.
 */
function runAction(state: CloudState, action: string, product: Product, sreq: SignedRequest): Record<string, unknown> {
  if (action === 'AssumeRoleWithOIDC' || action === 'AssumeRole') takeRateLimit(state, accountOfRoleArn(sreq.params['RoleArn']), action, product);
  if (action === 'AssumeRoleWithOIDC') return assumeRoleWithOidc(sreq.params, state);
  if (action === 'AssumeRole') return assumeRole(sreq, state, (c) => state.counts.accessKey(c.accessKeyId, action));
  const caller = authenticate(sreq, state, product);
  takeRateLimit(state, caller.accountId, action, product);
  state.counts.accessKey(caller.accessKeyId, action);
  if (caller.roleArn !== undefined) state.counts.role(caller.roleArn, action);
  return action === 'GetSecretValue' ? getSecretValue(sreq.params, caller, state) : getSecretParameter(sreq.params, caller, state);
}

/**
 * Answers a failed API call: an AcsError with the service's error body (an over-quota one with
 * `x-acs-retry-after`), anything else as InternalError 500.
 */
function sendApiError(emu: Emulator, res: ServerResponse, err: unknown, action: string, product: Product | undefined, requestId: string): void {
  if (err instanceof RateLimited) emu.state.counts.throttled(action);
  else if (action !== '') emu.state.counts.error(action);
  const e = err instanceof AcsError ? err : new AcsError(500, 'InternalError', 'The request processing has failed due to some unknown error.');
  if (!(err instanceof AcsError)) emu.log.error({ requestId, action, err: { message: (err as Error).message } }, 'emulator internal error');
  else emu.log.info({ requestId, action, status: e.status, code: e.code }, 'emulator answered with an error');
  const headers: Record<string, string> = err instanceof RateLimited ? { 'x-acs-retry-after': String(err.retryAfterMs) } : {};
  if (!res.headersSent && !res.destroyed) sendJson(res, e.status, errorBody(e, requestId, hostIdOf(product, emu.state.region), product), requestId, headers);
}

/**
 * Handles one cloud API request. Steps:
 * 1. read and parse; find the action and version (actionOf) and its route; count the call;
 * 2. apply a pending fault (applyFault: drop, latency, or an error response);
 * 3. run the action (runAction, rate limit first) and answer 200 JSON;
 * 4. answer an error with the service's error body (sendApiError).
 */
async function handleApi(emu: Emulator, req: IncomingMessage, res: ServerResponse, url: URL, requestId: string): Promise<void> {
  let product: Product | undefined;
  let action = '';
  try {
    // 1.
    const sreq = parseRequest(req, url, await readBody(req));
    const named = actionOf(req, sreq);
    action = named.action;
    const route = ACTION_ROUTES[action];
    product = route?.product;
    emu.state.counts.action(action === '' ? '(none)' : action);
    if (route === undefined || route.version !== named.version) {
      throw new AcsError(404, 'InvalidApi.NotFound', `Specified api is not found, please check your url and method: Action="${action}", Version="${named.version}" (served: ${Object.entries(ACTION_ROUTES).map(([a, r]) => `${a}@${r.version}`).join(', ')}).`);
    }
    if (route.product === 'sts' && sreq.params['RoleArn'] !== undefined) emu.state.counts.role(sreq.params['RoleArn'], action);
    // 2.
    if (await applyFault(emu, req, action, requestId) === 'dropped') return;
    // 3.
    const out = runAction(emu.state, action, route.product, sreq);
    sendJson(res, 200, { RequestId: requestId, ...out }, requestId);
    emu.state.counts.ok(action);
    emu.log.info({ requestId, action, status: 200 }, 'emulator answered');
  } catch (err) {
    // 4.
    sendApiError(emu, res, err, action, product, requestId);
  }
}
