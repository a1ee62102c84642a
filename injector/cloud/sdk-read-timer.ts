/**
 * Clears the read timer that `httpx` (the HTTP layer of `@alicloud/tea-typescript`, which
 * `@alicloud/openapi-client` sends every request through) leaves running after each response.
 *
 * Why: httpx 2.3 starts a `readTimeout` timer per request on the socket (`socket[READ_TIMER]`,
 * httpx/lib/index.js `startResponseTimer`) and clears it only in its own `httpx.read`. The SDK
 * reads bodies with `@alicloud/tea-util`'s `read()` instead, which never clears it, so every call
 * leaves a timer alive for the full read timeout (10 s here) holding its request, response and
 * closures (docs/benchmarks.md, "Agent"). Worse, on a kept-alive socket the next request
 * overwrites `socket[READ_TIMER]` without clearing the old timer, and when the old one fires it
 * clears the socket's CURRENT timer: the later request silently loses its read timeout.
 *
 * How: Node publishes `http.client.response.finish` on `node:diagnostics_channel` when a client
 * request gets its response (https://nodejs.org/api/diagnostics_channel.html#http); at that
 * moment the socket's read timer is the one httpx started for that request. When the response
 * body has been read to its end (or the response is closed), that timer has done its job and is
 * cleared. The timeout still covers connect, waiting for the answer and reading the body, as
 * httpx intends; only the leftover after the end goes. Sockets without an httpx timer (the
 * health server's, fetch's) are untouched.
 */
import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';

/** httpx's private symbol description (`Symbol('TIMER::READ_TIMER')`, httpx/lib/index.js). */
export const HTTPX_READ_TIMER_DESCRIPTION = 'TIMER::READ_TIMER';

let readTimerSymbol: symbol | undefined;

/** httpx's read-timer symbol on `socket`, found once by its description. */
function readTimerKey(socket: object): symbol | undefined {
  if (readTimerSymbol !== undefined) return readTimerSymbol;
  readTimerSymbol = Object.getOwnPropertySymbols(socket).find((s) => s.description === HTTPX_READ_TIMER_DESCRIPTION);
  return readTimerSymbol;
}

/**
 * On each client response: 1. note the socket's httpx read timer, if any; 2. when the response
 * ends or closes, clear that timer, and unset it on the socket if it is still the current one.
 */
function onResponse(message: unknown): void {
  const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
  const socket = request.socket as (object & Record<symbol, unknown>) | null;
  if (socket === null) return;
  // 1.
  const key = readTimerKey(socket);
  if (key === undefined) return;
  const timer = socket[key];
  if (timer === null || timer === undefined) return;
  // 2.
  let done = false;
  const clear = (): void => {
    if (done) return;
    done = true;
    clearTimeout(timer as NodeJS.Timeout);
    if (socket[key] === timer) socket[key] = null;
  };
  response.once('end', clear);
  response.once('close', clear);
}

let installed = false;

/** Subscribes once per process; later calls do nothing. */
export function installSdkReadTimerCleanup(): void {
  if (installed) return;
  installed = true;
  subscribe('http.client.response.finish', onResponse);
}
