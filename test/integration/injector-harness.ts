/**
 * Drives the REAL injector process (`node bin/ack-secret-injector.mjs init|agent`) against the
 * Alibaba Cloud emulator, for the injector's integration tests. The process trusts the emulator's
 * CA through NODE_EXTRA_CA_CERTS and reaches it only through the test loopback redirect
 * (injector/environment.ts); the endpoints in its config stay production host names.
 *
 * Every spawned process's stdout+stderr is kept, and `assertNoSecretsInLogs` checks them against
 * every value the test seeded (STYLE.md §11).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CredentialProfile, InjectorConfig, PlannedExternalSecret } from '../../contract/injector-config-schema.ts';
import { allowPolicy, rrsaTrustPolicy, startEmulator, type Emulator } from '../emulator/index.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 'ack-secret-injector.mjs');

/** One started process and what it printed. */
export interface InjectorProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** A test world: one emulator, a temp folder, the seeded secret values, the processes started. */
export class InjectorWorld {
  readonly emu: Emulator;
  readonly dir: string;
  readonly secrets = new Set<string>();
  readonly processes: InjectorProcess[] = [];
  providerArn = '';

  private constructor(emu: Emulator, dir: string) {
    this.emu = emu;
    this.dir = dir;
  }

  static async start(): Promise<InjectorWorld> {
    const emu = await startEmulator();
    const dir = await mkdtemp(join(tmpdir(), 'inj-it-'));
    const w = new InjectorWorld(emu, dir);
    w.providerArn = (await emu.defineOidcProvider({ name: 'ack-rrsa-test', issuerUrl: emu.issuer })).arn;
    return w;
  }

  /** A role that trusts only `system:serviceaccount:<ns>:<sa>` and may read `<prefix>*` in KMS and OOS. */
  async tenantRole(name: string, ns: string, sa: string, prefix: string, accountId = this.emu.accountId): Promise<string> {
    const { arn } = await this.emu.defineRole({
      accountId,
      name,
      trustPolicy: rrsaTrustPolicy({ providerArn: this.providerArn, issuer: this.emu.issuer, subject: `system:serviceaccount:${ns}:${sa}` }),
      policies: [
        allowPolicy('kms:GetSecretValue', `acs:kms:${this.emu.region}:${accountId}:secret/${prefix}*`),
        allowPolicy('oos:GetSecretParameter', `acs:oos:${this.emu.region}:${accountId}:secretparameter/${prefix}*`),
      ],
    });
    return arn;
  }

  /** Seeds a KMS text secret and remembers its value (and every JSON leaf) for the log scan. */
  async secret(name: string, value: string, accountId?: string): Promise<void> {
    this.remember(value);
    await this.emu.seedSecret({ name, value, ...(accountId === undefined ? {} : { accountId }) });
  }

  async rotate(name: string, value: string): Promise<void> {
    this.remember(value);
    await this.emu.rotateSecret({ name, value });
  }

  async parameter(name: string, value: string): Promise<void> {
    this.remember(value);
    await this.emu.seedParameter({ name, value });
  }

  remember(value: string): void {
    this.secrets.add(value);
    try {
      const doc: unknown = JSON.parse(value);
      const walk = (v: unknown): void => {
        if (typeof v === 'string' && v.length >= 6) this.secrets.add(v);
        else if (typeof v === 'object' && v !== null) Object.values(v).forEach(walk);
      };
      walk(doc);
    } catch {
      // not JSON: the whole value is the secret
    }
  }

  /** Writes a token for ns/sa at `path` by atomic rename (as the kubelet replaces projected files). */
  async writeToken(path: string, ns: string, sa: string, expiresInSeconds = 3600): Promise<string> {
    const { token } = await this.emu.mintToken({ namespace: ns, serviceAccount: sa, expiresInSeconds });
    this.secrets.add(token);
    await writeFile(`${path}.tmp`, token);
    await rename(`${path}.tmp`, path);
    return token;
  }

  /** An injector config for this world; `profiles`/`externalSecrets` are the interesting parts. */
  config(o: { name: string; ns?: string; sa?: string; profiles: CredentialProfile[]; externalSecrets: PlannedExternalSecret[]; refreshIntervalSeconds?: number; notify?: InjectorConfig['notify'] }): InjectorConfig {
    const c: InjectorConfig = {
      version: 1,
      pod: { namespace: o.ns ?? 'default', serviceAccount: o.sa ?? 'app' },
      region: this.emu.region,
      mountPath: join(this.dir, o.name, 'mount'),
      tokenPath: join(this.dir, o.name, 'token'),
      refreshIntervalSeconds: o.refreshIntervalSeconds ?? 60,
      fileMode: 0o440,
      healthPort: 0,
      endpoints: {},
      profiles: o.profiles,
      externalSecrets: o.externalSecrets,
    };
    if (o.notify !== undefined) c.notify = o.notify;
    return c;
  }

  rrsa(id: string, roleArn: string, extra: Partial<CredentialProfile> = {}): CredentialProfile {
    return { id, kind: 'rrsa', roleArn, oidcProviderArn: this.providerArn, roleSessionName: `it-${id}`, ...extra } as CredentialProfile;
  }

  /**
   * Starts `ack-secret-injector <command>` with the config in its environment, as the webhook
   * starts it. `entry` runs another build of the CLI (the bundle) from another folder, optionally
   * with the `NODE_OPTIONS` the webhook injects (webhook/pod/container-base.ts).
   */
  spawn(command: 'init' | 'agent', config: InjectorConfig, args: string[] = [], entry: { cli: string; cwd: string; nodeOptions?: string } = { cli: BIN, cwd: ROOT }, extraEnv: Record<string, string> = {}): InjectorProcess {
    const chunks: Buffer[] = [];
    const child = spawn(process.execPath, [entry.cli, command, ...args], {
      cwd: entry.cwd,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: this.dir,
        SECRET_INJECTOR_CONFIG: JSON.stringify(config),
        SECRET_INJECTOR_TEST_LOOPBACK_ENDPOINT: this.emu.endpoint,
        SECRET_INJECTOR_LOG_LEVEL: 'debug',
        NODE_EXTRA_CA_CERTS: this.emu.caFile,
        // Keep @alicloud/credentials' default chain off the network (alibaba-cloud-apis.md §3.3).
        ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true',
        ALIBABA_CLOUD_CLI_PROFILE_DISABLED: 'true',
        ...(entry.nodeOptions === undefined ? {} : { NODE_OPTIONS: entry.nodeOptions }),
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (b: Buffer) => chunks.push(b));
    child.stderr?.on('data', (b: Buffer) => chunks.push(b));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const p = { child, output: () => Buffer.concat(chunks).toString('utf8'), exited };
    this.processes.push(p);
    return p;
  }

  /** Fails when any output of any process contains a seeded secret value or a token. */
  assertNoSecretsInLogs(): void {
    for (const p of this.processes) {
      const out = p.output();
      for (const s of this.secrets) assert.ok(!out.includes(s), `injector output contains a seeded secret value (${s.length} chars)`);
    }
  }

  async close(): Promise<void> {
    for (const p of this.processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(this.processes.map((p) => p.exited));
    await this.emu.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * Polls `check` (every 100 ms) until it returns a value other than undefined, or fails after
 * `limitMs` naming `what` and showing the tail of `p`'s output (to diagnose a slow machine).
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, limitMs = 30_000, p?: InjectorProcess): Promise<T> {
  const end = Date.now() + limitMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${p === undefined ? '' : `; injector output ends with:\n${p.output().slice(-3000)}`}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The health port the agent logged at start. */
export async function healthPort(p: InjectorProcess): Promise<number> {
  return waitFor('the agent health port', () => {
    const m = /"port":(\d+)[^\n]*health server listening/.exec(p.output());
    return m === null ? undefined : Number(m[1]);
  }, 30_000, p);
}
