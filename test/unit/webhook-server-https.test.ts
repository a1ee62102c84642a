import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createLogger } from '../../common/log.ts';
import { createWebhookMetrics } from '../../webhook/server/metrics.ts';
import { KEEP_ALIVE_TIMEOUT_MS, REQUEST_TIMEOUT_MS, buildApp } from '../../webhook/server/app.ts';
import { ShutdownGate, drainAndClose } from '../../webhook/server/shutdown.ts';
import { TlsReloader } from '../../webhook/server/tls-reloader.ts';
import { SETTINGS, SEEDED_ENV_VALUE, logSink, review, seededResolver, type MapResolver } from './webhook-server-fixtures.ts';
import { kubeletWrite, makeServingPair, type TestPair } from './webhook-server-test-certificates.ts';

interface Reply {
  status: number;
  body: string;
  reusedSocket: boolean;
  localPort: number | undefined;
  serial: string | undefined;
  connectionClose: boolean;
}

/** One HTTPS request over `agent`, verifying the server against `ca`. */
function call(port: number, agent: Agent, ca: string[], method: string, path: string, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent, ca, headers: body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      // Read the socket now: a kept-alive socket is detached from the response once it ends.
      const socket = res.socket as TLSSocket;
      const localPort = socket.localPort;
      const serial = socket.getPeerCertificate().serialNumber;
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), reusedSocket: req.reusedSocket, localPort, serial, connectionClose: res.headers.connection === 'close' }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Serial number presented to a brand-new TLS connection. */
function servedSerial(port: number, ca: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, ca }, () => {
      resolve(s.getPeerCertificate().serialNumber);
      s.end();
    });
    s.on('error', reject);
  });
}

describe('the webhook over real HTTPS on 127.0.0.1', () => {
  let dir: string;
  let a: TestPair;
  let b: TestPair;
  let tls: TlsReloader;
  let app: FastifyInstance;
  let port: number;
  let resolver: MapResolver;
  const sink = logSink();
  const gate = new ShutdownGate();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'https-'));
    [a, b] = await Promise.all([makeServingPair({ serial: '61' }), makeServingPair({ serial: '62' })]);
    await kubeletWrite(dir, { 'tls.crt': a.certPem, 'tls.key': a.keyPem }, 1);
    tls = new TlsReloader({ dir, logger: createLogger({ name: 't' }, sink), debounceMs: 10 });
    await tls.start();
    resolver = seededResolver();
    app = buildApp({ resolver, settings: () => SETTINGS, logger: createLogger({ name: 't' }, sink), metrics: createWebhookMetrics(), tls, readiness: [gate], shutdown: gate });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  });
  after(async () => {
    tls.close();
    if (app.server.listening) await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('sets the request, headers, connection and keep-alive timeouts on the HTTPS server', () => {
    const server = app.server as unknown as { requestTimeout: number; timeout: number; keepAliveTimeout: number; headersTimeout: number };
    assert.equal(server.requestTimeout, REQUEST_TIMEOUT_MS);
    assert.equal(server.timeout, REQUEST_TIMEOUT_MS);
    assert.equal(server.keepAliveTimeout, KEEP_ALIVE_TIMEOUT_MS);
    assert.equal(server.headersTimeout, REQUEST_TIMEOUT_MS, 'headers must arrive within the request timeout');
    assert.ok(KEEP_ALIVE_TIMEOUT_MS > 90_000, "longer than the API server client's 90 s idle timeout");
  });

  it('answers two AdmissionReviews over one kept-alive TLS connection', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await call(port, agent, [a.caPem], 'POST', '/mutate', JSON.stringify(review('https-1')));
      const second = await call(port, agent, [a.caPem], 'POST', '/mutate', JSON.stringify(review('https-2')));
      for (const [reply, uid] of [[first, 'https-1'], [second, 'https-2']] as const) {
        assert.equal(reply.status, 200);
        const body = JSON.parse(reply.body) as { response: { uid: string; allowed: boolean; patchType: string } };
        assert.equal(body.response.uid, uid);
        assert.equal(body.response.allowed, true);
        assert.equal(body.response.patchType, 'JSONPatch');
      }
      assert.equal(first.serial, '61');
      assert.equal(second.reusedSocket, true, 'the second review reused the connection');
      assert.equal(second.localPort, first.localPort);
    } finally {
      agent.destroy();
    }
  });

  it('serves the swapped certificate to a new connection after a ..data swap, without a restart', async () => {
    const reloaded = new Promise<void>((resolve) => tls.onReload(() => resolve()));
    await kubeletWrite(dir, { 'tls.crt': b.certPem, 'tls.key': b.keyPem }, 2);
    await reloaded;
    assert.equal(await servedSerial(port, [a.caPem, b.caPem]), '62');
    const agent = new Agent({ keepAlive: false });
    const reply = await call(port, agent, [b.caPem], 'POST', '/mutate', JSON.stringify(review('https-3')));
    assert.equal(reply.status, 200);
    assert.equal(reply.serial, '62');
  });

  it('on shutdown turns unready, refuses new connections, and drains the review in flight', async () => {
    // 1. Hold a review inside the admission core (its ServiceAccount lookup waits on us).
    let release!: () => void;
    let entered!: () => void;
    const inCore = new Promise<void>((resolve) => (entered = resolve));
    resolver.beforeServiceAccount = () => {
      entered();
      return new Promise<void>((resolve) => (release = resolve));
    };
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const inFlight = call(port, agent, [b.caPem], 'POST', '/mutate', JSON.stringify(review('in-flight')));
    await inCore;
    // 2. Start shutdown; the endpoint-convergence delay waits on our promise.
    let endDelay!: () => void;
    let cleanedUp = false;
    const delayStarted = new Promise<void>((resolve) => {
      void drainAndClose({
        app,
        gate,
        logger: createLogger({ name: 't' }, sink),
        delayMs: 5_000,
        wait: () => {
          resolve();
          return new Promise<void>((r) => (endDelay = r));
        },
        cleanup: () => void (cleanedUp = true),
      }).then(() => shutdownDone.resolve());
    });
    const shutdownDone = Promise.withResolvers<void>();
    await delayStarted;
    // 3. During the delay: unready, but still accepting.
    const probeAgent = new Agent({ keepAlive: false });
    const readyz = await call(port, probeAgent, [b.caPem], 'GET', '/readyz');
    assert.equal(readyz.status, 503);
    assert.equal(readyz.connectionClose, true, 'responses during the delay ask clients to reconnect elsewhere');
    assert.deepEqual(JSON.parse(readyz.body), { ready: false, checks: { certificate: true, 'not-shutting-down': false } });
    // 4. After the delay: the listener closes; new connections are refused.
    endDelay();
    await new Promise<void>((resolve) => {
      const poll = (): void => (app.server.listening ? void setImmediate(poll) : resolve());
      poll();
    });
    await assert.rejects(servedSerial(port, [b.caPem]), /ECONNREFUSED/);
    assert.equal(cleanedUp, false, 'cleanup waits for the in-flight review');
    // 5. Let the review finish: it is answered in full, then shutdown completes.
    release();
    const reply = await inFlight;
    assert.equal(reply.status, 200);
    const body = JSON.parse(reply.body) as { response: { uid: string; allowed: boolean } };
    assert.equal(body.response.uid, 'in-flight');
    assert.equal(body.response.allowed, true);
    assert.equal(reply.connectionClose, true, 'the drained response closes its connection');
    await shutdownDone.promise;
    assert.equal(cleanedUp, true);
    assert.ok(!sink.lines.some((l) => l.includes('did not finish in time')), 'drained without cutting connections');
    agent.destroy();
    probeAgent.destroy();
  });

  it('never logged the pod env value or any key material during the run', () => {
    assert.ok(sink.lines.length > 0);
    for (const line of sink.lines) {
      assert.ok(!line.includes(SEEDED_ENV_VALUE), 'env value in a log line');
      assert.ok(!line.includes('PRIVATE KEY'), 'key material in a log line');
    }
  });
});
