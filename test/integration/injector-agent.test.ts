/**
 * `ack-secret-injector agent` as a real process against the Alibaba Cloud emulator: rotation,
 * atomic swaps, outages, token rotation, STS credential reuse and refresh, notify, SIGTERM.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { healthPort, InjectorWorld, waitFor } from './injector-harness.ts';

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}
function metricValue(text: string, line: RegExp): number {
  const m = line.exec(text);
  return m === null ? 0 : Number(m[1]);
}
const readText = (p: string): Promise<string> => readFile(p, 'utf8');

test('agent: rotation is picked up by the next refresh, swapped atomically, notified once; SIGTERM exits 0', async (t) => {
  const w = await InjectorWorld.start();
  t.after(() => w.close());
  const role = await w.tenantRole('team-a', 'team-a', 'app', 'team-a/');
  await w.secret('team-a/db', '{"user":"gen1-user-aaaa","password":"gen1-pass-aaaa"}');
  const posts: string[] = [];
  const app = createServer((req, res) => { let b = ''; req.on('data', (c: Buffer) => { b += String(c); }); req.on('end', () => { posts.push(`${req.method} ${b}`); res.writeHead(204).end(); }); });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => app.close(() => r())));
  const appPort = (app.address() as AddressInfo).port;
  const cfg = w.config({ name: 'r', ns: 'team-a', refreshIntervalSeconds: 2, profiles: [w.rrsa('p', role)], notify: { http: { url: `http://127.0.0.1:${appPort}/reload` } },
    externalSecrets: [{ name: 'db', provider: 'kms', data: [], dataProcess: [{ extract: { key: 'team-a/db', profile: 'p' } }] }] });
  cfg.namedMetrics = true; // opted in: the version inventory is served (webhook setting agentNamedMetrics)
  await mkdir(join(w.dir, 'r'), { recursive: true });
  await w.writeToken(cfg.tokenPath, 'team-a', 'app');
  const p = w.spawn('agent', cfg, ['--health-address', '127.0.0.1']);
  const port = await healthPort(p);
  assert.equal((await get(port, '/healthz')).status, 200);
  await waitFor('/ready', async () => ((await get(port, '/ready')).status === 200 ? true : undefined), 30_000, p);
  const dir = join(cfg.mountPath, 'db');
  assert.equal(await readText(join(dir, 'user')), 'gen1-user-aaaa');

  // A reader that resolves ..data once per read (as an app following the kubelet scheme does) must never see a mixed pair.
  let reading = true;
  const pairs: string[] = [];
  const reader = (async () => {
    while (reading) {
      try {
        const gen = await realpath(join(dir, '..data'));
        const [u, pw] = await Promise.all([readText(join(gen, 'user')), readText(join(gen, 'password'))]);
        pairs.push(`${u.slice(0, 4)}/${pw.slice(0, 4)}`);
        await new Promise((r) => setImmediate(r)); // leave the event loop to the emulator in this process
      } catch (err) {
        // The old generation folder was removed between realpath and read: retry, as kubelet readers do.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  })();
  const before = metricValue((await get(port, '/metrics')).body, /secret_injector_refreshes_total\{result="success"\} (\d+)/);
  await w.rotate('team-a/db', '{"user":"gen2-user-bbbb","password":"gen2-pass-bbbb"}');
  await waitFor('the rotated value', async () => ((await readText(join(dir, 'user'))) === 'gen2-user-bbbb' ? true : undefined), 30_000, p);
  const after = metricValue((await get(port, '/metrics')).body, /secret_injector_refreshes_total\{result="success"\} (\d+)/);
  assert.ok(after - before <= 2, `picked up within one interval: ${after - before} refreshes`);
  await waitFor('two more refreshes', async () => (metricValue((await get(port, '/metrics')).body, /secret_injector_refreshes_total\{result="success"\} (\d+)/) >= after + 2 ? true : undefined), 30_000, p);
  reading = false;
  await reader;
  assert.ok(pairs.length > 0);
  assert.deepEqual([...new Set(pairs)].sort(), ['gen1/gen1', 'gen2/gen2'].filter((x) => pairs.includes(x)), 'never a mixed pair');
  assert.ok(pairs.every((x) => x === 'gen1/gen1' || x === 'gen2/gen2'), `mixed pair seen: ${pairs.find((x) => x !== 'gen1/gen1' && x !== 'gen2/gen2')}`);
  assert.equal(await readText(join(dir, 'password')), 'gen2-pass-bbbb');
  const metrics = (await get(port, '/metrics')).body;
  assert.deepEqual(posts, ['POST {"changed":["db"]}'], 'one notification for the one change; none for the first write or unchanged refreshes');
  assert.match(metrics, /secret_injector_secret_version_info\{provider="kms",key="team-a\/db",version_id="[^"]+",data_type="text"\} 1/);
  assert.match(metrics, /secret_injector_notifications_total\{method="http",result="delivered"\} 1/);
  assert.match(metrics, /secret_injector_last_success_timestamp_seconds \d/);
  p.child.kill('SIGTERM');
  assert.equal(await p.exited, 0, p.output());
  assert.equal(await readText(join(dir, 'user')), 'gen2-user-bbbb', 'the files stay after exit');
  w.assertNoSecretsInLogs();
});

test('agent: a long outage keeps the last good files, counts failures, stays ready, and recovers', async (t) => {
  const w = await InjectorWorld.start();
  t.after(() => w.close());
  const role = await w.tenantRole('team-a', 'team-a', 'app', 'team-a/');
  await w.secret('team-a/db', 'good-value-before-outage');
  await w.parameter('team-a/cfg', 'parameter-before-outage');
  const cfg = w.config({ name: 'o', ns: 'team-a', refreshIntervalSeconds: 1, profiles: [w.rrsa('p', role)], externalSecrets: [
    { name: 'db', provider: 'kms', data: [{ key: 'team-a/db', name: 'value', profile: 'p' }], dataProcess: [] },
    { name: 'cfg', provider: 'oos', data: [{ key: 'team-a/cfg', name: 'value', profile: 'p' }], dataProcess: [] },
  ] });
  await mkdir(join(w.dir, 'o'), { recursive: true });
  await w.writeToken(cfg.tokenPath, 'team-a', 'app');
  const init = w.spawn('init', cfg);
  assert.equal(await init.exited, 0, init.output());
  const p = w.spawn('agent', cfg, ['--health-address', '127.0.0.1']);
  const port = await healthPort(p);
  await waitFor('/ready', async () => ((await get(port, '/ready')).status === 200 ? true : undefined), 30_000, p);
  await w.emu.fault({ action: 'GetSecretValue', kind: 'error', count: 1000 });
  await waitFor('two failed KMS refreshes', async () => (metricValue((await get(port, '/metrics')).body, /secret_injector_fetch_failures_total\{code="E_PROVIDER",reason="ServiceUnavailableTemporary",provider="kms"\} (\d+)/) >= 2 ? true : undefined), 60_000, p);
  await w.rotate('team-a/db', 'rotated-during-outage');
  await waitFor('another failed KMS refresh', async () => (metricValue((await get(port, '/metrics')).body, /fetch_failures_total\{code="E_PROVIDER",reason="ServiceUnavailableTemporary",provider="kms"\} (\d+)/) >= 3 ? true : undefined), 60_000, p);
  assert.equal(await readText(join(cfg.mountPath, 'db', 'value')), 'good-value-before-outage', 'the last good file stays');
  assert.equal(await readText(join(cfg.mountPath, 'cfg', 'value')), 'parameter-before-outage', 'the healthy source is unaffected');
  assert.equal((await get(port, '/ready')).status, 200);
  const outageMetrics = (await get(port, '/metrics')).body;
  assert.match(outageMetrics, /secret_injector_refreshes_total\{result="partial"\} \d+/);
  // Issue 13, defect 7: without the opt-in, /metrics on the pod IP names no cloud secret or parameter.
  assert.doesNotMatch(outageMetrics, /secret_version_info|team-a\/db|team-a\/cfg/);
  await w.emu.clearFaults();
  await waitFor('recovery', async () => ((await readText(join(cfg.mountPath, 'db', 'value'))) === 'rotated-during-outage' ? true : undefined), 30_000, p);
  p.child.kill('SIGTERM');
  assert.equal(await p.exited, 0);
  w.assertNoSecretsInLogs();
});

test('agent: STS credentials are reused, refreshed before expiry, and the replaced token file is re-read', async (t) => {
  const w = await InjectorWorld.start();
  t.after(() => w.close());
  const role = await w.tenantRole('team-a', 'team-a', 'app', 'team-a/');
  await w.secret('team-a/db', 'value-under-short-credentials');
  // Credentials live 6 s: the injector refreshes them 20 % (1.2 s) before expiry.
  await w.emu.stsSettings({ credentialLifetimeSeconds: 6 });
  const cfg = w.config({ name: 's', ns: 'team-a', refreshIntervalSeconds: 1, profiles: [w.rrsa('p', role)], externalSecrets: [{ name: 'db', provider: 'kms', data: [{ key: 'team-a/db', name: 'value', profile: 'p' }], dataProcess: [] }] });
  await mkdir(join(w.dir, 's'), { recursive: true });
  // The first token expires after 5 s; any STS exchange after that must use the replacement.
  await w.writeToken(cfg.tokenPath, 'team-a', 'app', 5);
  const p = w.spawn('agent', cfg, ['--health-address', '127.0.0.1']);
  const port = await healthPort(p);
  await waitFor('/ready', async () => ((await get(port, '/ready')).status === 200 ? true : undefined), 30_000, p);
  await w.writeToken(cfg.tokenPath, 'team-a', 'app', 3600);
  await waitFor('14 KMS calls', async () => ((await w.emu.counts()).actions.GetSecretValue ?? 0) >= 14 ? true : undefined, 60_000, p);
  const counts = await w.emu.counts();
  const sts = counts.actions.AssumeRoleWithOIDC ?? 0;
  const kms = counts.actions.GetSecretValue ?? 0;
  assert.ok(sts >= 2, `credentials were refreshed (${sts} exchanges)`);
  assert.ok(sts * 2 < kms, `credentials were reused between refreshes (${sts} exchanges for ${kms} calls)`);
  assert.equal(counts.errors.AssumeRoleWithOIDC ?? 0, 0, 'no exchange used the expired token');
  assert.equal(counts.errors.GetSecretValue ?? 0, 0, 'no call used expired credentials');
  p.child.kill('SIGTERM');
  assert.equal(await p.exited, 0);
  w.assertNoSecretsInLogs();
});
