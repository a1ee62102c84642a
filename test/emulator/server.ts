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

/**
 * Builds the request listener over `state`. The caller owns the HTTPS server, because the issuer
 * URL (and so the state) is only known once the server listens on its random port.
 */
export function createEmulatorHandler(state: CloudState, log: Logger): (req: IncomingMessage, res: ServerResponse) => void {
  const admin = new AdminService(state);
  const adminByRoute = new Map<string, AdminOperation>(Object.entries(ADMIN_ROUTES).map(([op, [m, p]]) => [`${m} ${p}`, op as AdminOperation]));

  async function handleAdmin(req: IncomingMessage, res: ServerResponse, url: URL, requestId: string): Promise<void> {
    // 1. OIDC discovery for the emulator's own issuer (informational; STS uses the registry).
    if (req.method === 'GET' && url.pathname === `${ADMIN_PREFIX}/oidc/.well-known/openid-configuration`) {
      sendJson(res, 200, { issuer: state.issuers.issuer, jwks_uri: `${state.issuers.issuer}/keys`, id_token_signing_alg_values_supported: ['RS256'], response_types_supported: ['id_token'], subject_types_supported: ['public'] }, requestId);
      return;
    }
    if (req.method === 'GET' && url.pathname === `${ADMIN_PREFIX}/oidc/keys`) {
      sendJson(res, 200, state.issuers.jwks(), requestId);
      return;
    }
    if (req.method === 'GET' && url.pathname === `${ADMIN_PREFIX}/healthz`) {
      sendJson(res, 200, { ok: true }, requestId);
      return;
    }
    // 2. the operation table
    const op = adminByRoute.get(`${req.method ?? ''} ${url.pathname}`);
    if (op === undefined) {
      sendJson(res, 404, { error: `no admin operation at ${req.method ?? ''} ${url.pathname}`, problems: [`accepted: ${Object.values(ADMIN_ROUTES).map(([m, p]) => `${m} ${p}`).join(', ')}`] }, requestId);
      return;
    }
    const raw = await readBody(req);
    let input: unknown = {};
    if (raw.length > 0) {
      try {
        input = JSON.parse(raw.toString('utf8'));
      } catch {
        sendJson(res, 400, { error: `${op}: body is not JSON`, problems: ['body: must be a JSON object'] }, requestId);
        return;
      }
    }
    try {
      const out = await (admin[op] as (i: unknown) => Promise<unknown>).call(admin, input);
      sendJson(res, 200, out, requestId);
    } catch (err) {
      if (err instanceof AdminInputError) sendJson(res, 400, { error: err.message, problems: err.problems }, requestId);
      else throw err;
    }
  }

  /**
   * Handles one cloud API request. Steps:
   * 1. read and parse; find the action and version (header first, then parameter);
   * 2. count the call and apply a pending fault (drop, latency, or an error response);
   * 3. run the action (anonymous STS, or authenticated) and answer 200 JSON; the rate limit of
   *    the action's account is taken first (STS: the role's account; KMS/OOS: the authenticated
   *    caller's), so an over-quota call is refused before any work, as a gateway does;
   * 4. map AcsError to the service's error body; anything else is InternalError 500.
   */
  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, requestId: string): Promise<void> {
    let product: Product | undefined;
    let action = '';
    try {
      // 1.
      const body = await readBody(req);
      const sreq = parseRequest(req, url, body);
      const h = (n: string): string | undefined => {
        const v = req.headers[n];
        return Array.isArray(v) ? v[0] : v;
      };
      action = h('x-acs-action') ?? sreq.params['Action'] ?? '';
      const version = h('x-acs-version') ?? sreq.params['Version'] ?? '';
      const route = ACTION_ROUTES[action];
      product = route?.product;
      state.counts.action(action === '' ? '(none)' : action);
      if (route === undefined || route.version !== version) {
        throw new AcsError(404, 'InvalidApi.NotFound', `Specified api is not found, please check your url and method: Action="${action}", Version="${version}" (served: ${Object.entries(ACTION_ROUTES).map(([a, r]) => `${a}@${r.version}`).join(', ')}).`);
      }
      if (route.product === 'sts' && sreq.params['RoleArn'] !== undefined) state.counts.role(sreq.params['RoleArn'], action);
      // 2.
      const fault = state.faults.take(action);
      if (fault?.kind === 'drop') {
        log.info({ requestId, action, fault: 'drop' }, 'emulator dropped the connection');
        state.counts.error(action);
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'latency') await delay(fault.latencyMs);
      if (fault?.kind === 'throttle' || fault?.kind === 'error') throw new AcsError(fault.status, fault.code, fault.message);
      // 3.
      const limit = (accountId: string | undefined): void => {
        if (accountId === undefined) return;
        const verdict = state.rateLimits.take(accountId, action, state.now());
        if (!verdict.allowed) throw new RateLimited(route.product, verdict.retryAfterMs);
      };
      let out: Record<string, unknown>;
      if (action === 'AssumeRoleWithOIDC' || action === 'AssumeRole') limit(accountOfRoleArn(sreq.params['RoleArn']));
      if (action === 'AssumeRoleWithOIDC') out = assumeRoleWithOidc(sreq.params, state);
      else if (action === 'AssumeRole') {
        out = assumeRole(sreq, state, (c) => state.counts.accessKey(c.accessKeyId, action));
      } else {
        const caller = authenticate(sreq, state, route.product);
        limit(caller.accountId);
        state.counts.accessKey(caller.accessKeyId, action);
        if (caller.roleArn !== undefined) state.counts.role(caller.roleArn, action);
        out = action === 'GetSecretValue' ? getSecretValue(sreq.params, caller, state) : getSecretParameter(sreq.params, caller, state);
      }
      sendJson(res, 200, { RequestId: requestId, ...out }, requestId);
      state.counts.ok(action);
      log.info({ requestId, action, status: 200 }, 'emulator answered');
    } catch (err) {
      // 4.
      if (err instanceof RateLimited) state.counts.throttled(action);
      else if (action !== '') state.counts.error(action);
      const e = err instanceof AcsError ? err : new AcsError(500, 'InternalError', 'The request processing has failed due to some unknown error.');
      if (!(err instanceof AcsError)) log.error({ requestId, action, err: { message: (err as Error).message } }, 'emulator internal error');
      else log.info({ requestId, action, status: e.status, code: e.code }, 'emulator answered with an error');
      const headers: Record<string, string> = err instanceof RateLimited ? { 'x-acs-retry-after': String(err.retryAfterMs) } : {};
      if (!res.headersSent && !res.destroyed) sendJson(res, e.status, errorBody(e, requestId, hostIdOf(product, state.region), product), requestId, headers);
    }
  }

  return (req, res) => {
    const requestId = randomUUID().toUpperCase();
    const url = new URL(req.url ?? '/', 'https://emulator.invalid');
    const handler = url.pathname.startsWith(`${ADMIN_PREFIX}/`) ? handleAdmin : handleApi;
    handler(req, res, url, requestId).catch((err: unknown) => {
      log.error({ requestId, err: { message: (err as Error).message } }, 'emulator handler failed');
      if (!res.headersSent && !res.destroyed) sendJson(res, 500, { error: 'internal error', problems: [] }, requestId);
    });
  };
}
