/**
 * httpx's per-request read timer (injector/cloud/sdk-read-timer.ts): read the way the SDK reads
 * (tea-util's `readAsBytes`, which never clears it), the timer outlives the response; with the
 * cleanup installed it is gone once the body has been read, and the timeout still fires for a
 * server that never finishes its answer.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { HTTPX_READ_TIMER_DESCRIPTION, installSdkReadTimerCleanup } from '../../injector/cloud/sdk-read-timer.ts';

const require = createRequire(import.meta.url);
const httpx = require('httpx') as { request: (url: string, opts: object) => Promise<import('node:http').IncomingMessage> };
const teaUtil = (require('@alicloud/tea-util') as { default: { readAsBytes: (s: NodeJS.ReadableStream) => Promise<Buffer> } }).default;

/** The httpx read timer of each response, as it stood when the response arrived. */
const seen: Array<{ _destroyed?: boolean }> = [];
subscribe('http.client.response.finish', (message) => {
  const socket = (message as { request: ClientRequest }).request.socket as (object & Record<symbol, unknown>) | null;
  const key = socket === null ? undefined : Object.getOwnPropertySymbols(socket).find((k) => k.description === HTTPX_READ_TIMER_DESCRIPTION);
  if (socket !== null && key !== undefined) seen.push(socket[key] as { _destroyed?: boolean });
});
/** Timers still pending: Node marks a Timeout `_destroyed` once it fired or was cleared (lib/internal/timers.js). */
const pending = (timers: Array<{ _destroyed?: boolean }>): number => timers.filter((t) => t._destroyed !== true).length;

describe('httpx read timers after an SDK-style read', () => {
  let server: Server;
  let base = '';
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/stall') { res.writeHead(200); res.write('{"partial":'); return; } // never ends
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  // Order matters: the control runs before the process-wide cleanup is installed.
  const cases: Array<{ name: string; install: boolean; leftover: number }> = [
    { name: 'without the cleanup, each response leaves its read timer running (the SDK leak)', install: false, leftover: 3 },
    { name: 'with the cleanup, no read timer is left once the bodies are read', install: true, leftover: 0 },
  ];
  for (const tc of cases) {
    it(tc.name, async () => {
      if (tc.install) installSdkReadTimerCleanup();
      seen.length = 0;
      for (let i = 0; i < 3; i++) {
        const res = await httpx.request(`${base}/ok`, { method: 'GET', readTimeout: 60_000, connectTimeout: 5000 });
        assert.equal((await teaUtil.readAsBytes(res)).toString(), '{"ok":true}');
      }
      await new Promise((r) => setImmediate(r));
      assert.equal(seen.length, 3, 'httpx started a read timer per request');
      assert.equal(pending(seen), tc.leftover);
    });
  }

  it('with the cleanup, a response that never ends still hits the read timeout', async () => {
    installSdkReadTimerCleanup();
    const res = await httpx.request(`${base}/stall`, { method: 'GET', readTimeout: 300, connectTimeout: 5000 });
    await assert.rejects(teaUtil.readAsBytes(res), (err: Error) => /ReadTimeout\(300\)/.test(err.message) || /aborted/.test(err.message));
  });
});
