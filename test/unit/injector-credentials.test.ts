import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, InjectorError, hasCode } from '../../common/errors.ts';
import type { CredentialProfile } from '../../contract/injector-config-schema.ts';
import { buildCredentialSource, CachedCredentialSource, refreshMarginMs, toSdkCredential, type CloudCredentials, type CredentialSource, type StsApi } from '../../injector/cloud/credentials.ts';

const MIN = 60_000;

/** A fake STS that records calls and issues credentials living `lifetimeMs` from the injected clock. */
function fakeSts(clock: { now: number }, lifetimeMs: number) {
  const calls: Array<{ action: string; roleArn: string; token?: string; callerKey?: string; session: string }> = [];
  let n = 0;
  const issue = (): CloudCredentials => { n++; return { accessKeyId: `STS.${n}`, accessKeySecret: `s${n}`, securityToken: `t${n}`, expiresAt: clock.now + lifetimeMs }; };
  const sts: StsApi = {
    async assumeRoleWithOidc(r) { calls.push({ action: 'AssumeRoleWithOIDC', roleArn: r.roleArn, token: r.oidcToken, session: r.roleSessionName }); return issue(); },
    async assumeRole(caller: CredentialSource, r) { const c = await caller.get(); calls.push({ action: 'AssumeRole', roleArn: r.roleArn, callerKey: c.accessKeyId, session: r.roleSessionName }); return issue(); },
  };
  return { sts, calls };
}

test('refresh margin: 20 % of the lifetime, at most 15 minutes', () => {
  const cases = [
    { name: '1 h credential refreshes 12 min early', lifetime: 60 * MIN, want: 12 * MIN },
    { name: '12 h credential refreshes 15 min early (cap)', lifetime: 720 * MIN, want: 15 * MIN },
    { name: '20 s credential refreshes 4 s early', lifetime: 20_000, want: 4000 },
    { name: 'negative lifetime gives no margin', lifetime: -5, want: 0 },
  ];
  for (const c of cases) assert.equal(refreshMarginMs(c.lifetime), c.want, c.name);
});

test('cached source: reused until shortly before expiry, then refreshed (injected clock)', async () => {
  const clock = { now: 1_000_000 };
  let refreshes = 0;
  const src = new CachedCredentialSource({ providerName: 'p', now: () => clock.now, refresh: async () => { refreshes++; return { accessKeyId: `k${refreshes}`, accessKeySecret: 's', expiresAt: clock.now + 60 * MIN }; } });
  assert.equal((await src.get()).accessKeyId, 'k1');
  clock.now += 47 * MIN;
  assert.equal((await src.get()).accessKeyId, 'k1', 'reused at 47 min of 60');
  clock.now += 1 * MIN;
  assert.equal((await src.get()).accessKeyId, 'k2', 'refreshed at 48 min (12 min margin)');
  assert.equal(refreshes, 2);
});

test('cached source: concurrent callers share one in-flight exchange', async () => {
  let refreshes = 0;
  let release: (c: CloudCredentials) => void = () => {};
  const src = new CachedCredentialSource({ providerName: 'p', refresh: () => { refreshes++; return new Promise((r) => { release = r; }); } });
  const all = Promise.all([src.get(), src.get(), src.get()]);
  release({ accessKeyId: 'k', accessKeySecret: 's', expiresAt: Date.now() + 60 * MIN });
  const got = await all;
  assert.equal(refreshes, 1);
  assert.ok(got.every((c) => c.accessKeyId === 'k'));
});

test('cached source: a failed refresh serves still-valid credentials, an expired cache throws', async () => {
  const clock = { now: 0 };
  let fail = false;
  const stale: unknown[] = [];
  const src = new CachedCredentialSource({ providerName: 'p', now: () => clock.now, onStaleServe: (e) => stale.push(e), refresh: async () => {
    if (fail) throw new InjectorError(ErrorCode.CREDENTIALS, 'sts down', { retryable: true });
    return { accessKeyId: 'k1', accessKeySecret: 's', expiresAt: clock.now + 60 * MIN };
  } });
  await src.get();
  fail = true;
  clock.now = 50 * MIN;
  assert.equal((await src.get()).accessKeyId, 'k1', 'bridged by the still-valid credential');
  assert.equal(stale.length, 1);
  clock.now = 61 * MIN;
  await assert.rejects(src.get(), (e) => hasCode(e, ErrorCode.CREDENTIALS));
});

test('rrsa profile: token file re-read for every exchange, one exchange per lifetime', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'inj-cred-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const tokenPath = join(dir, 'token');
  await writeFile(tokenPath, 'jwt-one\n');
  const clock = { now: 0 };
  const { sts, calls } = fakeSts(clock, 20_000);
  const profile: CredentialProfile = { id: 'p', kind: 'rrsa', roleArn: 'acs:ram::1:role/a', oidcProviderArn: 'acs:ram::1:oidc-provider/x', roleSessionName: 'sess' };
  const src = buildCredentialSource(profile, { sts, tokenPath, now: () => clock.now });
  assert.equal(src.providerName, 'oidc_role_arn');
  await Promise.all([src.get(), src.get()]);
  clock.now = 15_999;
  await src.get();
  assert.equal(calls.length, 1, 'reused before the 4 s margin');
  await writeFile(tokenPath, 'jwt-two');
  clock.now = 16_000;
  await src.get();
  assert.deepEqual(calls.map((c) => c.token), ['jwt-one', 'jwt-two'], 'trimmed token, re-read on refresh');
});

test('rrsa + remote role: chained AssumeRole names the remote role explicitly, signed by the first hop', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'inj-cred-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'token'), 'jwt');
  const clock = { now: 0 };
  const { sts, calls } = fakeSts(clock, 60 * MIN);
  const profile: CredentialProfile = { id: 'p', kind: 'rrsa', roleArn: 'acs:ram::1:role/a', oidcProviderArn: 'acs:ram::1:oidc-provider/x', roleSessionName: 'sess', remoteRoleArn: 'acs:ram::2:role/b', remoteRoleSessionName: 'remote' };
  const src = buildCredentialSource(profile, { sts, tokenPath: join(dir, 'token'), now: () => clock.now });
  assert.equal(src.providerName, 'ram_role_arn/oidc_role_arn');
  const c = await src.get();
  assert.equal(c.accessKeyId, 'STS.2');
  assert.deepEqual(calls, [
    { action: 'AssumeRoleWithOIDC', roleArn: 'acs:ram::1:role/a', token: 'jwt', session: 'sess' },
    { action: 'AssumeRole', roleArn: 'acs:ram::2:role/b', callerKey: 'STS.1', session: 'remote' },
  ]);
});

test('accessKey profile: files read on each call; AssumeRole and remote hop chained', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'inj-cred-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'id'), 'LTAI1\n');
  await writeFile(join(dir, 'secret'), 'sek\n');
  const clock = { now: 0 };
  const { sts, calls } = fakeSts(clock, 60 * MIN);
  const plain = buildCredentialSource({ id: 'a', kind: 'accessKey', accessKeyIdFile: join(dir, 'id'), accessKeySecretFile: join(dir, 'secret') }, { sts, tokenPath: '/nope' });
  assert.deepEqual(await plain.get(), { accessKeyId: 'LTAI1', accessKeySecret: 'sek' });
  await writeFile(join(dir, 'id'), 'LTAI2');
  assert.equal((await plain.get()).accessKeyId, 'LTAI2', 'a rotated Secret is picked up');
  const chained = buildCredentialSource({ id: 'b', kind: 'accessKey', accessKeyIdFile: join(dir, 'id'), accessKeySecretFile: join(dir, 'secret'), roleArn: 'acs:ram::1:role/r', remoteRoleArn: 'acs:ram::2:role/x' }, { sts, tokenPath: '/nope', now: () => clock.now });
  await chained.get();
  assert.deepEqual(calls.map((c) => [c.action, c.roleArn, c.callerKey, c.session]), [
    ['AssumeRole', 'acs:ram::1:role/r', 'LTAI2', 'ack-secret-injector'],
    ['AssumeRole', 'acs:ram::2:role/x', 'STS.1', 'ack-secret-injector'],
  ]);
});

test('missing token and key files give E_CREDENTIALS naming the file, never contents', async () => {
  const { sts } = fakeSts({ now: 0 }, MIN);
  const rrsa = buildCredentialSource({ id: 'p', kind: 'rrsa', roleArn: 'r', oidcProviderArn: 'o', roleSessionName: 's' }, { sts, tokenPath: '/does/not/exist/token' });
  await assert.rejects(rrsa.get(), (e) => hasCode(e, ErrorCode.CREDENTIALS) && e.message.includes('/does/not/exist/token') && e.message.includes('ENOENT'));
  const ak = buildCredentialSource({ id: 'a', kind: 'accessKey', accessKeyIdFile: '/nope/id', accessKeySecretFile: '/nope/secret' }, { sts, tokenPath: '/x' });
  await assert.rejects(ak.get(), (e) => hasCode(e, ErrorCode.CREDENTIALS) && e.message.includes('/nope/id'));
});

test('toSdkCredential hands the source keys to the SDK with the provider name', async () => {
  const cred = toSdkCredential({ providerName: 'oidc_role_arn', get: async () => ({ accessKeyId: 'STS.x', accessKeySecret: 'y', securityToken: 'z' }) });
  const model = await cred.getCredential();
  assert.equal(model.accessKeyId, 'STS.x');
  assert.equal(model.accessKeySecret, 'y');
  assert.equal(model.securityToken, 'z');
  assert.equal(model.providerName, 'oidc_role_arn');
});
