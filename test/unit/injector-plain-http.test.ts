/**
 * injector/plain-http.ts against a real loopback server: method, headers and body arrive; the
 * answer's status and body come back; a slow server times out; a long answer is cut. And the
 * reason it exists: under `--jitless` (the agent's flag) `fetch` fails and this call works.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { stripTypeScriptTypes } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { plainHttpRequest } from '../../injector/plain-http.ts';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

async function withServer(handler: Handler, run: (base: string) => Promise<void>): Promise<void> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

test('plain HTTP requests against a loopback server', async (t) => {
  const cases: { name: string; handler: Handler; init: Parameters<typeof plainHttpRequest>[1]; want: RegExp | { status: number; bodyLength?: number; body?: string } }[] = [
    {
      name: 'a POST carries its method, headers and body; the status and body come back',
      handler: (req, body, res) => { res.writeHead(201); res.end(`${req.method} ${req.headers['content-type']} ${req.headers['content-length']} ${body}`); },
      init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"changed":["db"]}', timeoutMs: 5000 },
      want: { status: 201, body: 'POST application/json 18 {"changed":["db"]}' },
    },
    {
      name: 'a GET sends no body',
      handler: (req, body, res) => { res.end(`${req.method} [${body}] ${req.headers['content-length'] ?? 'none'}`); },
      init: { method: 'GET', timeoutMs: 5000 },
      want: { status: 200, body: 'GET [] none' },
    },
    {
      name: 'an answer longer than 64 KiB is cut, not buffered',
      handler: (_req, _body, res) => { res.end('x'.repeat(1024 * 1024)); },
      init: { method: 'GET', timeoutMs: 5000 },
      want: { status: 200, bodyLength: 64 * 1024 },
    },
    {
      name: 'a server that never answers times out with TimeoutError',
      handler: () => {},
      init: { method: 'GET', timeoutMs: 200 },
      want: /TimeoutError/,
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => withServer(c.handler, async (base) => {
      if (c.want instanceof RegExp) {
        await assert.rejects(plainHttpRequest(`${base}/x`, c.init), (err: Error) => { assert.match(err.name, c.want as RegExp); return true; });
        return;
      }
      const res = await plainHttpRequest(`${base}/x`, c.init);
      assert.equal(res.status, c.want.status);
      if (c.want.body !== undefined) assert.equal(res.body, c.want.body);
      if (c.want.bodyLength !== undefined) assert.equal(res.body.length, c.want.bodyLength);
    }));
  }
});

test('under --jitless (the agent\'s flag) fetch fails and plainHttpRequest works', async () => {
  // Type stripping needs WebAssembly too, so the child imports the module with its types stripped here.
  const dir = await mkdtemp(join(tmpdir(), 'plain-http-'));
  const module = join(dir, 'plain-http.mjs');
  await writeFile(module, stripTypeScriptTypes(await readFile(new URL('../../injector/plain-http.ts', import.meta.url), 'utf8')));
  try {
    await withServer((_req, _body, res) => { res.end('pong'); }, async (base) => {
    const script = `
      const { plainHttpRequest } = await import(${JSON.stringify(module)});
      let viaFetch;
      try { viaFetch = (await fetch(${JSON.stringify(base)})).status; } catch (err) { viaFetch = 'failed'; }
      const plain = await plainHttpRequest(${JSON.stringify(base)}, { method: 'GET', timeoutMs: 5000 });
      console.log(JSON.stringify({ viaFetch, plain: plain.body }));`;
      const { stdout } = await promisify(execFile)(process.execPath, ['--jitless', '--input-type=module', '-e', script], { env: { ...process.env, NODE_OPTIONS: '' } });
      assert.deepEqual(JSON.parse(stdout), { viaFetch: 'failed', plain: 'pong' });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
