import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateCertificateAuthority, generateServingCertificate, parseCertificatePem } from '../../certs/certificate-authority.ts';
import { ErrorCode, InjectorError } from '../../common/errors.ts';
import { createLogger } from '../../common/log.ts';
import { parseWebhookArgs, withServerVersion } from '../../webhook/server/server-command.ts';
import { parseSettings } from '../../webhook/settings.ts';
import { FakeKubeApi } from './webhook-server-fake-kube-api.ts';
import { SEEDED_ENV_VALUE, logSink, review } from './webhook-server-fixtures.ts';
import { kubeletWrite, makeServingPair } from './webhook-server-test-certificates.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof InjectorError);
    assert.equal(err.code, ErrorCode.CONFIG);
    return err.message;
  }
  assert.fail('expected an E_CONFIG error');
}

describe('parseWebhookArgs', () => {
  it('reports every missing and invalid flag in one error', () => {
    const message = configError(() => parseWebhookArgs(['--port', '99999', '--certificates', 'vault', '--log-level', 'loud', '--shutdown-delay', '45s'], {}));
    for (const part of [
      /--settings: required/,
      /--tls-dir: required/,
      /--port: invalid value "99999"; expected an integer from 0 to 65535/,
      /--certificates: invalid value "vault"; expected one of files, self-managed/,
      /--log-level: invalid value "loud"/,
      /--shutdown-delay: invalid value "45s"; expected a whole-second Go duration from "0s" to "30s"/,
    ]) assert.match(message, part);
  });

  it('rejects an unknown flag and shows the usage', () => {
    assert.match(configError(() => parseWebhookArgs(['--settings', 's', '--tls-dir', 'd', '--tls-cert', 'x'], {})), /Unknown option '--tls-cert'[\s\S]*Usage: ack-secret-injector webhook/);
  });

  it('rejects a namespace that is not a DNS label', () => {
    assert.match(configError(() => parseWebhookArgs(['--settings', 's', '--tls-dir', 'd', '--namespace', 'Not_A_Namespace'], {})), /--namespace: invalid value "Not_A_Namespace"/);
  });

  const ok: Array<{ name: string; argv: string[]; env: Record<string, string>; expect: Record<string, unknown> }> = [
    {
      name: 'fills the defaults and takes namespace and identity from the downward API variables',
      argv: ['--settings', '/etc/s.yaml', '--tls-dir', '/tls'],
      env: { POD_NAMESPACE: 'secret-injector', POD_NAME: 'webhook-abc' },
      expect: { port: 8443, host: '0.0.0.0', certificates: 'files', namespace: 'secret-injector', identity: 'webhook-abc', secretName: 'ack-secret-injector-tls', webhookConfigName: 'ack-secret-injector', serviceName: 'ack-secret-injector', leaseName: 'ack-secret-injector-certs', extraDnsNames: [], ipAddresses: [], shutdownDelayMs: 5000, logLevel: 'info' },
    },
    {
      name: 'lets flags override every default',
      argv: ['--settings', 's', '--tls-dir', 'd', '--port', '9443', '--host', '::', '--certificates', 'self-managed', '--namespace', 'ns1', '--identity', 'me', '--secret-name', 'x-tls', '--shutdown-delay', '0s', '--log-level', 'debug'],
      env: { POD_NAMESPACE: 'ignored', POD_NAME: 'ignored' },
      expect: { port: 9443, host: '::', certificates: 'self-managed', namespace: 'ns1', identity: 'me', secretName: 'x-tls', shutdownDelayMs: 0, logLevel: 'debug' },
    },
    {
      name: 'takes extra DNS names and IP addresses for a self-managed certificate, trimming spaces',
      argv: ['--settings', 's', '--tls-dir', 'd', '--certificates', 'self-managed', '--extra-dns-names', 'webhook.example.com, *.internal.example.com', '--ip-addresses', '10.0.0.7,fd00::7'],
      env: {},
      expect: { extraDnsNames: ['webhook.example.com', '*.internal.example.com'], ipAddresses: ['10.0.0.7', 'fd00::7'] },
    },
    {
      name: 'treats empty SAN lists as none',
      argv: ['--settings', 's', '--tls-dir', 'd', '--certificates', 'self-managed', '--extra-dns-names', '', '--ip-addresses', ' '],
      env: {},
      expect: { extraDnsNames: [], ipAddresses: [] },
    },
  ];
  for (const tc of ok) {
    it(tc.name, () => {
      const parsed = parseWebhookArgs(tc.argv, tc.env);
      assert.notEqual(parsed, 'help');
      for (const [k, v] of Object.entries(tc.expect)) assert.deepEqual((parsed as unknown as Record<string, unknown>)[k], v, k);
    });
  }

  const sanErrors: Array<{ name: string; argv: string[]; problems: RegExp[] }> = [
    {
      name: 'lists every bad DNS name and IP address, each flag once',
      argv: ['--certificates', 'self-managed', '--extra-dns-names', 'ok.example.com,Upper.example.com,,a..b,ok.example.com,x.*.example.com', '--ip-addresses', '10.0.0.1,300.1.1.1,fe80::1%eth0,host'],
      problems: [
        /--extra-dns-names: invalid value "ok\.example\.com,Upper\.example\.com,,a\.\.b,ok\.example\.com,x\.\*\.example\.com"; expected a comma-separated list of DNS names .*; not accepted: "Upper\.example\.com", "", "a\.\.b", "ok\.example\.com", "x\.\*\.example\.com"$/m,
        /--ip-addresses: invalid value "10\.0\.0\.1,300\.1\.1\.1,fe80::1%eth0,host"; expected a comma-separated list of IPv4 or IPv6 addresses without a zone index, each once; not accepted: "300\.1\.1\.1", "fe80::1%eth0", "host"$/m,
        /--settings: required/,
      ],
    },
    {
      name: 'rejects a DNS name longer than 253 characters',
      argv: ['--settings', 's', '--tls-dir', 'd', '--certificates', 'self-managed', '--extra-dns-names', `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}`],
      problems: [/--extra-dns-names: invalid value .*not accepted: "a{63}\.b{63}\.c{63}\.d{63}"/],
    },
    {
      name: 'refuses SAN flags without --certificates self-managed, naming both',
      argv: ['--settings', 's', '--tls-dir', 'd', '--extra-dns-names', 'webhook.example.com', '--ip-addresses', '10.0.0.1'],
      problems: [/--extra-dns-names: only used with --certificates self-managed/, /--ip-addresses: only used with --certificates self-managed/],
    },
  ];
  for (const tc of sanErrors) {
    it(tc.name, () => {
      const message = configError(() => parseWebhookArgs(tc.argv, {}));
      for (const re of tc.problems) assert.match(message, re);
    });
  }

  it('every SAN the flags accept is accepted by the certificate generator and lands in the certificate', async () => {
    const parsed = parseWebhookArgs(['--settings', 's', '--tls-dir', 'd', '--certificates', 'self-managed', '--extra-dns-names', '*.hooks.example.com,webhook.example.com', '--ip-addresses', '127.0.0.1,::1'], {});
    assert.notEqual(parsed, 'help');
    const { extraDnsNames, ipAddresses } = parsed as Exclude<typeof parsed, 'help'>;
    const now = new Date('2026-01-01T00:00:00Z');
    const ca = await generateCertificateAuthority({ commonName: 'test-ca', now });
    const serving = await generateServingCertificate({ ca, serviceName: 'ack-secret-injector', namespace: 'secret-injector', extraDnsNames, ipAddresses, now });
    const info = parseCertificatePem(serving.certPem);
    for (const name of extraDnsNames) assert.ok(info.dnsNames.includes(name), name);
    assert.deepEqual(info.ipAddresses.map((a) => (a.includes(':') ? 'v6' : a)), ['127.0.0.1', 'v6']);
  });

  it('answers --help', () => {
    assert.equal(parseWebhookArgs(['--help'], {}), 'help');
  });
});

describe('withServerVersion', () => {
  const api = new FakeKubeApi();
  before(async () => api.start());
  after(async () => api.close());
  const base = { image: 'r/i:1', region: 'cn-hangzhou', accountId: '1234567890', clusterId: 'c0ffee' };

  const cases: Array<{ name: string; settings: Record<string, unknown>; expect: string | undefined; calls: number }> = [
    { name: 'nativeSidecar auto reads /version once', settings: { nativeSidecar: 'auto' }, expect: 'v1.30.2', calls: 1 },
    { name: 'nativeSidecar never does not call the API server', settings: { nativeSidecar: 'never' }, expect: undefined, calls: 0 },
    { name: 'an explicit serverVersion wins over /version', settings: { nativeSidecar: 'auto', serverVersion: 'v1.28.0' }, expect: 'v1.28.0', calls: 0 },
  ];
  for (const tc of cases) {
    it(tc.name, async () => {
      api.requests.length = 0;
      const settings = await withServerVersion(parseSettings({ ...base, ...tc.settings }), api.kubeConfig(), createLogger({ name: 't' }, logSink()));
      assert.equal(settings.serverVersion, tc.expect);
      assert.equal(api.requests.filter((r) => r === 'GET /version').length, tc.calls);
      assert.ok(Object.isFrozen(settings));
    });
  }

  it('fails with a retryable E_KUBE error naming the way out when /version stays unreachable', async () => {
    const dead = new FakeKubeApi();
    await dead.start();
    const kc = dead.kubeConfig();
    await dead.close();
    await assert.rejects(withServerVersion(parseSettings({ ...base, nativeSidecar: 'auto' }), kc, createLogger({ name: 't' }, logSink()), 1), (err: unknown) => {
      assert.ok(err instanceof InjectorError);
      assert.equal(err.code, ErrorCode.KUBE);
      assert.equal(err.retryable, true);
      assert.match(err.message, /GET \/version.*failed 5 times.*set serverVersion or nativeSidecar: always\|never/);
      return true;
    });
  });
});

describe('ack-secret-injector webhook (the real command in a child process)', () => {
  it('serves a review over HTTPS once synced, and exits 0 after draining on SIGTERM', async () => {
    // 1. A Kubernetes API with the pod's ServiceAccount and ExternalSecret, a certificate, settings.
    const api = new FakeKubeApi();
    api.listed.set('namespaces', [{ metadata: { name: 'team-a' } }]);
    api.listed.set('serviceaccounts', [{ metadata: { name: 'app', namespace: 'team-a', annotations: { 'ack.alibabacloud.com/role-arn': 'acs:ram::1234567890:role/app' } } }]);
    api.listed.set('externalsecrets', [{ apiVersion: 'alibabacloud.com/v1alpha1', kind: 'ExternalSecret', metadata: { name: 'db', namespace: 'team-a' }, spec: { data: [{ key: 'db-password', name: 'password' }] } }]);
    await api.start();
    const dir = await mkdtemp(join(tmpdir(), 'webhook-cmd-'));
    const tlsDir = join(dir, 'tls');
    const pair = await makeServingPair({ serial: '71' });
    await kubeletWrite(tlsDir, { 'tls.crt': pair.certPem, 'tls.key': pair.keyPem }, 1);
    await writeFile(join(dir, 'settings.yaml'), 'image: registry.example.com/ack-secret-injector:0.1.0\nregion: cn-hangzhou\naccountId: "1234567890"\nclusterId: c0ffee\nnativeSidecar: auto\n');
    await writeFile(
      join(dir, 'kubeconfig'),
      `apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: ${api.url}\n    insecure-skip-tls-verify: true\nusers:\n- name: fake\n  user: {}\ncontexts:\n- name: fake\n  context: {cluster: fake, user: fake}\ncurrent-context: fake\n`,
    );
    // 2. Start it.
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'ack-secret-injector.mjs'), 'webhook', '--settings', join(dir, 'settings.yaml'), '--tls-dir', tlsDir, '--port', '0', '--host', '127.0.0.1', '--kubeconfig', join(dir, 'kubeconfig'), '--shutdown-delay', '0s'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const agent = new Agent({ keepAlive: false });
    const call = (port: number, method: string, path: string, body?: string): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, method, path, agent, ca: [pair.caPem], headers: body === undefined ? {} : { 'content-type': 'application/json' } }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        req.on('error', reject);
        req.end(body);
      });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const onData = (): void => {
          const line = out.split('\n').find((l) => l.includes('"webhook serving"'));
          if (line !== undefined) resolve((JSON.parse(line) as { port: number }).port);
        };
        child.stdout.on('data', onData);
        void exited.then((code) => reject(new Error(`webhook exited early (${code}): ${err}${out}`)));
      });
      // 3. Ready once the certificate is loaded and the five caches synced.
      let ready = await call(port, 'GET', '/readyz');
      for (let i = 0; i < 200 && ready.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 20));
        ready = await call(port, 'GET', '/readyz');
      }
      assert.equal(ready.status, 200, ready.body);
      // 4. A review answered from the caches, and the version read for nativeSidecar: auto.
      const before = api.requests.length;
      const res = await call(port, 'POST', '/mutate', JSON.stringify(review('cmd-1')));
      assert.equal(res.status, 200);
      const body = JSON.parse(res.body) as { response: { uid: string; allowed: boolean; patchType: string } };
      assert.deepEqual([body.response.uid, body.response.allowed, body.response.patchType], ['cmd-1', true, 'JSONPatch']);
      assert.deepEqual(api.requests.slice(before).filter((r) => !r.includes('watch=true')), [], 'the admission made no API call');
      assert.ok(api.requests.includes('GET /version'));
      assert.match(out, /"serverVersion":"v1\.30\.2"/);
      // 5. SIGTERM: drain, exit 0.
      child.kill('SIGTERM');
      assert.equal(await exited, 0, err);
      assert.match(out, /"msg":"shut down"/);
      assert.ok(!out.includes(SEEDED_ENV_VALUE) && !err.includes(SEEDED_ENV_VALUE), 'no env value in the logs');
      assert.ok(!out.includes('PRIVATE KEY'), 'no key material in the logs');
    } finally {
      child.kill('SIGKILL');
      agent.destroy();
      await api.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
