/**
 * BENCHMARK ONLY, never shipped: the agent's cloud loop with no Alibaba Cloud SDK, no rules, no
 * files, no logger and no metrics: one `node:https` keep-alive Agent, STS AssumeRoleWithOIDC as a
 * plain form POST, and every KMS/OOS call signed with ACS3-HMAC-SHA256 written against
 * `node:crypto` (alibaba-cloud-apis.md §7.1, as test/emulator/signature.ts verifies it). It exists
 * to put a number on the official SDK stack's share of the agent's memory
 * (bench/agent-memory.ts runs it exactly like the agent; docs/benchmarks.md, "The SDK's share").
 *
 * It speaks the agent's benchmark interface so the same harness can drive it: the command line
 * `<bundle> agent --health-address A --interval-ms N --calls-per-second N` (the flags other than
 * `--interval-ms` are accepted and ignored), one JSON line `{"msg":"refresh done","result":...}`
 * per cycle on stdout, and on SIGTERM the line `agent stopping (SIGTERM); ...` with the count.
 * Config, token path and the test loopback endpoint come from the same environment variables.
 *
 * bench/run.ts bundles this file with esbuild into the run's work folder, so it starts as plain
 * JavaScript like dist/cli.mjs (a .ts entry would load Node's type stripper).
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';

interface Entry { key: string; provider: 'kms' | 'oos' }
interface Credentials { id: string; secret: string; token: string; expiresAt: number }

/** The fields of the injector config this loop uses. */
interface MinimalConfig {
  region: string;
  tokenPath: string;
  profiles: Array<{ roleArn: string; oidcProviderArn: string; roleSessionName?: string }>;
  externalSecrets: Array<{ provider: 'kms' | 'oos'; data: Array<{ key: string }>; dataProcess: Array<{ extract?: { key: string } }> }>;
}

const CONCURRENCY = 5;
const agent = new Agent({ keepAlive: true });

/** RFC 3986 encoding as ACS3 defines it. */
function percentEncode(v: string): string {
  return encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function sha256Hex(data: string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** One HTTPS POST to `host` (`127.0.0.1:port` in the benchmark); resolves the JSON body. */
function post(host: string, path: string, headers: Record<string, string>, body: string): Promise<Record<string, unknown>> {
  const [hostname, port] = host.split(':');
  return new Promise((resolve, reject) => {
    const req = request({ agent, hostname, port: Number(port ?? 443), method: 'POST', path, headers: { ...headers, host, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (b: Buffer) => chunks.push(b));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`));
        else resolve(JSON.parse(text) as Record<string, unknown>);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** ACS3-HMAC-SHA256 RPC call with every parameter in the query (the SDK's `callApi` shape). */
function signedCall(host: string, creds: Credentials, action: string, version: string, params: Record<string, string>): Promise<Record<string, unknown>> {
  const query = Object.entries(params).map(([k, v]) => [percentEncode(k), percentEncode(v)] as const).sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join('&');
  const payloadHash = sha256Hex('');
  const headers: Record<string, string> = {
    host,
    'x-acs-action': action,
    'x-acs-version': version,
    'x-acs-date': new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'x-acs-signature-nonce': randomUUID(),
    'x-acs-content-sha256': payloadHash,
    'x-acs-security-token': creds.token,
  };
  const names = Object.keys(headers).sort();
  const canonical = ['POST', '/', query, names.map((h) => `${h}:${headers[h]}\n`).join(''), names.join(';'), payloadHash].join('\n');
  const signature = createHmac('sha256', creds.secret).update(`ACS3-HMAC-SHA256\n${sha256Hex(canonical)}`).digest('hex');
  headers.authorization = `ACS3-HMAC-SHA256 Credential=${creds.id},SignedHeaders=${names.join(';')},Signature=${signature}`;
  return post(host, `/?${query}`, headers, '');
}

/** AssumeRoleWithOIDC: anonymous, the token in the form body. */
async function assumeRole(host: string, cfg: MinimalConfig): Promise<Credentials> {
  const p = cfg.profiles[0];
  if (p === undefined) throw new Error('the config has no profile');
  const token = (await readFile(cfg.tokenPath, 'utf8')).trim();
  const q = new URLSearchParams({ Action: 'AssumeRoleWithOIDC', Version: '2015-04-01', Format: 'JSON', RoleArn: p.roleArn, OIDCProviderArn: p.oidcProviderArn, RoleSessionName: p.roleSessionName ?? 'bench' });
  const body = await post(host, `/?${q.toString()}`, { 'content-type': 'application/x-www-form-urlencoded' }, new URLSearchParams({ OIDCToken: token }).toString());
  const c = body.Credentials as Record<string, string>;
  return { id: c.AccessKeyId as string, secret: c.AccessKeySecret as string, token: c.SecurityToken as string, expiresAt: Date.parse(c.Expiration as string) };
}

/** Every value of the config, in order: entries, then extract sources. */
function entries(cfg: MinimalConfig): Entry[] {
  return cfg.externalSecrets.flatMap((es) => [...es.data.map((d) => ({ key: d.key, provider: es.provider })), ...es.dataProcess.flatMap((p) => (p.extract === undefined ? [] : [{ key: p.extract.key, provider: es.provider }]))]);
}

/**
 * Steps: 1. read the config and flags; 2. loop: renew credentials when 20 % of their lifetime is
 * left, fetch every value CONCURRENCY at a time, log the cycle, wait; 3. on SIGTERM log and exit.
 */
async function main(argv: string[]): Promise<void> {
  // 1.
  const cfg = JSON.parse(process.env.SECRET_INJECTOR_CONFIG ?? '') as MinimalConfig;
  const host = process.env.SECRET_INJECTOR_TEST_LOOPBACK_ENDPOINT;
  if (host === undefined) throw new Error('SECRET_INJECTOR_TEST_LOOPBACK_ENDPOINT is not set (this client only talks to the emulator)');
  const i = argv.indexOf('--interval-ms');
  const intervalMs = i >= 0 ? Number(argv[i + 1]) : 1000;
  const all = entries(cfg);
  let stopping = false;
  let refreshes = 0;
  process.once('SIGTERM', () => { stopping = true; });
  // 2.
  let creds: Credentials | undefined;
  let lifetime = 0;
  while (!stopping) {
    if (creds === undefined || creds.expiresAt - Date.now() < 0.2 * lifetime) {
      creds = await assumeRole(host, cfg);
      lifetime = creds.expiresAt - Date.now();
    }
    const c = creds;
    const queue = [...all];
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      for (let e = queue.shift(); e !== undefined; e = queue.shift()) {
        const body = e.provider === 'kms'
          ? await signedCall(host, c, 'GetSecretValue', '2016-01-20', { SecretName: e.key })
          : await signedCall(host, c, 'GetSecretParameter', '2019-06-01', { Name: e.key, WithDecryption: 'true', RegionId: cfg.region });
        if (body.SecretData === undefined && body.Parameter === undefined) throw new Error(`no value for ${e.key}`);
      }
    }));
    refreshes++;
    process.stdout.write(`${JSON.stringify({ msg: 'refresh done', result: 'success' })}\n`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  // 3.
  process.stdout.write(`${JSON.stringify({ msg: 'agent stopping (SIGTERM); the last files stay in place', refreshes })}\n`);
  agent.destroy();
}

main(process.argv.slice(3)).catch((err: unknown) => {
  process.stderr.write(`minimal-client: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
