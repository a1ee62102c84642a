import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, InjectorError } from '../../common/errors.ts';
import { createLogger } from '../../common/log.ts';
import { createWebhookMetrics } from '../../webhook/server/metrics.ts';
import { TlsReloader, readTlsMaterial } from '../../webhook/server/tls-reloader.ts';
import { kubeletWrite, makeServingPair, type TestPair } from './webhook-server-test-certificates.ts';

/** Serial number of the certificate a fresh TLS connection is served. */
async function servedSerial(port: number, ca: string[]): Promise<string> {
  return await new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.end();
      resolve(serial);
    });
    socket.on('error', reject);
  });
}

async function until(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await cond()) return;
    await sleep(10);
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('readTlsMaterial', () => {
  let dir: string;
  let a: TestPair;
  let b: TestPair;
  let expired: TestPair;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tls-read-'));
    [a, b, expired] = await Promise.all([
      makeServingPair({ serial: '11' }),
      makeServingPair({ serial: '22' }),
      makeServingPair({ serial: '33', notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: new Date('2021-01-01T00:00:00Z') }),
    ]);
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  const cases: Array<{ name: string; files: () => Record<string, string>; error: RegExp }> = [
    { name: 'rejects a folder without tls.key', files: () => ({ 'tls.crt': a.certPem }), error: /cannot read .*tls\.crt and .*tls\.key: ENOENT/ },
    { name: 'rejects a certificate that is not PEM', files: () => ({ 'tls.crt': 'garbage', 'tls.key': a.keyPem }), error: /tls\.crt: not a PEM certificate/ },
    { name: 'rejects a key that belongs to another certificate', files: () => ({ 'tls.crt': a.certPem, 'tls.key': b.keyPem }), error: /tls\.key: not a usable private key for .*tls\.crt/ },
    { name: 'rejects an expired certificate', files: () => ({ 'tls.crt': expired.certPem, 'tls.key': expired.keyPem }), error: /certificate expired at 2021-01-01T00:00:00\.000Z/ },
  ];
  for (const [i, tc] of cases.entries()) {
    it(tc.name, async () => {
      const d = join(dir, String(i));
      await kubeletWrite(d, tc.files(), 1);
      await assert.rejects(readTlsMaterial(d), (err: unknown) => {
        assert.ok(err instanceof InjectorError);
        assert.equal(err.code, ErrorCode.CERT);
        assert.match(err.message, tc.error);
        assert.doesNotMatch(err.message, /PRIVATE KEY|BEGIN CERTIFICATE/, 'never echoes the material');
        return true;
      });
    });
  }

  it('accepts a matching pair and reports its expiry and subject', async () => {
    const d = join(dir, 'ok');
    await kubeletWrite(d, { 'tls.crt': a.certPem, 'tls.key': a.keyPem }, 1);
    const m = await readTlsMaterial(d);
    assert.equal(m.subject, 'CN=ack-secret-injector.test.svc');
    assert.ok(m.notAfter.getTime() > Date.now());
    assert.match(m.fingerprint, /^[0-9a-f]{64}$/);
  });
});

describe('TlsReloader with a kubelet-style ..data swap', () => {
  let dir: string;
  let server: Server;
  let reloader: TlsReloader;
  let port: number;
  let a: TestPair;
  let b: TestPair;
  const metrics = createWebhookMetrics();
  const lines: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tls-reload-'));
    [a, b] = await Promise.all([makeServingPair({ serial: '41' }), makeServingPair({ serial: '42' })]);
    await kubeletWrite(dir, { 'tls.crt': a.certPem, 'tls.key': a.keyPem }, 1);
    reloader = new TlsReloader({ dir, logger: createLogger({ name: 't' }, { write: (s: string) => void lines.push(s) }), metrics, debounceMs: 10 });
    await reloader.start();
    assert.equal(reloader.loaded, true);
    server = createServer({}, (_req, res) => res.end('ok'));
    reloader.attach(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    reloader.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the first pair and exports its notAfter', async () => {
    assert.equal(await servedSerial(port, [a.caPem, b.caPem]), '41');
    const notAfter = Math.floor(reloader.current!.notAfter.getTime() / 1000);
    assert.match(await metrics.registry.metrics(), new RegExp(`ack_secret_injector_certificate_not_after_seconds ${notAfter}`));
  });

  it('serves the new pair on a new connection after the ..data symlink swap', async () => {
    const reloaded = new Promise<string>((resolve) => reloader.onReload((m) => resolve(m.fingerprint)));
    await kubeletWrite(dir, { 'tls.crt': b.certPem, 'tls.key': b.keyPem }, 2);
    await reloaded;
    assert.equal(await servedSerial(port, [a.caPem, b.caPem]), '42');
  });

  it('keeps serving the current pair when the new one is invalid, and logs why', async () => {
    const rejectedBefore = (await metrics.certificateReloads.get()).values.find((v) => v.labels.result === 'rejected')?.value ?? 0;
    // The key of pair A with the certificate of pair B: a half-rotated Secret.
    await kubeletWrite(dir, { 'tls.crt': b.certPem, 'tls.key': a.keyPem }, 3);
    await until(async () => ((await metrics.certificateReloads.get()).values.find((v) => v.labels.result === 'rejected')?.value ?? 0) > rejectedBefore, 'the rejected reload');
    assert.equal(await servedSerial(port, [a.caPem, b.caPem]), '42');
    const logged = lines.map((l) => JSON.parse(l) as { level: number; msg: string; err?: string }).find((l) => l.msg.includes('rejected'));
    assert.equal(logged?.level, 50);
    assert.match(logged?.err ?? '', /not a usable private key/);
    assert.ok(!lines.some((l) => l.includes('PRIVATE KEY')), 'the key never reaches the log');
  });

  it('re-reads but does not re-apply the same pair when an unrelated file changes in the folder', async () => {
    const count = async (result: string): Promise<number> => (await metrics.certificateReloads.get()).values.find((v) => v.labels.result === result)?.value ?? 0;
    // Put pair B back on disk (the previous case left a broken pair): same as the one served.
    const restored = await count('unchanged');
    await kubeletWrite(dir, { 'tls.crt': b.certPem, 'tls.key': b.keyPem }, 4);
    await until(async () => (await count('unchanged')) > restored, 'the restored pair');
    const unchangedBefore = await count('unchanged');
    const loadedBefore = await count('loaded');
    await writeFile(join(dir, 'README'), 'unrelated');
    await until(async () => (await count('unchanged')) > unchangedBefore, 'a reload pass');
    assert.equal(await count('loaded'), loadedBefore);
    assert.equal(await servedSerial(port, [a.caPem, b.caPem]), '42');
  });
});
