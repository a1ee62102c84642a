/**
 * One plain-HTTP request over `node:http`, for the injector's two non-cloud calls: the app's
 * `notify-url` on the pod loopback and the ECS metadata service on the host.
 *
 * Why not `fetch`: Node's `fetch` is undici, whose HTTP parser (llhttp) is WebAssembly, and the
 * agent runs under `--jitless` (docs/benchmarks.md "Agent"), where V8 has no WebAssembly: every
 * `fetch` fails with "WebAssembly is not defined" before it sends a byte. `node:http` parses in
 * C++ and works under any flag. Both callers speak plain HTTP to a fixed local address, so nothing
 * of `fetch` (redirects, CORS, streams) is missed.
 */

/**
 * `node:http` through `process.getBuiltinModule`, not `import`: the ESM facade of `node:http`
 * reads its lazy WebSocket getters, which load Node's bundled undici with http2 and web streams
 * (about 20 ms of init's start and 2.6 MB of the agent's heap; health-server.ts does the same;
 * test/integration/bundle-injector.test.ts checks neither process loads them).
 */
const { request } = process.getBuiltinModule('node:http');

/** What a call sends. */
export interface PlainHttpInit {
  method: string;
  headers?: Record<string, string>;
  body?: string;
  /** The whole call (connect, send, read the answer) must finish within this. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** What a call answers: the status and the body as text (bounded: see MAX_BODY_BYTES). */
export interface PlainHttpResponse {
  status: number;
  body: string;
}

/** The request function callers take as a dependency, so tests pass a stand-in. */
export type PlainHttpRequest = (url: string, init: PlainHttpInit) => Promise<PlainHttpResponse>;

/**
 * The longest answer read: the metadata documents are < 2 KB and a notify answer is ignored, so
 * anything longer is cut (never buffered without bound).
 */
const MAX_BODY_BYTES = 64 * 1024;

/** Sends one request; rejects on a network error, a timeout (`TimeoutError`) or an abort. */
export const plainHttpRequest: PlainHttpRequest = (url, init) => new Promise((resolve, reject) => {
  const signals = [AbortSignal.timeout(init.timeoutMs), ...(init.signal === undefined ? [] : [init.signal])];
  const req = request(url, { method: init.method, headers: { ...init.headers, ...(init.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(init.body)) }) }, signal: AbortSignal.any(signals) }, (res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      if (size >= MAX_BODY_BYTES) return;
      chunks.push(chunk.subarray(0, MAX_BODY_BYTES - size));
      size += chunk.length;
    });
    res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    res.on('error', reject);
  });
  req.on('error', (err) => reject(err.name === 'AbortError' && signals[0]?.aborted === true ? Object.assign(new Error('the request timed out'), { name: 'TimeoutError' }) : err));
  req.end(init.body);
});
