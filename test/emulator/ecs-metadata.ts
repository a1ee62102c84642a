/**
 * The ECS instance metadata service (IMDS) as the node's worker RAM role is read from it: plain
 * HTTP (as http://100.100.100.200 is), hardened mode (a session token from `PUT /latest/api/token`
 * is required on every read, as `@alicloud/credentials`' ecs_ram_role provider sends it), and:
 *
 * - `GET /latest/meta-data/ram/security-credentials/` → the attached role's name;
 * - `GET /latest/meta-data/ram/security-credentials/<role>` → `{Code: "Success", AccessKeyId,
 *   AccessKeySecret, SecurityToken, Expiration, LastUpdated}`, an STS session of that role that
 *   the emulated KMS/OOS accept like any other (same session store, same policies).
 *
 * Paths and headers are those of the SDK's provider (node_modules/@alicloud/credentials
 * dist/src/providers/ecs_ram_role.js); the credential document is the IMDS format it parses.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudState } from './cloud-state.ts';
import { stsTime } from './sts-actions.ts';

/** IMDS session tokens live 1..21600 s (the ttl header's accepted range). */
const MAX_TOKEN_TTL_SECONDS = 21600;
/** Worker role credentials last 6 h on ECS; the SDK refreshes them well before. */
const CREDENTIAL_SECONDS = 6 * 3600;
const CREDENTIALS_PATH = '/latest/meta-data/ram/security-credentials/';

/** A running metadata service: its loopback `host:port`, how often it was asked, and close(). */
export interface EcsMetadataService {
  endpoint: string;
  /** Credential documents served (one per STS session handed out). */
  credentialRequests(): number;
  close(): Promise<void>;
}

/**
 * Starts the service for a node whose instance has `roleArn` attached (the role must exist).
 * Steps per request: 1. token issue; 2. token check; 3. role name; 4. credentials.
 */
export async function startEcsMetadata(state: CloudState, roleArn: string): Promise<EcsMetadataService> {
  const role = state.ram.roles.get(roleArn);
  if (role === undefined) throw new Error(`roleArn: role ${roleArn} is not defined; defineRole it first`);
  const tokens = new Map<string, number>();
  let served = 0;
  const reply = (res: ServerResponse, status: number, body: string, type = 'text/plain'): void => {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    // 1.
    if (url === '/latest/api/token') {
      const ttl = Number(req.headers['x-aliyun-ecs-metadata-token-ttl-seconds']);
      if (req.method !== 'PUT' || !Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TOKEN_TTL_SECONDS) { reply(res, 400, 'Bad Request'); return; }
      const token = randomBytes(24).toString('base64url');
      tokens.set(token, state.now() + ttl * 1000);
      reply(res, 200, token);
      return;
    }
    // 2.
    const token = req.headers['x-aliyun-ecs-metadata-token'];
    const until = typeof token === 'string' ? tokens.get(token) : undefined;
    if (req.method !== 'GET' || until === undefined || until < state.now()) { reply(res, 401, 'Unauthorized'); return; }
    // 3.
    if (url === CREDENTIALS_PATH) { reply(res, 200, role.name); return; }
    // 4.
    if (url === `${CREDENTIALS_PATH}${role.name}`) {
      const s = state.sessions.issue({
        expiresAt: state.now() + CREDENTIAL_SECONDS * 1000, roleArn: role.arn, accountId: role.accountId,
        sessionName: 'ecs-instance', assumedRoleId: `${role.roleId}:ecs-instance`, sessionPolicy: undefined,
      });
      served++;
      reply(res, 200, JSON.stringify({ AccessKeyId: s.accessKeyId, AccessKeySecret: s.accessKeySecret, SecurityToken: s.securityToken, Expiration: stsTime(s.expiresAt), LastUpdated: stsTime(state.now()), Code: 'Success' }), 'application/json');
      return;
    }
    reply(res, 404, 'Not Found');
  };
  const server: Server = createServer(handler);
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', () => resolve()); });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `127.0.0.1:${port}`,
    credentialRequests: () => served,
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}
