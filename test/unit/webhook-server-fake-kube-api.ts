/**
 * A small HTTP stand-in for the parts of the Kubernetes API the webhook's caches use: list,
 * watch (a streamed `?watch=true` response the test pushes events into) and get-by-name for
 * namespaces, serviceaccounts and the three `alibabacloud.com/v1alpha1` resources. It is a real
 * HTTP peer on 127.0.0.1 for the real @kubernetes/client-node, not a mock of project code. It
 * records every request so tests can count direct GETs. The end-to-end suite runs the same
 * caches against a real kube-apiserver.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

export interface FakeObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string; [k: string]: unknown };
  [k: string]: unknown;
}

const CRD_PREFIX = '/apis/alibabacloud.com/v1alpha1';

/** Parses a request path into resource, namespace and name. */
function route(path: string): { resource: string; namespace?: string; name?: string; crd: boolean } | undefined {
  let m = /^\/api\/v1\/(namespaces|serviceaccounts)$/.exec(path);
  if (m) return { resource: m[1]!, crd: false };
  m = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(path);
  if (m) return { resource: 'namespaces', name: m[1]!, crd: false };
  m = /^\/api\/v1\/namespaces\/([^/]+)\/serviceaccounts\/([^/]+)$/.exec(path);
  if (m) return { resource: 'serviceaccounts', namespace: m[1]!, name: m[2]!, crd: false };
  if (!path.startsWith(CRD_PREFIX)) return undefined;
  const rest = path.slice(CRD_PREFIX.length);
  m = /^\/(externalsecrets|secretstores|clustersecretstores|clusterexternalsecrets)$/.exec(rest);
  if (m) return { resource: m[1]!, crd: true };
  m = /^\/namespaces\/([^/]+)\/(externalsecrets|secretstores)\/([^/]+)$/.exec(rest);
  if (m) return { resource: m[2]!, namespace: m[1]!, name: m[3]!, crd: true };
  m = /^\/(clustersecretstores|clusterexternalsecrets)\/([^/]+)$/.exec(rest);
  if (m) return { resource: m[1]!, name: m[2]!, crd: true };
  return undefined;
}

export class FakeKubeApi {
  /** Objects returned by list (and get), by resource. */
  readonly listed = new Map<string, FakeObject[]>();
  /** Objects only a direct GET finds (created "a moment ago", not yet in any list or watch). */
  readonly onlyByGet = new Map<string, FakeObject>();
  /** Names (`resource/ns/name`) whose direct GET answers 500. */
  readonly failingGets = new Set<string>();
  crdsInstalled = true;
  /** What `GET /version` reports. */
  gitVersion = 'v1.30.2';
  /** Every request as `METHOD path?query`. */
  readonly requests: string[] = [];
  #server: Server;
  #watchers = new Map<string, Set<ServerResponse>>();
  #rv = 100;

  constructor() {
    this.#server = createServer((req, res) => this.#handle(req, res));
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
  }

  get url(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** A KubeConfig pointing at this server. */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'fake' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
      currentContext: 'fake',
    });
    return kc;
  }

  /** Direct GET-by-name requests made so far for `resource`. */
  getsFor(resource: string): string[] {
    return this.requests.filter((r) => r.startsWith('GET ') && !r.includes('watch=true') && route(r.slice(4).split('?')[0]!)?.resource === resource && route(r.slice(4).split('?')[0]!)?.name !== undefined);
  }

  /** Number of open watch streams for `resource`. */
  watching(resource: string): number {
    return this.#watchers.get(resource)?.size ?? 0;
  }

  /** Sends a watch event to every open watch of `resource`. */
  push(resource: string, type: 'ADDED' | 'MODIFIED' | 'DELETED', object: FakeObject): void {
    const obj = { ...object, metadata: { ...object.metadata, resourceVersion: String(++this.#rv) } };
    for (const res of this.#watchers.get(resource) ?? []) res.write(`${JSON.stringify({ type, object: obj })}\n`);
  }

  async close(): Promise<void> {
    for (const set of this.#watchers.values()) for (const res of set) res.end();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);
    const send = (code: number, body: unknown): void => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const status = (code: number, reason: string, message: string): void =>
      send(code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code });
    if (url.pathname === '/version') {
      const [major, minor] = this.gitVersion.replace(/^v/, '').split('.');
      return send(200, { major, minor, gitVersion: this.gitVersion, platform: 'linux/amd64' });
    }
    const r = route(url.pathname);
    if (r === undefined || req.method !== 'GET') return status(404, 'NotFound', `no route ${url.pathname}`);
    if (r.crd && !this.crdsInstalled) return status(404, 'NotFound', 'the server could not find the requested resource');
    if (r.name === undefined && url.searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      let set = this.#watchers.get(r.resource);
      if (set === undefined) this.#watchers.set(r.resource, (set = new Set()));
      set.add(res);
      res.on('close', () => set.delete(res));
      return;
    }
    const items = this.listed.get(r.resource) ?? [];
    if (r.name === undefined) {
      return send(200, { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: String(this.#rv) }, items });
    }
    const key = `${r.resource}/${r.namespace ?? ''}/${r.name}`;
    if (this.failingGets.has(key)) return status(500, 'InternalError', 'etcd is sad');
    const found = items.find((o) => o.metadata.name === r.name && (o.metadata.namespace ?? '') === (r.namespace ?? '')) ?? this.onlyByGet.get(key);
    if (found === undefined) return status(404, 'NotFound', `${r.resource} "${r.name}" not found`);
    send(200, found);
  }
}
