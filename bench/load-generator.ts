/**
 * Child-process entry: a keep-alive HTTPS load generator for the webhook benchmark, in a process
 * of its own so the server under test has its event loop to itself. Started with `fork()` by
 * bench/webhook-load.ts with one JSON argument (LoadOptions); sends one LoadResult over IPC and
 * exits.
 *
 * It does what the API server does to a webhook: POSTs an AdmissionReview on kept-alive TLS
 * connections and reads the whole answer. Each request gets a fresh `request.uid` (the API server
 * never repeats one) and each answer is checked: HTTP 200, the uid echoed, and the expected
 * outcome (a JSON patch from the real webhook, `allowed` from the bare server). A wrong answer
 * counts as an error, not as throughput.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';

/** What the parent asks for. */
export interface LoadOptions {
  url: string;
  caFile: string;
  reviewFile: string;
  /** Concurrent connections, each with one request in flight (the API server's pattern). */
  connections: number;
  /** Requests before this many ms are not measured (TLS handshakes, JIT warm-up). */
  warmupMs: number;
  /** Measured time after the warm-up. */
  durationMs: number;
  /** `patch`: the answer must carry a JSON patch; `allowed`: a plain allow. */
  expect: 'patch' | 'allowed';
}

/** What the child reports. Latencies are milliseconds from write to the last byte of the answer. */
export interface LoadResult {
  requests: number;
  errors: number;
  firstError: string | undefined;
  elapsedMs: number;
  latenciesMs: number[];
  connectionsOpened: number;
}

/**
 * Runs the load. Steps: 1. read the review once and split it around its uid, so each request is
 * built by concatenation; 2. start `connections` workers, each sending its next request when the
 * last answer arrived; 3. record requests that complete in the measured window; 4. stop at the end
 * of the window and report.
 */
export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  // 1.
  const text = readFileSync(o.reviewFile, 'utf8');
  const uid = (JSON.parse(text) as { request: { uid: string } }).request.uid;
  const [head, tail] = [text.slice(0, text.indexOf(uid)), text.slice(text.indexOf(uid) + uid.length)];
  const ca = readFileSync(o.caFile);
  const target = new URL(o.url);
  const agent = new Agent({ keepAlive: true, maxSockets: o.connections, ca });
  let connectionsOpened = 0;
  const latenciesMs: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let seq = 0;
  const start = performance.now();
  const measureFrom = start + o.warmupMs;
  const end = measureFrom + o.durationMs;

  const once = (): Promise<void> => new Promise((resolve) => {
    const id = `bench-${process.pid}-${(seq++).toString(16).padStart(8, '0')}-0000-000000000000`;
    const body = head + id + tail;
    const sent = performance.now();
    const req = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const done = performance.now();
        const problem = checkAnswer(res.statusCode, Buffer.concat(chunks).toString('utf8'), id, o.expect);
        if (sent >= measureFrom && done <= end) {
          if (problem === undefined) latenciesMs.push(done - sent);
          else { errors++; firstError ??= problem; }
        } else if (problem !== undefined) { errors++; firstError ??= problem; }
        resolve();
      });
      res.on('error', (err) => { errors++; firstError ??= err.message; resolve(); });
    });
    req.on('socket', (socket) => {
      if (!(socket as { benchCounted?: boolean }).benchCounted) { (socket as { benchCounted?: boolean }).benchCounted = true; connectionsOpened++; }
    });
    req.on('error', (err) => { errors++; firstError ??= err.message; resolve(); });
    req.end(body);
  });

  // 2.
  const worker = async (): Promise<void> => {
    while (performance.now() < end) await once();
  };
  await Promise.all(Array.from({ length: o.connections }, worker));
  agent.destroy();
  // 3. + 4.
  return { requests: latenciesMs.length, errors, firstError, elapsedMs: o.durationMs, latenciesMs, connectionsOpened };
}

/** Undefined when the answer is what a correct webhook returns for this request; else why not. */
function checkAnswer(status: number | undefined, text: string, uid: string, expect: LoadOptions['expect']): string | undefined {
  if (status !== 200) return `HTTP ${status}: ${text.slice(0, 200)}`;
  let review: { response?: { uid?: string; allowed?: boolean; patch?: string } };
  try {
    review = JSON.parse(text) as typeof review;
  } catch {
    return `answer is not JSON: ${text.slice(0, 200)}`;
  }
  const r = review.response;
  if (r?.uid !== uid) return `answer uid ${JSON.stringify(r?.uid)} is not the request uid ${uid}`;
  if (r.allowed !== true) return `answer does not allow the pod: ${text.slice(0, 300)}`;
  if (expect === 'patch' && typeof r.patch !== 'string') return 'answer has no JSON patch';
  return undefined;
}

if (process.send !== undefined && process.argv[2] !== undefined) {
  runLoad(JSON.parse(process.argv[2]) as LoadOptions).then(
    (result) => process.send?.(result, () => process.exit(0)),
    (err: unknown) => {
      process.stderr.write(`load-generator: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
