/**
 * The emulator's admin surface: input validation (every problem reported together), the HTTP
 * client `EmulatorAdmin` from outside the process, OIDC discovery, and the standalone
 * `npm run emulator` entry point (one JSON line on stdout, clean exit on SIGTERM).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { request } from 'node:https';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EmulatorAdminError } from '../emulator/admin-client.ts';
import { EmulatorAdmin, startEmulator, type Emulator } from '../emulator/index.ts';

const MAIN = fileURLToPath(new URL('../emulator/main.ts', import.meta.url));

function getJson(url: string, caPem: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    request(url, { ca: caPem }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
    }).on('error', reject).end();
  });
}

describe('emulator admin API', () => {
  let emu: Emulator;
  let admin: EmulatorAdmin;
  before(async () => {
    emu = await startEmulator({ accountId: '1111222233334444', region: 'cn-beijing' });
    admin = new EmulatorAdmin(emu.url, emu.caPem);
  });
  after(async () => emu.close());

  const invalid: { name: string; call: () => Promise<unknown>; problems: RegExp[] }[] = [
    {
      name: 'defineRole lists every problem: bad name, bad trust policy, bad permission policy, bad duration',
      call: () => admin.defineRole({ name: 'bad name!', trustPolicy: { Version: '2', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Federated: 'x' }, Condition: { NumericEquals: { 'oidc:sub': 'x' } } }] } as never, policies: [{ Version: '1', Statement: [{ Effect: 'Maybe', Action: 'kms:*' }] } as never], maxSessionDuration: 60 }),
      problems: [/^name: "bad name!" is invalid/, /^trustPolicy\.Version: must be "1"/, /^trustPolicy\.Statement\[0\]\.Condition\.NumericEquals: unsupported operator/, /^policies\[0\]\.Statement\[0\]\.Effect/, /^policies\[0\]\.Statement\[0\]\.Resource/, /^maxSessionDuration: 60 is invalid \(accepted: an integer from 3600 to 43200\)/],
    },
    { name: 'seedSecret needs exactly one of value and binaryBase64', call: () => admin.seedSecret({ name: 'x', value: 'a', binaryBase64: 'YQ==' }), problems: [/^value\/binaryBase64: give exactly one/] },
    { name: 'seedParameter refuses reserved prefixes and a missing value', call: () => admin.seedParameter({ name: 'ALIYUN-x' } as never), problems: [/^name: "ALIYUN-x" is invalid/, /^value: is required/] },
    { name: 'fault refuses an unknown kind naming the accepted kinds', call: () => admin.fault({ action: 'GetSecretValue', kind: 'explode' as never }), problems: [/^kind: "explode" is invalid \(accepted: throttle, error, drop, latency\)/] },
    { name: 'fault of kind latency requires latencyMs', call: () => admin.fault({ action: 'GetSecretValue', kind: 'latency' }), problems: [/^latencyMs: is required/] },
    { name: 'trustIssuer needs keys and refuses a non-PEM string', call: () => admin.trustIssuer({ issuer: 'https://x', publicKeyPem: 'garbage' }), problems: [/^publicKeyPem\[0\]: no PEM block found/] },
    { name: 'mintToken refuses non-Kubernetes names', call: () => admin.mintToken({ namespace: 'Team_A', serviceAccount: '' }), problems: [/^namespace: "Team_A" is invalid/, /^serviceAccount: "" is invalid/] },
    { name: 'rotateSecret of an unknown secret names it', call: () => admin.rotateSecret({ name: 'nope', value: 'v' }), problems: [/^name: secret "nope" does not exist in account 1111222233334444/] },
  ];
  for (const c of invalid) {
    test(c.name, async () => {
      await assert.rejects(c.call(), (err: unknown) => {
        assert.ok(err instanceof EmulatorAdminError, String(err));
        assert.equal(err.status, 400);
        assert.equal(err.problems.length, c.problems.length, JSON.stringify(err.problems));
        c.problems.forEach((re, i) => assert.match(err.problems[i] ?? '', re));
        return true;
      });
    });
  }

  test('EmulatorAdmin over HTTP changes the same state as the in-process handle', async () => {
    const v = await admin.seedSecret({ name: 'http-seeded', value: 'over-http' });
    const rotated = await admin.rotateSecret({ name: 'http-seeded', value: 'over-http-2' });
    const entry = emu.state.secrets.get('1111222233334444', 'http-seeded');
    assert.deepEqual(entry?.versions.map((x) => [x.versionId, x.stages]), [[v.versionId, ['ACSPrevious']], [rotated.versionId, ['ACSCurrent']]]);
    assert.deepEqual(await admin.stsSettings({ credentialLifetimeSeconds: 1000 }), { credentialLifetimeSeconds: 1000, chainedMaxDurationSeconds: null });
    assert.equal(emu.state.settings.credentialLifetimeSeconds, 1000);
    assert.deepEqual(await admin.stsSettings({ credentialLifetimeSeconds: null }), { credentialLifetimeSeconds: null, chainedMaxDurationSeconds: null });
    assert.deepEqual(await admin.fault({ action: 'GetSecretValue', kind: 'throttle', count: 3 }), { pending: 1 });
    assert.deepEqual(await admin.clearFaults(), { pending: 0 });
    assert.deepEqual(await admin.counts(), { actions: {}, errors: {}, throttled: {}, roles: {}, accessKeys: {} });
  });

  test('an unknown admin route is 404 listing the accepted routes', async () => {
    const r = await getJson(`${emu.url}/__emulator/nope`, emu.caPem);
    assert.equal(r.status, 404);
    assert.match(String((r.body['problems'] as string[])[0]), /POST \/__emulator\/roles/);
  });

  test('OIDC discovery serves the issuer and a JWKS whose key verifies minted tokens', async () => {
    const conf = await getJson(`${emu.issuer}/.well-known/openid-configuration`, emu.caPem);
    assert.equal(conf.body['issuer'], emu.issuer);
    const jwks = await getJson(String(conf.body['jwks_uri']), emu.caPem);
    const jwk = (jwks.body['keys'] as Record<string, unknown>[])[0] as Record<string, unknown>;
    assert.equal(jwk['alg'], 'RS256');
    const { token } = await emu.mintToken({ namespace: 'ns', serviceAccount: 'sa', podName: 'pod-1' });
    const [h, p, s] = token.split('.') as [string, string, string];
    const { verify } = await import('node:crypto');
    assert.ok(verify('sha256', Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk as never, format: 'jwk' }), Buffer.from(s, 'base64url')));
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
    assert.equal(claims['sub'], 'system:serviceaccount:ns:sa');
    assert.deepEqual(claims['aud'], ['sts.aliyuncs.com']);
    assert.equal((claims['kubernetes.io'] as { pod: { name: string } }).pod.name, 'pod-1');
  });
});

describe('npm run emulator (test/emulator/main.ts)', () => {
  test('prints exactly one JSON line, serves the demo seed, exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [MAIN, '--seed', 'demo', '--log-level', 'silent'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    const rl = createInterface({ input: child.stdout });
    const first = await new Promise<string>((resolve, reject) => {
      rl.on('line', (l) => {
        lines.push(l);
        if (lines.length === 1) resolve(l);
      });
      child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
    });
    const info = JSON.parse(first) as { url: string; endpoint: string; caFile: string; issuer: string; seed: { roles: Record<string, string>; oidcProviderArn: string } };
    assert.match(info.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(info.endpoint, info.url.slice('https://'.length));
    assert.equal(info.issuer, `${info.url}/__emulator/oidc`);
    assert.equal(info.seed.oidcProviderArn, 'acs:ram::1234567890123456:oidc-provider/ack-rrsa-demo');
    const { readFile } = await import('node:fs/promises');
    const admin = new EmulatorAdmin(info.url, await readFile(info.caFile, 'utf8'));
    assert.deepEqual((await admin.seedParameter({ name: 'team-a/api-key', value: 'again' })), { version: 2 });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.equal(lines.length, 1);
  });

  test('a bad flag exits 2 naming the flag and the accepted values', async () => {
    const child = spawn(process.execPath, [MAIN, '--port', 'abc', '--seed', 'prod'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    assert.equal(code, 2);
    assert.match(stderr, /--port: "abc" is invalid/);
    assert.match(stderr, /--seed: "prod" is invalid \(accepted: demo\)/);
  });
});

describe('emulator logs', () => {
  test('a full RRSA → KMS/OOS run, with failures, logs no secret value, token or key', async () => {
    const { createLogger } = await import('../../common/log.ts');
    const { allowPolicy, rrsaTrustPolicy } = await import('../emulator/index.ts');
    const { runSdkProbe } = await import('../emulator/sdk-probe-runner.ts');
    const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const lines: string[] = [];
    const emu = await startEmulator({ logger: createLogger({ name: 'emulator', level: 'debug' }, { write: (l: string) => void lines.push(l) }) });
    const dir = await mkdtemp(join(tmpdir(), 'emu-logs-'));
    try {
      const providerArn = (await emu.defineOidcProvider({ name: 'p', issuerUrl: emu.issuer })).arn;
      const roleArn = (await emu.defineRole({ name: 'r', trustPolicy: rrsaTrustPolicy({ providerArn, subject: 'system:serviceaccount:ns:sa' }), policies: [allowPolicy('*', '*')] })).arn;
      await emu.seedSecret({ name: 's', value: 'log-scan-secret-value-1' });
      await emu.seedParameter({ name: 'p', value: 'log-scan-param-value-2' });
      const { token } = await emu.mintToken({ namespace: 'ns', serviceAccount: 'sa' });
      await writeFile(join(dir, 'token'), token);
      await emu.fault({ action: 'GetSecretValue', kind: 'error' });
      const r = await runSdkProbe(emu, [
        { op: 'oidc', roleArn, oidcProviderArn: providerArn, tokenFile: join(dir, 'token') },
        { op: 'getCredential' },
        { op: 'call', action: 'GetSecretValue', version: '2016-01-20', query: { SecretName: 's' } },
        { op: 'call', action: 'GetSecretValue', version: '2016-01-20', query: { SecretName: 's' } },
        { op: 'call', action: 'GetSecretParameter', version: '2019-06-01', query: { Name: 'p', WithDecryption: 'true' } },
        { op: 'call', action: 'GetSecretValue', version: '2016-01-20', query: { SecretName: 's' }, tamperSecret: true },
      ]);
      const cred = (r[1] as { ok: Record<string, string> }).ok;
      assert.ok('ok' in (r[3] as object) && 'ok' in (r[4] as object), JSON.stringify(r));
      assert.equal(lines.length, 5, `expected one log line per cloud request, got ${lines.length}`);
      const all = lines.join('');
      for (const needle of ['log-scan-secret-value-1', 'log-scan-param-value-2', token, token.split('.')[2] as string, cred['accessKeySecret'] as string, cred['securityToken'] as string]) {
        assert.equal(all.includes(needle), false, `log contains a sensitive value (${needle.slice(0, 6)}…)`);
      }
    } finally {
      await emu.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
