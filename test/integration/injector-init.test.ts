/**
 * `ack-secret-injector init` as a real process against the Alibaba Cloud emulator: real HTTPS,
 * real ACS3 signing, real STS exchanges (test/integration/injector-harness.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { InjectorWorld } from './injector-harness.ts';

async function read(path: string): Promise<string> {
  return readFile(path, 'utf8');
}

test('init happy path: KMS text, JSON via jmesPath and extract, binary, and OOS are written', async (t) => {
  const w = await InjectorWorld.start();
  t.after(() => w.close());
  const role = await w.tenantRole('team-a', 'team-a', 'app', 'team-a/');
  await w.secret('team-a/db', '{"user":"alice-db","password":"pa55-Wörd-1"}');
  await w.secret('team-a/plain', 'plain-text-secret-value');
  const bin = Buffer.from([0, 1, 2, 254, 255, 10]);
  await w.emu.seedSecret({ name: 'team-a/bin', binaryBase64: bin.toString('base64') });
  await w.parameter('team-a/api-key', 'oos-api-key-value-42');
  const cfg = w.config({
    name: 'a', ns: 'team-a', profiles: [w.rrsa('p', role)],
    externalSecrets: [
      { name: 'db', provider: 'kms', data: [{ key: 'team-a/db', name: 'raw', profile: 'p', jmesPath: [{ path: 'user', objectAlias: 'username' }] }, { key: 'team-a/plain', name: 'plain', profile: 'p' }, { key: 'team-a/bin', name: 'bin', profile: 'p' }], dataProcess: [{ extract: { key: 'team-a/db', profile: 'p' } }] },
      { name: 'api', provider: 'oos', data: [{ key: 'team-a/api-key', name: 'key', profile: 'p' }], dataProcess: [] },
    ],
  });
  await mkdir(join(w.dir, 'a'), { recursive: true });
  await w.writeToken(cfg.tokenPath, 'team-a', 'app');
  const p = w.spawn('init', cfg);
  assert.equal(await p.exited, 0, p.output());
  const db = join(cfg.mountPath, 'db');
  assert.equal(await read(join(db, 'username')), 'alice-db');
  assert.equal(await read(join(db, 'user')), 'alice-db');
  assert.equal(await read(join(db, 'password')), 'pa55-Wörd-1');
  assert.equal(await read(join(db, 'plain')), 'plain-text-secret-value');
  assert.deepEqual(await readFile(join(db, 'bin')), bin);
  assert.equal(await read(join(cfg.mountPath, 'api', 'key')), 'oos-api-key-value-42');
  assert.equal(await readlink(join(db, 'plain')), '..data/plain', 'visible files are symlinks through ..data');
  const counts = await w.emu.counts();
  assert.equal(counts.actions.AssumeRoleWithOIDC, 1, 'one STS exchange serves every secret of the profile');
  assert.equal(counts.actions.GetSecretValue, 3, 'team-a/db is fetched once for both entries');
  assert.equal(counts.actions.GetSecretParameter, 1);
  w.assertNoSecretsInLogs();
});
