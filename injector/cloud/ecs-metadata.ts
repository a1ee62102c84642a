/**
 * The node's worker RAM role from the ECS instance metadata service (upstream's
 * `enableWorkerRole` tier, semantics reference §3.1 step 5), for `ecsRole` profiles only; the
 * webhook plans one only when its setting enables it. Hardened mode, as `@alicloud/credentials`'
 * ecs_ram_role provider does it: 1. `PUT /latest/api/token` for a session token; 2. `GET
 * /latest/meta-data/ram/security-credentials/` for the role name; 3. `GET …/<role>` for the
 * credentials. Why our own: the SDK provider reads ALIBABA_CLOUD_* variables as fallbacks and
 * gives no code on failure (see credentials.ts); this one is cached by CachedCredentialSource.
 */
import { ErrorCode, InjectorError } from '../../common/errors.ts';
import { plainHttpRequest, type PlainHttpRequest, type PlainHttpResponse } from '../plain-http.ts';
import type { CloudCredentials } from './credentials.ts';

/** The metadata service of every ECS instance (link-local, no TLS: it never leaves the host). */
export const ECS_METADATA_HOST = '100.100.100.200';
/** Session token lifetime asked for: the SDK's default (21600 s). */
const TOKEN_TTL_SECONDS = 21600;
const CREDENTIALS_PATH = '/latest/meta-data/ram/security-credentials/';
/** Each metadata call must answer within this; the service is on the host. */
const TIMEOUT_MS = 5000;

/** What a fetch of the worker role needs: where the service is (`host[:port]`) and how to call it. */
export interface EcsMetadataDeps {
  /** `100.100.100.200`, or the test-only loopback redirect. */
  host: string;
  /** `plainHttpRequest` by default (not `fetch`: the agent runs under --jitless; see plain-http.ts). */
  request?: PlainHttpRequest;
}

function fail(message: string, retryable: boolean): InjectorError {
  return new InjectorError(ErrorCode.CREDENTIALS, `ECS worker role: ${message}`, { retryable, detail: { service: 'ecs-metadata', cloudCode: 'WorkerRole' } });
}

/** Fetches the worker role's current credentials (steps in the module comment). Never logs them. */
export async function fetchWorkerRoleCredentials(deps: EcsMetadataDeps): Promise<CloudCredentials> {
  const send = deps.request ?? plainHttpRequest;
  const base = `http://${deps.host}`;
  const call = async (path: string, method: string, headers: Record<string, string>): Promise<string> => {
    let res: PlainHttpResponse;
    try {
      res = await send(`${base}${path}`, { method, headers, timeoutMs: TIMEOUT_MS });
    } catch (err) {
      throw fail(`the metadata service at ${deps.host} is unreachable (${(err as Error).name}); is this pod on an ECS node?`, true);
    }
    if (res.status === 404) throw fail(`no RAM role is attached to this ECS instance (${path} answered 404)`, false);
    if (res.status < 200 || res.status > 299) throw fail(`${path} answered HTTP ${res.status}`, res.status >= 500);
    return res.body;
  };
  // 1.
  const token = await call('/latest/api/token', 'PUT', { 'x-aliyun-ecs-metadata-token-ttl-seconds': String(TOKEN_TTL_SECONDS) });
  const headers = { 'x-aliyun-ecs-metadata-token': token };
  // 2.
  const roleName = (await call(CREDENTIALS_PATH, 'GET', headers)).trim();
  if (!/^[A-Za-z0-9.-]{1,64}$/.test(roleName)) throw fail('the metadata service returned no valid role name', false);
  // 3.
  const text = await call(`${CREDENTIALS_PATH}${roleName}`, 'GET', headers);
  let doc: Record<string, unknown>;
  try { doc = JSON.parse(text) as Record<string, unknown>; } catch { throw fail('the credentials document is not JSON', true); }
  const { AccessKeyId, AccessKeySecret, SecurityToken, Expiration, Code } = doc;
  if (Code !== 'Success' || typeof AccessKeyId !== 'string' || typeof AccessKeySecret !== 'string' || typeof SecurityToken !== 'string' || typeof Expiration !== 'string') {
    throw fail(`the credentials document of role ${roleName} is incomplete (Code ${JSON.stringify(Code)})`, true);
  }
  const expiresAt = Date.parse(Expiration);
  return { accessKeyId: AccessKeyId, accessKeySecret: AccessKeySecret, securityToken: SecurityToken, ...(Number.isNaN(expiresAt) ? {} : { expiresAt }) };
}
