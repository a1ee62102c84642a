/**
 * The emulator's programmatic API for tests: `startEmulator()` starts a faithful local Alibaba
 * Cloud (STS, KMS, OOS, RAM) over HTTPS on 127.0.0.1 and returns a handle with its address, CA
 * and the typed admin operations. See docs/emulator.md.
 *
 * Clients trust the emulator by `NODE_EXTRA_CA_CERTS=<caFile>`, which Node reads only at process
 * start, so SDK-using code runs in a child process started with it (or the test runner is).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type Logger } from '../../common/log.ts';
import { ADMIN_PREFIX } from './admin-api.ts';
import { AdminService } from './admin-service.ts';
import { CloudState } from './cloud-state.ts';
import { createEmulatorHandler } from './server.ts';
import { createEmulatorTls } from './tls.ts';
import { startEcsMetadata, type EcsMetadataService } from './ecs-metadata.ts';

// Re-exports: one import gives tests the handle, the HTTP client, the admin types and the policy builders.
export { EmulatorAdmin, EmulatorAdminError } from './admin-client.ts';
export type * from './admin-api.ts';
export type { CallCounts } from './call-counts.ts';
export { accountTrustPolicy, allowPolicy, rrsaTrustPolicy, type PolicyDocument } from './policy.ts';

/** Options for startEmulator. */
export interface EmulatorOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** The default account: used when an admin call omits accountId. Default 1234567890123456. */
  accountId?: string;
  /** Region in KMS/OOS resource ARNs and HostIds. Default cn-hangzhou. */
  region?: string;
  /** Where to write the CA PEM; default a fresh temporary directory removed on close. */
  caFile?: string;
  /** Logger for request summaries (never secrets); default silent. */
  logger?: Logger;
  /** Clock (epoch ms) for token, credential and timestamp checks; default Date.now. */
  now?: () => number;
  /**
   * A second listener serving the same cloud, for clients that cannot reach 127.0.0.1: the pods
   * of the end-to-end node reach it on their bridge address, port 443, under the production host
   * names (`hostAliases`), so the serving certificate also names `host` and every `hostNames`.
   */
  extraListener?: { host: string; port: number; hostNames: readonly string[] };
}

/** A running emulator: address, trust material, admin operations, and close(). */
export class Emulator extends AdminService {
  /** `https://127.0.0.1:<port>` */
  readonly url: string;
  /** `127.0.0.1:<port>`: what SDK clients take as endpoint / stsEndpoint (host[:port], no scheme). */
  readonly endpoint: string;
  readonly port: number;
  /** The CA PEM file to put in NODE_EXTRA_CA_CERTS. */
  readonly caFile: string;
  readonly caPem: string;
  /** The emulator's own OIDC issuer URL (`<url>/__emulator/oidc`). */
  readonly issuer: string;
  readonly accountId: string;
  readonly region: string;
  /** The emulated cloud, for white-box assertions in the emulator's own tests. */
  readonly state: CloudState;
  readonly #servers: Server[];
  readonly #tempDir: string | undefined;

  constructor(o: { servers: Server[]; port: number; caFile: string; caPem: string; state: CloudState; tempDir: string | undefined }) {
    super(o.state);
    this.#servers = o.servers;
    this.#tempDir = o.tempDir;
    this.port = o.port;
    this.endpoint = `127.0.0.1:${o.port}`;
    this.url = `https://${this.endpoint}`;
    this.caFile = o.caFile;
    this.caPem = o.caPem;
    this.state = o.state;
    this.issuer = o.state.issuers.issuer;
    this.accountId = o.state.defaultAccountId;
    this.region = o.state.region;
  }

  /** `acs:ram::<accountId>:role/<name>` in the default (or given) account. */
  roleArn(name: string, accountId = this.accountId): string {
    return `acs:ram::${accountId}:role/${name}`;
  }

  /** `acs:ram::<accountId>:oidc-provider/<name>` in the default (or given) account. */
  oidcProviderArn(name: string, accountId = this.accountId): string {
    return `acs:ram::${accountId}:oidc-provider/${name}`;
  }

  /**
   * Environment for a child process that uses the SDKs against this emulator: trust its CA
   * (read by Node only at start-up) and keep the SDK's default chain off the network (reference §3.3).
   */
  clientEnv(): Record<string, string> {
    return { NODE_EXTRA_CA_CERTS: this.caFile, ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true', ALIBABA_CLOUD_CLI_PROFILE_DISABLED: 'true' };
  }

  /**
   * Starts an ECS instance metadata service (plain HTTP on 127.0.0.1) for a node whose instance
   * has `roleArn` attached; its credentials are STS sessions of that role. Closed with the emulator.
   */
  async startEcsMetadata(roleArn: string): Promise<EcsMetadataService> {
    const service = await startEcsMetadata(this.state, roleArn);
    this.#metadata.push(service);
    return service;
  }

  readonly #metadata: EcsMetadataService[] = [];

  /** Stops listening, drops open (keep-alive) connections, and removes the temporary CA directory. */
  async close(): Promise<void> {
    await Promise.all(this.#metadata.map((m) => m.close()));
    await Promise.all(this.#servers.map((server) => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    })));
    if (this.#tempDir !== undefined) await rm(this.#tempDir, { recursive: true, force: true });
  }
}

/**
 * Starts the emulator. Steps:
 * 1. generate the CA and serving certificate; write the CA PEM;
 * 2. listen on 127.0.0.1 (the port decides the issuer URL), and on the extra listener if asked;
 * 3. build the cloud state and attach the request handler to both.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  // 1.
  const extra = options.extraListener;
  const tls = await createEmulatorTls(extra === undefined ? [] : [extra.host, ...extra.hostNames]);
  const tempDir = options.caFile === undefined ? await mkdtemp(join(tmpdir(), 'ack-emulator-')) : undefined;
  const caFile = options.caFile ?? join(tempDir as string, 'ca.pem');
  await writeFile(caFile, tls.caPem, { mode: 0o644 });
  // 2.
  const listen = (port: number, host: string): Promise<Server> => {
    const server = createServer({ key: tls.keyPem, cert: tls.certPem });
    return new Promise<Server>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve(server);
      });
    });
  };
  const server = await listen(options.port ?? 0, '127.0.0.1');
  const servers = [server];
  if (extra !== undefined) {
    try {
      servers.push(await listen(extra.port, extra.host));
    } catch (err) {
      server.close();
      throw err;
    }
  }
  const port = (server.address() as AddressInfo).port;
  // 3.
  const state = new CloudState({
    region: options.region ?? 'cn-hangzhou',
    defaultAccountId: options.accountId ?? '1234567890123456',
    issuerUrl: `https://127.0.0.1:${port}${ADMIN_PREFIX}/oidc`,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const handler = createEmulatorHandler(state, options.logger ?? createLogger({ name: 'emulator', level: 'silent' }));
  for (const s of servers) s.on('request', handler);
  return new Emulator({ servers, port, caFile, caPem: tls.caPem, state, tempDir });
}
