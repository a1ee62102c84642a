/**
 * Child-process entry for the webhook benchmark: one HTTPS admission server on 127.0.0.1:0, in a
 * process of its own so it never shares an event loop with the load generator. Started with
 * `fork()` by bench/webhook-load.ts; reports `{port}` over the IPC channel once listening and
 * closes on SIGTERM.
 *
 * Usage: node bench/webhook-server-process.ts real|bare <tls-dir> [<fixtures-dir>]
 * (bench/run.ts starts it bundled, bench/helper-bundles.ts, and passes bench/fixtures/ since the
 * bundle's own location says nothing about the repository's)
 * - `real`: the product's server (webhook/server/app.ts buildApp) with the product's TLS reloader,
 *   metrics and pino logger at `info` (one line per review, as in production; stdout is discarded
 *   by the parent), and a Resolver pre-filled from bench/fixtures/objects.yaml: the state of the
 *   informer caches once synced, so no request waits on the API server.
 * - `bare`: fastify over HTTPS with the same certificate, answering every review `allowed: true`
 *   with the request's uid and nothing else: the ceiling for fastify + TLS + JSON on this machine.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fastify from 'fastify';
import { createLogger } from '../common/log.ts';
import { readManifests, StaticResolver } from '../webhook/manifests.ts';
import { createWebhookMetrics } from '../webhook/server/metrics.ts';
import { buildApp } from '../webhook/server/app.ts';
import { loadSettings } from '../webhook/settings.ts';
import { TLS_CERT_FILE, TLS_KEY_FILE, TlsReloader } from '../webhook/server/tls-reloader.ts';
import { FIXTURES_DIR } from './fixtures.ts';

/** The two servers the benchmark compares. */
export const SERVER_KINDS = ['real', 'bare'] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

/** The message the child sends once listening. */
export interface ServerReady {
  port: number;
}

async function startReal(tlsDir: string, fixturesDir: string): Promise<{ port: number; close: () => Promise<void> }> {
  const logger = createLogger({ name: 'ack-secret-injector-webhook', level: 'info' });
  const metrics = createWebhookMetrics({ processMetrics: true });
  const settings = await loadSettings(join(fixturesDir, 'settings.yaml'));
  const objects = (await readManifests([join(fixturesDir, 'objects.yaml')])).map((m) => m.object);
  const resolver = new StaticResolver(objects, 'shop');
  const tls = new TlsReloader({ dir: tlsDir, logger, metrics });
  await tls.start();
  if (!tls.loaded) throw new Error(`no usable serving certificate in ${tlsDir}`);
  const app = buildApp({ resolver, settings: () => settings, logger, metrics, tls });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the server has no TCP address');
  return { port: address.port, close: async () => { await app.close(); tls.close(); } };
}

async function startBare(tlsDir: string): Promise<{ port: number; close: () => Promise<void> }> {
  const [cert, key] = await Promise.all([readFile(join(tlsDir, TLS_CERT_FILE)), readFile(join(tlsDir, TLS_KEY_FILE))]);
  const app = fastify({ logger: false, https: { cert, key } });
  app.post('/mutate', async (request) => {
    const uid = (request.body as { request?: { uid?: string } }).request?.uid ?? '';
    return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid, allowed: true } };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the server has no TCP address');
  return { port: address.port, close: () => app.close() };
}

/**
 * Steps: 1. check the arguments; 2. start the server; 3. report the port to the parent;
 * 4. close on SIGTERM (or when the parent goes away) and exit.
 */
async function main(argv: string[]): Promise<void> {
  // 1.
  const [kind, tlsDir, fixturesDir = FIXTURES_DIR] = argv;
  if (!SERVER_KINDS.includes(kind as ServerKind) || tlsDir === undefined) {
    throw new Error(`usage: webhook-server-process.ts ${SERVER_KINDS.join('|')} <tls-dir>; got ${JSON.stringify(argv)}`);
  }
  if (process.send === undefined) throw new Error('webhook-server-process.ts must be started with fork() (it reports over IPC)');
  // 2.
  const server = kind === 'real' ? await startReal(tlsDir, fixturesDir) : await startBare(tlsDir);
  // 3.
  const ready: ServerReady = { port: server.port };
  process.send(ready);
  // 4.
  const stop = (): void => {
    void server.close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('disconnect', stop);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`webhook-server-process: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
