/**
 * `ack-secret-injector init` as a real process against the Alibaba Cloud emulator: real HTTPS,
 * real ACS3 signing, real STS exchanges (test/integration/injector-harness.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { accountTrustPolicy, allowPolicy, rrsaTrustPolicy } from '../emulator/index.ts';
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

test('two tenants: each reads its own; the other tenant\'s secret is Forbidden, the other role AuthenticationFail', async (t) => {
  const w = await InjectorWorld.start();
  t.after(() => w.close());
  const roleA = await w.tenantRole('team-a', 'team-a', 'app', 'team-a/');
  const roleB = await w.tenantRole('team-b', 'team-b', 'app', 'team-b/');
  await w.secret('team-a/db', 'tenant-a-secret-value');
  await w.secret('team-b/db', 'tenant-b-secret-value');
  const cases = [
    { name: 'a-own', ns: 'team-a', role: roleA, key: 'team-a/db', exit: 0, want: 'tenant-a-secret-value' },
    { name: 'b-own', ns: 'team-b', role: roleB, key: 'team-b/db', exit: 0, want: 'tenant-b-secret-value' },
    { name: 'a-reads-b', ns: 'team-a', role: roleA, key: 'team-b/db', exit: 1, error: /ExternalSecret "db" key "team-b\/db": E_PROVIDER: .*Forbidden\.NoPermission \(HTTP 403\)/ },
    { name: 'a-assumes-b', ns: 'team-a', role: roleB, key: 'team-b/db', exit: 1, error: /ExternalSecret "db" key "team-b\/db": E_CREDENTIALS: .*AuthenticationFail\.NoPermission \(HTTP 401\)/ },
  ];
  for (const c of cases) {
    const cfg = w.config({ name: c.name, ns: c.ns, profiles: [w.rrsa('p', c.role)], externalSecrets: [{ name: 'db', provider: 'kms', data: [{ key: c.key, name: 'value', profile: 'p' }], dataProcess: [] }] });
    await mkdir(join(w.dir, c.name), { recursive: true });
    await w.writeToken(cfg.tokenPath, c.ns, 'app');
    const p = w.spawn('init', cfg, ['--budget-seconds', '30']);
    assert.equal(await p.exited, c.exit, `${c.name}: ${p.output()}`);
    if (c.want !== undefined) assert.equal(await read(join(cfg.mountPath, 'db', 'value')), c.want, c.name);
    if (c.error !== undefined) {
      assert.match(p.output(), c.error, c.name);
      await assert.rejects(readFile(join(cfg.mountPath, 'db', 'value')), { code: 'ENOENT' }, `${c.name}: nothing written`);
    }
  }
  w.assertNoSecretsInLogs();
});

test('cross-account: the chained AssumeRole reads a secret of another account', async (t) => {
  const w = await InjectorWorld.start();
  t.after(() => w.close());
  const other = '2222333344445555';
  await w.emu.defineAccount({ accountId: other });
  const first = await w.tenantRole('team-a', 'team-a', 'app', 'team-a/');
  // The first role may assume the remote role; the remote role trusts the first role only.
  await w.emu.defineRole({ name: 'team-a', trustPolicy: rrsaTrustPolicy({ providerArn: w.providerArn, issuer: w.emu.issuer, subject: 'system:serviceaccount:team-a:app' }), policies: [
    allowPolicy('kms:GetSecretValue', `acs:kms:${w.emu.region}:${w.emu.accountId}:secret/team-a/*`),
    allowPolicy('sts:AssumeRole', `acs:ram::${other}:role/shared-reader`),
  ] });
  const { arn: remote } = await w.emu.defineRole({ accountId: other, name: 'shared-reader', trustPolicy: accountTrustPolicy({ principals: [first] }), policies: [
    allowPolicy('kms:GetSecretValue', `acs:kms:${w.emu.region}:${other}:secret/shared/*`),
  ] });
  await w.secret('shared/license', 'cross-account-license-key', other);
  const cfg = w.config({ name: 'x', ns: 'team-a', profiles: [w.rrsa('p', first, { remoteRoleArn: remote, remoteRoleSessionName: 'it-remote' })], externalSecrets: [{ name: 'lic', provider: 'kms', data: [{ key: 'shared/license', name: 'key', profile: 'p' }], dataProcess: [] }] });
  await mkdir(join(w.dir, 'x'), { recursive: true });
  await w.writeToken(cfg.tokenPath, 'team-a', 'app');
  const p = w.spawn('init', cfg);
  assert.equal(await p.exited, 0, p.output());
  assert.equal(await read(join(cfg.mountPath, 'lic', 'key')), 'cross-account-license-key');
  const counts = await w.emu.counts();
  assert.equal(counts.actions.AssumeRoleWithOIDC, 1);
  assert.equal(counts.actions.AssumeRole, 1);
  assert.equal(counts.roles[remote]?.GetSecretValue, 1, 'the secret was read as the remote role');
  w.assertNoSecretsInLogs();
});

test('throttling, 5xx and dropped connections are retried with backoff and no data is lost', async (t) => {
  const w = await InjectorWorld.start();
  t.after(() => w.close());
  const role = await w.tenantRole('team-a', 'team-a', 'app', 'team-a/');
  await w.secret('team-a/one', 'first-secret-value');
  await w.secret('team-a/two', 'second-secret-value');
  await w.parameter('team-a/param', 'parameter-value-xyz');
  await w.emu.fault({ action: 'GetSecretValue', kind: 'throttle', count: 2 });
  await w.emu.fault({ action: 'GetSecretParameter', kind: 'drop', count: 1 });
  await w.emu.fault({ action: 'GetSecretParameter', kind: 'error', count: 1 });
  await w.emu.fault({ action: 'AssumeRoleWithOIDC', kind: 'error', count: 1, status: 500, code: 'InternalError' });
  const cfg = w.config({ name: 't', ns: 'team-a', profiles: [w.rrsa('p', role)], externalSecrets: [
    { name: 'kms', provider: 'kms', data: [{ key: 'team-a/one', name: 'one', profile: 'p' }, { key: 'team-a/two', name: 'two', profile: 'p' }], dataProcess: [] },
    { name: 'oos', provider: 'oos', data: [{ key: 'team-a/param', name: 'param', profile: 'p' }], dataProcess: [] },
  ] });
  await mkdir(join(w.dir, 't'), { recursive: true });
  await w.writeToken(cfg.tokenPath, 'team-a', 'app');
  const p = w.spawn('init', cfg);
  assert.equal(await p.exited, 0, p.output());
  assert.equal(await read(join(cfg.mountPath, 'kms', 'one')), 'first-secret-value');
  assert.equal(await read(join(cfg.mountPath, 'kms', 'two')), 'second-secret-value');
  const counts = await w.emu.counts();
  assert.ok((counts.errors.GetSecretValue ?? 0) >= 2, 'the throttled calls reached the emulator');
  assert.equal(counts.errors.AssumeRoleWithOIDC, 1);
  assert.ok((counts.actions.GetSecretParameter ?? 0) >= 3, 'the dropped connection and the 503 were retried');
  assert.match(p.output(), /"cloudCode":"ECONNRESET"/);
  assert.match(p.output(), /fetch failed, retrying after backoff/);
  assert.match(p.output(), /"cloudCode":"Rejected\.Throttling"/);
  assert.equal(await read(join(cfg.mountPath, 'oos', 'param')), 'parameter-value-xyz');
  w.assertNoSecretsInLogs();
});

test('an expired token fails init at once with one line per entry and no files', async (t) => {
  const w = await InjectorWorld.start();
  t.after(() => w.close());
  const role = await w.tenantRole('team-a', 'team-a', 'app', 'team-a/');
  await w.secret('team-a/one', 'never-written-value');
  const cfg = w.config({ name: 'e', ns: 'team-a', profiles: [w.rrsa('p', role)], externalSecrets: [
    { name: 'one', provider: 'kms', data: [{ key: 'team-a/one', name: 'v', profile: 'p' }], dataProcess: [] },
    { name: 'two', provider: 'kms', data: [{ key: 'team-a/one', name: 'w', profile: 'p' }], dataProcess: [] },
  ] });
  await mkdir(join(w.dir, 'e'), { recursive: true });
  await w.writeToken(cfg.tokenPath, 'team-a', 'app', -60);
  const p = w.spawn('init', cfg);
  assert.equal(await p.exited, 1);
  const lines = p.output().split('\n').filter((l) => l.startsWith('init: failed:'));
  assert.deepEqual(lines.map((l) => /ExternalSecret "(\w+)"/.exec(l)?.[1]), ['one', 'two']);
  assert.ok(lines.every((l) => /E_CREDENTIALS: .*STS AssumeRoleWithOIDC .*AuthenticationFail\.OIDCToken\.Expired/.test(l)), lines.join('\n'));
  assert.equal((await w.emu.counts()).actions.AssumeRoleWithOIDC, 1, 'a permanent failure is not retried');
  w.assertNoSecretsInLogs();
});

test('init renders target.template (inline, literal, ConfigMap from the mounted volume) and fails naming the ExternalSecret on an execution error', async (t) => {
  const w = await InjectorWorld.start();
  t.after(() => w.close());
  const role = await w.tenantRole('team-a', 'team-a', 'app', 'team-a/');
  await w.secret('team-a/db-password', 'tpl-s3cret-Pw');
  await w.secret('team-a/db-host', 'pg.internal');
  const data = [{ key: 'team-a/db-password', name: 'password', profile: 'p' }, { key: 'team-a/db-host', name: 'host', profile: 'p' }];
  const templatesPath = join(w.dir, 'tpl', 'templates');
  await mkdir(join(templatesPath, 'configMap', 'app-config-templates'), { recursive: true });
  await writeFile(join(templatesPath, 'configMap', 'app-config-templates', 'database-config'), 'host: {{ .host }}\npassword: {{ .password | quote }}\n');
  const cfg = w.config({
    name: 'tpl', ns: 'team-a', profiles: [w.rrsa('p', role)],
    externalSecrets: [{ name: 'app', provider: 'kms', data, dataProcess: [], template: { mergePolicy: 'Replace', data: { dsn: 'postgresql://app:{{ .password }}@{{ .host }}:5432/app' }, templateFrom: [
      { configMap: { name: 'app-config-templates', items: [{ key: 'database-config', templateAs: 'Values' }] } },
      { literal: 'APP_ENV={{ .environment | default "production" }}' },
    ] } }],
  });
  cfg.templatesPath = templatesPath;
  await mkdir(join(w.dir, 'tpl'), { recursive: true });
  await w.writeToken(cfg.tokenPath, 'team-a', 'app');
  const p = w.spawn('init', cfg);
  assert.equal(await p.exited, 0, p.output());
  const app = join(cfg.mountPath, 'app');
  assert.equal(await read(join(app, 'dsn')), 'postgresql://app:tpl-s3cret-Pw@pg.internal:5432/app');
  assert.equal(await read(join(app, 'database-config')), 'host: pg.internal\npassword: "tpl-s3cret-Pw"\n');
  assert.equal(await read(join(app, 'literal')), 'APP_ENV=production');
  await assert.rejects(readFile(join(app, 'password')), { code: 'ENOENT' }, 'Replace: raw keys are not files');

  const bad = w.config({ name: 'tplbad', ns: 'team-a', profiles: [w.rrsa('p', role)], externalSecrets: [{ name: 'broken', provider: 'kms', data, dataProcess: [], template: { mergePolicy: 'Replace', data: { out: '{{ .password.field }}' }, templateFrom: [] } }] });
  await mkdir(join(w.dir, 'tplbad'), { recursive: true });
  await w.writeToken(bad.tokenPath, 'team-a', 'app');
  const q = w.spawn('init', bad, ['--budget-seconds', '5']);
  assert.equal(await q.exited, 1, q.output());
  assert.match(q.output(), /ExternalSecret "broken" key "out": E_TEMPLATE: target\.template\.data\["out"\]: E_TEMPLATE_EXEC: template: out:1:\d+: executing "out" at <\.password\.field>: can't evaluate field field in type string/);
  w.assertNoSecretsInLogs();
});
