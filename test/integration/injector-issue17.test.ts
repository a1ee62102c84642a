/**
 * Issue 17 through the real injector processes against the emulator: OOS parameter versions,
 * a jmesPath that yields nothing failing init (and the raw fallback opt-in), the worker RAM role
 * from the emulated ECS metadata service, per-ExternalSecret refresh intervals, the zero-output
 * guard and the cleanup opt-in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { accountTrustPolicy, allowPolicy } from '../emulator/index.ts';
import { healthPort, InjectorWorld, waitFor } from './injector-harness.ts';

const readText = (p: string): Promise<string> => readFile(p, 'utf8');
const visible = async (dir: string): Promise<string[]> => (await readdir(dir)).filter((n) => !n.startsWith('..')).sort();

test('init: OOS versionId reads that parameter version; no versionId reads the latest', async (t) => {
  const w = await InjectorWorld.start();
  t.after(() => w.close());
  const role = await w.tenantRole('team-o', 'team-o', 'app', 'team-o/');
  await w.parameter('team-o/token', 'token-version-one');
  await w.parameter('team-o/token', 'token-version-two');
  const cfg = w.config({ name: 'o', ns: 'team-o', profiles: [w.rrsa('p', role)], externalSecrets: [{ name: 'tok', provider: 'oos', dataProcess: [], data: [
    { key: 'team-o/token', name: 'pinned', versionId: '1', profile: 'p' },
    { key: 'team-o/token', name: 'latest', profile: 'p' },
  ] }] });
  await mkdir(join(w.dir, 'o'), { recursive: true });
  await w.writeToken(cfg.tokenPath, 'team-o', 'app');
  const p = w.spawn('init', cfg);
  assert.equal(await p.exited, 0, p.output());
  assert.equal(await readText(join(cfg.mountPath, 'tok', 'pinned')), 'token-version-one');
  assert.equal(await readText(join(cfg.mountPath, 'tok', 'latest')), 'token-version-two');
  w.assertNoSecretsInLogs();
});

test('init: a jmesPath that yields nothing fails init naming the path; the raw fallback opt-in writes the raw value', async (t) => {
  const w = await InjectorWorld.start();
  t.after(() => w.close());
  const role = await w.tenantRole('team-j', 'team-j', 'app', 'team-j/');
  await w.secret('team-j/db', '{"user":"jj-user-1234","password":"jj-pass-5678"}');
  const es = [{ name: 'db', provider: 'kms' as const, dataProcess: [], data: [{ key: 'team-j/db', name: 'raw', jmesPath: [{ path: 'usr', objectAlias: 'user' }], profile: 'p' }] }];
  const cfg = w.config({ name: 'j', ns: 'team-j', profiles: [w.rrsa('p', role)], externalSecrets: es });
  await mkdir(join(w.dir, 'j'), { recursive: true });
  await w.writeToken(cfg.tokenPath, 'team-j', 'app');
  const failed = w.spawn('init', cfg, ['--budget-seconds', '5']);
  assert.equal(await failed.exited, 1, failed.output());
  assert.match(failed.output(), /init: failed: ExternalSecret "db" key "team-j\/db": E_RULE: data\[0\]: jmesPath "usr" \(no result\) yielded no value/);
  assert.deepEqual(await visible(join(cfg.mountPath, 'db')).catch(() => []), []);
  const fallback = w.spawn('init', { ...cfg, jmesPathRawFallback: true });
  assert.equal(await fallback.exited, 0, fallback.output());
  assert.equal(await readText(join(cfg.mountPath, 'db', 'raw')), '{"user":"jj-user-1234","password":"jj-pass-5678"}');
  assert.deepEqual(await visible(join(cfg.mountPath, 'db')), ['raw']);
  w.assertNoSecretsInLogs();
});

test('init: an ecsRole profile reads the node\'s worker role from the ECS metadata service', async (t) => {
  const w = await InjectorWorld.start();
  t.after(() => w.close());
  const { arn } = await w.emu.defineRole({ name: 'worker-role', trustPolicy: accountTrustPolicy({ principals: [w.emu.accountId] }), policies: [allowPolicy('kms:GetSecretValue', `acs:kms:${w.emu.region}:${w.emu.accountId}:secret/node/*`)] });
  const imds = await w.emu.startEcsMetadata(arn);
  await w.secret('node/shared', 'node-shared-value-777');
  const cfg = w.config({ name: 'e', profiles: [{ id: 'worker', kind: 'ecsRole' }], externalSecrets: [{ name: 'n', provider: 'kms', dataProcess: [], data: [{ key: 'node/shared', name: 'v', profile: 'worker' }] }] });
  await mkdir(join(w.dir, 'e'), { recursive: true });
  const p = w.spawn('init', cfg, [], undefined, { SECRET_INJECTOR_TEST_METADATA_ENDPOINT: imds.endpoint });
  assert.equal(await p.exited, 0, p.output());
  assert.equal(await readText(join(cfg.mountPath, 'n', 'v')), 'node-shared-value-777');
  assert.equal(imds.credentialRequests(), 1, 'one credential document for the whole run');
  w.assertNoSecretsInLogs();
});

test('agent: each ExternalSecret refreshes at its own interval; zero output keeps files; cleanup opt-in removes gone ones', async (t) => {
  const w = await InjectorWorld.start();
  t.after(() => w.close());
  const role = await w.tenantRole('team-r', 'team-r', 'app', 'team-r/');
  await w.secret('team-r/token', 'token-gen-1-abc');
  await w.secret('team-r/cert', 'cert-gen-1-abc');
  await w.secret('team-r/conf', '{"level":"conf-level-1"}');
  const cfg = {
    ...w.config({ name: 'r', ns: 'team-r', refreshIntervalSeconds: 3600, profiles: [w.rrsa('p', role)], externalSecrets: [
      { name: 'token', provider: 'kms', dataProcess: [], data: [{ key: 'team-r/token', name: 'v', profile: 'p' }], refreshIntervalSeconds: 1 },
      { name: 'cert', provider: 'kms', dataProcess: [], data: [{ key: 'team-r/cert', name: 'v', profile: 'p' }] },
      { name: 'conf', provider: 'kms', data: [], dataProcess: [{ extract: { key: 'team-r/conf', profile: 'p' } }], refreshIntervalSeconds: 1 },
    ] }),
    cleanupAfterFailures: 2,
  };
  await mkdir(join(w.dir, 'r'), { recursive: true });
  await w.writeToken(cfg.tokenPath, 'team-r', 'app');
  const p = w.spawn('agent', cfg, ['--health-address', '127.0.0.1']);
  await healthPort(p);
  const m = cfg.mountPath;
  await waitFor('first write', async () => (await readText(join(m, 'cert', 'v')).catch(() => undefined)), 30_000, p);
  // 1. rotationInterval: the 1 s token follows two rotations while the 1 h cert is never fetched again.
  await w.rotate('team-r/cert', 'cert-gen-2-abc');
  for (const gen of ['token-gen-2-abc', 'token-gen-3-abc']) {
    await w.rotate('team-r/token', gen);
    await waitFor(`token ${gen}`, async () => ((await readText(join(m, 'token', 'v'))) === gen ? true : undefined), 30_000, p);
  }
  assert.equal(await readText(join(m, 'cert', 'v')), 'cert-gen-1-abc', 'the slow ExternalSecret was not refreshed');
  // 2. Zero-output guard: the secret emptied to {} keeps the last good files.
  await w.emu.rotateSecret({ name: 'team-r/conf', value: '{}' }); // not w.rotate: "{}" is no secret to scan logs for
  await waitFor('the zero-output guard', () => (/zero-output guard/.test(p.output()) ? true : undefined), 30_000, p);
  assert.equal(await readText(join(m, 'conf', 'level')), 'conf-level-1');
  // 3. Cleanup opt-in: a source gone for good (404) twice in a row empties the folder.
  await w.emu.fault({ action: 'GetSecretValue', kind: 'error', status: 404, code: 'Forbidden.ResourceNotFound', count: 1000 });
  await waitFor('token folder removed', async () => ((await visible(join(m, 'token'))).length === 0 ? true : undefined), 30_000, p);
  assert.match(p.output(), /removing its files \(cleanupAfterFailures\)/);
  p.child.kill('SIGTERM');
  assert.equal(await p.exited, 0, p.output());
  w.assertNoSecretsInLogs();
});
