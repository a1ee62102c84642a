/**
 * The agent's small HTTP endpoint: `/healthz` (liveness: the process answers), `/ready` (200 only
 * after the first complete write; the native sidecar's startupProbe, webhook/pod/agent-container.ts)
 * and `/metrics` (Prometheus text). Plain `node:http` rather than fastify: three fixed GET routes,
 * and the sidecar's memory footprint matters (it runs in every injected pod).
 *
 * Bind address: the kubelet sends httpGet probes to the POD IP, not to loopback
 * (https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#http-probes:
 * "host: defaults to the pod IP"), so the agent listens on all addresses by default, and anyone
 * on the pod network can read what it serves. `/metrics` therefore serves the registries it is
 * given: results, codes and latencies always, and the inventory of cloud secret names and version
 * ids only when the config opts in (injector/injector-metrics.ts). `--health-address 127.0.0.1`
 * restricts the whole endpoint (tests do).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * `node:http` through `process.getBuiltinModule`, not `import`: the ESM facade of a built-in reads
 * every export once, and `node:http`'s lazy `WebSocket`/`CloseEvent`/`MessageEvent` getters then
 * load Node's bundled undici with http2, web streams and perf_hooks: about 75 more internal
 * modules and 2.6 MB of heap in every agent that never uses any of them (docs/benchmarks.md,
 * "Agent memory"). The CommonJS exports are the same functions without that read.
 */
const { createServer } = process.getBuiltinModule('node:http');
import type { Registry } from 'prom-client';

/** The Prometheus text of every registry, in order (each ends with a newline). */
async function render(registries: readonly Registry[]): Promise<string> {
  return (await Promise.all(registries.map((r) => r.metrics()))).join('');
}

/** A running health server. */
export interface HealthServer {
  /** The bound port (useful with port 0). */
  port: number;
  /** Marks the first complete write; `/ready` answers 200 from then on. */
  setReady(): void;
  close(): Promise<void>;
}

/** Starts the server on `address:port`; resolves once it listens. `/metrics` serves `registries` concatenated. */
export async function startHealthServer(options: { address: string; port: number; registries: readonly Registry[] }): Promise<HealthServer> {
  const contentType = options.registries[0]?.contentType ?? 'text/plain; version=0.0.4; charset=utf-8';
  let ready = false;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/ready') {
      res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'ready\n' : 'waiting for the first complete write\n');
    } else if (path === '/metrics') {
      render(options.registries).then(
        (text) => res.writeHead(200, { 'content-type': contentType }).end(text),
        () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
      );
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found; try /healthz, /ready or /metrics\n');
    }
  });
  // Probes are tiny; a short keep-alive keeps idle sockets from piling up in a small sidecar.
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.address, () => { server.off('error', reject); resolve(); });
  });
  return {
    port: (server.address() as AddressInfo).port,
    setReady: () => { ready = true; },
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}
