/**
 * The emulated STS driven by the REAL `@alicloud/credentials` and `@alicloud/openapi-client`
 * (in a child process with NODE_EXTRA_CA_CERTS, see docs/emulator.md): AssumeRoleWithOIDC with
 * the emulator's own and with externally trusted issuers, its error codes, chained and
 * cross-account AssumeRole, and credential lifetime controls.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { accountTrustPolicy, allowPolicy, rrsaTrustPolicy, startEmulator, type Emulator } from '../emulator/index.ts';
import { runSdkProbe } from '../emulator/sdk-probe-runner.ts';
import type { ProbeResult, ProbeStep } from '../emulator/sdk-probe.ts';

const OTHER_ACCOUNT = '5555666677778888';

/** The STS error body `@alicloud/credentials` embeds in its plain Error message (reference §3.4). */
function stsErrorBody(r: ProbeResult | undefined): Record<string, unknown> {
  assert.ok(r !== undefined && 'error' in r, `expected an error, got ${JSON.stringify(r)}`);
  const m = /^(?:get sts token failed with OIDC|refresh session token failed): (\{.*\})$/s.exec(r.error.message);
  assert.ok(m !== null, `not an STS failure message: ${r.error.message}`);
  return JSON.parse(m[1] as string) as Record<string, unknown>;
}

function ok(r: ProbeResult | undefined): Record<string, unknown> {
  assert.ok(r !== undefined && 'ok' in r, `expected success, got ${JSON.stringify(r)}`);
  return r.ok as Record<string, unknown>;
}

/** Signs a JWT with an arbitrary RSA key: an "external issuer" such as a kube-apiserver. */
function externalToken(privateKey: ReturnType<typeof generateKeyPairSync>['privateKey'], claims: Record<string, unknown>, kid?: string): string {
  const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${enc({ alg: 'RS256', typ: 'JWT', ...(kid === undefined ? {} : { kid }) })}.${enc(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
}

describe('emulated STS with the real SDK clients', () => {
  let emu: Emulator;
  let dir: string;
  let providerArn: string;
  let roleA: string;
  let roleShort: string;
  let remoteRole: string;
  let remoteExtRole: string;
  let noChainRole: string;
  const tokens: Record<string, string> = {};
  const extKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const extJwkKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const EXT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
  const EXT_JWKS_ISSUER = 'https://oidc-ack-cn-hangzhou.oss-cn-hangzhou.aliyuncs.com/c-test';

  before(async () => {
    emu = await startEmulator();
    dir = await mkdtemp(join(tmpdir(), 'emu-sts-'));
    providerArn = (await emu.defineOidcProvider({ name: 'ack-rrsa-c1', issuerUrl: emu.issuer })).arn;
    const extProvider = (await emu.defineOidcProvider({ name: 'ack-rrsa-ext', issuerUrl: EXT_ISSUER })).arn;
    const jwksProvider = (await emu.defineOidcProvider({ name: 'ack-rrsa-jwks', issuerUrl: EXT_JWKS_ISSUER, clientIds: ['sts.aliyuncs.com', 'other-aud'] })).arn;
    await emu.trustIssuer({ issuer: EXT_ISSUER, publicKeyPem: extKey.publicKey.export({ type: 'spki', format: 'pem' }) as string });
    await emu.trustIssuer({ issuer: EXT_JWKS_ISSUER, jwks: { keys: [{ ...extJwkKey.publicKey.export({ format: 'jwk' }), kid: 'k1' }] } });
    const assumeAny = allowPolicy('sts:AssumeRole', '*');
    roleA = (await emu.defineRole({ name: 'team-a', trustPolicy: rrsaTrustPolicy({ providerArn, issuer: emu.issuer, subject: 'system:serviceaccount:team-a:app' }), policies: [assumeAny] })).arn;
    roleShort = (await emu.defineRole({ name: 'wildcard', trustPolicy: rrsaTrustPolicy({ providerArn, subject: 'system:serviceaccount:team-w:*', operator: 'StringLike' }) })).arn;
    noChainRole = (await emu.defineRole({ name: 'no-chain', trustPolicy: rrsaTrustPolicy({ providerArn, subject: ['system:serviceaccount:team-n:app', 'system:serviceaccount:team-n:other'] }) })).arn;
    await emu.defineRole({ name: 'ext', trustPolicy: rrsaTrustPolicy({ providerArn: extProvider, issuer: EXT_ISSUER, subject: 'system:serviceaccount:kube:app' }) });
    await emu.defineRole({ name: 'jwks', trustPolicy: rrsaTrustPolicy({ providerArn: jwksProvider, issuer: EXT_JWKS_ISSUER, audience: ['sts.aliyuncs.com', 'other-aud'], subject: 'system:serviceaccount:kube:app' }) });
    remoteRole = (await emu.defineRole({ accountId: OTHER_ACCOUNT, name: 'remote', trustPolicy: accountTrustPolicy({ principals: [`acs:ram::${emu.accountId}:root`] }), maxSessionDuration: 7200 })).arn;
    remoteExtRole = (await emu.defineRole({ accountId: OTHER_ACCOUNT, name: 'remote-ext', trustPolicy: accountTrustPolicy({ principals: [roleA], externalId: 'ext-123' }) })).arn;
    await emu.defineRole({ accountId: OTHER_ACCOUNT, name: 'remote-closed', trustPolicy: accountTrustPolicy({ principals: ['acs:ram::9999000099990000:root'] }) });

    const mint = async (file: string, o: Parameters<Emulator['mintToken']>[0]): Promise<void> => {
      tokens[file] = join(dir, file);
      await writeFile(tokens[file], (await emu.mintToken(o)).token);
    };
    await mint('a', { namespace: 'team-a', serviceAccount: 'app' });
    await mint('b', { namespace: 'team-b', serviceAccount: 'app' });
    await mint('w', { namespace: 'team-w', serviceAccount: 'worker' });
    await mint('n', { namespace: 'team-n', serviceAccount: 'other' });
    await mint('expired', { namespace: 'team-a', serviceAccount: 'app', expiresInSeconds: -60 });
    await mint('future', { namespace: 'team-a', serviceAccount: 'app', notBeforeSeconds: 600 });
    await mint('aud', { namespace: 'team-a', serviceAccount: 'app', audience: 'not-sts' });
    await mint('iss', { namespace: 'team-a', serviceAccount: 'app', issuer: 'https://elsewhere.example' });
    const now = Math.floor(Date.now() / 1000);
    const extClaims = { iss: EXT_ISSUER, sub: 'system:serviceaccount:kube:app', aud: ['sts.aliyuncs.com'], exp: now + 3600, iat: now, nbf: now };
    tokens['ext'] = join(dir, 'ext');
    await writeFile(tokens['ext'], externalToken(extKey.privateKey, extClaims));
    tokens['extForged'] = join(dir, 'ext-forged');
    await writeFile(tokens['extForged'], externalToken(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, extClaims));
    tokens['jwks'] = join(dir, 'jwks');
    await writeFile(tokens['jwks'], externalToken(extJwkKey.privateKey, { ...extClaims, iss: EXT_JWKS_ISSUER, aud: 'other-aud' }, 'k1'));
    tokens['garbage'] = join(dir, 'garbage');
    await writeFile(tokens['garbage'], 'not-a-jwt');
  });

  after(async () => {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** AssumeRoleWithOIDC through @alicloud/credentials; each case is one oidc + getCredential pair. */
  const oidcCases: { name: string; role: () => string; provider?: () => string; token: string; durationSeconds?: number; expect: { code: string; status?: number } | 'ok' }[] = [
    { name: 'own-issuer token for the trusted ServiceAccount gets STS credentials', role: () => roleA, token: 'a', expect: 'ok' },
    { name: 'StringLike trust on oidc:sub admits any ServiceAccount of the namespace', role: () => roleShort, token: 'w', expect: 'ok' },
    { name: 'array value in oidc:sub admits each listed ServiceAccount', role: () => noChainRole, token: 'n', expect: 'ok' },
    { name: 'token signed by a trusted external PEM key is accepted', role: () => emu.roleArn('ext'), provider: () => emu.oidcProviderArn('ack-rrsa-ext'), token: 'ext', expect: 'ok' },
    { name: 'token signed by a trusted external JWKS key, audience matched from an oidc:aud array, is accepted', role: () => emu.roleArn('jwks'), provider: () => emu.oidcProviderArn('ack-rrsa-jwks'), token: 'jwks', expect: 'ok' },
    { name: 'another namespace ServiceAccount is refused by the trust policy', role: () => roleA, token: 'b', expect: { code: 'AuthenticationFail.NoPermission' } },
    { name: 'expired token is refused as OIDCToken.Expired', role: () => roleA, token: 'expired', expect: { code: 'AuthenticationFail.OIDCToken.Expired' } },
    { name: 'token not yet valid (nbf in the future) is refused as OIDCToken.Invalid', role: () => roleA, token: 'future', expect: { code: 'AuthenticationFail.OIDCToken.Invalid' } },
    { name: 'token with a foreign audience is refused as AudienceNotMatch', role: () => roleA, token: 'aud', expect: { code: 'AuthenticationFail.OIDCToken.AudienceNotMatch' } },
    { name: 'token from another issuer is refused as IssuerNotMatch', role: () => roleA, token: 'iss', expect: { code: 'AuthenticationFail.OIDCToken.IssuerNotMatch' } },
    { name: 'token signed by an untrusted key is refused as InvalidSignature', role: () => emu.roleArn('ext'), provider: () => emu.oidcProviderArn('ack-rrsa-ext'), token: 'extForged', expect: { code: 'AuthenticationFail.OIDCToken.InvalidSignature' } },
    { name: 'a file that is not a JWT is refused as OIDCToken.Invalid', role: () => roleA, token: 'garbage', expect: { code: 'AuthenticationFail.OIDCToken.Invalid' } },
    { name: 'unknown role is EntityNotExist.Role', role: () => emu.roleArn('nope'), token: 'a', expect: { code: 'EntityNotExist.Role' } },
    { name: 'unknown provider is EntityNotExist.OIDCProvider', role: () => roleA, provider: () => emu.oidcProviderArn('ack-rrsa-nope'), token: 'a', expect: { code: 'EntityNotExist.OIDCProvider' } },
    { name: 'DurationSeconds above the role maximum is InvalidParameter.DurationSeconds', role: () => roleA, token: 'a', durationSeconds: 7200, expect: { code: 'InvalidParameter.DurationSeconds' } },
  ];

  describe('AssumeRoleWithOIDC via @alicloud/credentials', () => {
    let results: ProbeResult[] = [];
    before(async () => {
      const steps: ProbeStep[] = oidcCases.flatMap((c): ProbeStep[] => [
        { op: 'oidc', roleArn: c.role(), oidcProviderArn: (c.provider ?? (() => providerArn))(), tokenFile: tokens[c.token] as string, ...(c.durationSeconds === undefined ? {} : { durationSeconds: c.durationSeconds }) },
        { op: 'getCredential' },
      ]);
      results = await runSdkProbe(emu, steps);
    });
    oidcCases.forEach((c, i) => {
      test(c.name, () => {
        const r = results[i * 2 + 1];
        if (c.expect === 'ok') {
          const cred = ok(r);
          assert.match(String(cred['accessKeyId']), /^STS\./);
          assert.match(String(cred['securityToken']), /^CAIS/);
          assert.equal(cred['providerName'], 'oidc_role_arn');
        } else {
          const body = stsErrorBody(r);
          assert.equal(body['Code'], c.expect.code);
          assert.equal(body['HostId'], 'sts.aliyuncs.com');
          assert.match(String(body['RequestId']), /^[0-9A-F-]{36}$/);
          assert.equal(typeof body['Message'], 'string');
          assert.match(String(body['Recommend']), /^https:\/\/api\.aliyun\.com\/troubleshoot\?q=/);
        }
      });
    });
  });

  describe('AssumeRoleWithOIDC via openapi-client doRPCRequest (parameters in the query)', () => {
    let results: ProbeResult[] = [];
    let token = '';
    before(async () => {
      token = (await emu.mintToken({ namespace: 'team-a', serviceAccount: 'app' })).token;
      results = await runSdkProbe(emu, [
        { op: 'assumeRoleWithOidcRpc', query: { RoleArn: roleA, OIDCProviderArn: providerArn, OIDCToken: token, RoleSessionName: 'rpc-session', DurationSeconds: '1800' } },
        { op: 'assumeRoleWithOidcRpc', query: { RoleArn: roleA, OIDCProviderArn: providerArn } },
        { op: 'assumeRoleWithOidcRpc', query: { RoleArn: roleA, OIDCProviderArn: providerArn, OIDCToken: token, RoleSessionName: 'x' } },
      ]);
    });
    test('success body carries Credentials, AssumedRoleUser, OIDCTokenInfo and a 1800 s Expiration', () => {
      const r = ok(results[0]);
      assert.equal(r['statusCode'], 200);
      const body = r['body'] as Record<string, Record<string, string>>;
      assert.match(body['Credentials']?.['Expiration'] ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      const lifetime = Date.parse(body['Credentials']?.['Expiration'] ?? '') - Date.now();
      assert.ok(lifetime > 1700_000 && lifetime <= 1800_000, `lifetime ${lifetime} ms`);
      assert.equal(body['AssumedRoleUser']?.['Arn'], `${roleA}/rpc-session`);
      assert.match(body['AssumedRoleUser']?.['AssumedRoleId'] ?? '', /^\d{19}:rpc-session$/);
      assert.deepEqual(
        { Subject: body['OIDCTokenInfo']?.['Subject'], Issuer: body['OIDCTokenInfo']?.['Issuer'], ClientIds: body['OIDCTokenInfo']?.['ClientIds'], VerificationInfo: body['OIDCTokenInfo']?.['VerificationInfo'] },
        { Subject: 'system:serviceaccount:team-a:app', Issuer: emu.issuer, ClientIds: 'sts.aliyuncs.com', VerificationInfo: 'Success' },
      );
    });
    test('missing OIDCToken is MissingParameter 400 naming the parameter', () => {
      const r = results[1];
      assert.ok(r !== undefined && 'error' in r);
      assert.equal(r.error.code, 'MissingParameter');
      assert.equal(r.error.statusCode, 400);
      assert.match(r.error.message, /"OIDCToken"/);
    });
    test('a one-character RoleSessionName is InvalidParameter.RoleSessionName 400', () => {
      const r = results[2];
      assert.ok(r !== undefined && 'error' in r);
      assert.equal(r.error.code, 'InvalidParameter.RoleSessionName');
      assert.equal(r.error.statusCode, 400);
    });
  });

  describe('AssumeRole chained from RRSA credentials (RAMRoleARNCredentialsProvider, signature v1)', () => {
    let results: ProbeResult[] = [];
    before(async () => {
      const oidc = (role: string, token: string): ProbeStep => ({ op: 'oidc', roleArn: role, oidcProviderArn: providerArn, tokenFile: tokens[token] as string });
      results = await runSdkProbe(emu, [
        oidc(roleA, 'a'), { op: 'chain', roleArn: remoteRole, durationSeconds: 7200 }, { op: 'getCredential' }, // 0..2
        oidc(roleA, 'a'), { op: 'chain', roleArn: remoteExtRole, externalId: 'ext-123' }, { op: 'getCredential' }, // 3..5
        oidc(roleA, 'a'), { op: 'chain', roleArn: remoteExtRole, externalId: 'wrong-id' }, { op: 'getCredential' }, // 6..8
        oidc(roleA, 'a'), { op: 'chain', roleArn: emu.roleArn('remote-closed', OTHER_ACCOUNT) }, { op: 'getCredential' }, // 9..11
        oidc(noChainRole, 'n'), { op: 'chain', roleArn: remoteRole }, { op: 'getCredential' }, // 12..14
      ]);
    });
    test('cross-account role trusting the caller account root issues credentials', async () => {
      const cred = ok(results[2]);
      assert.equal(cred['providerName'], 'ram_role_arn/oidc_role_arn');
      const session = emu.state.sessions.get(String(cred['accessKeyId']));
      assert.equal(session?.roleArn, remoteRole);
      assert.equal(session?.accountId, OTHER_ACCOUNT);
    });
    test('cross-account role trusting the caller role with a matching ExternalId issues credentials', () => {
      assert.equal(emu.state.sessions.get(String(ok(results[5])['accessKeyId']))?.roleArn, remoteExtRole);
    });
    test('a wrong ExternalId is NoPermission', () => {
      assert.equal(stsErrorBody(results[8])['Code'], 'NoPermission');
    });
    test('a role whose trust policy names another account is NoPermission', () => {
      const body = stsErrorBody(results[11]);
      assert.equal(body['Code'], 'NoPermission');
      assert.match(String(body['Message']), /trust policy/);
    });
    test('a caller without sts:AssumeRole in its permission policies is NoPermission', () => {
      const body = stsErrorBody(results[14]);
      assert.equal(body['Code'], 'NoPermission');
      assert.match(String(body['Message']), /lacks sts:AssumeRole/);
    });
  });

  describe('AssumeRole with long-term AccessKeys', () => {
    let results: ProbeResult[] = [];
    before(async () => {
      const user = await emu.defineAccessKey({ userName: 'ci', policies: [allowPolicy('sts:AssumeRole', remoteRole)] });
      const root = await emu.defineAccessKey({});
      results = await runSdkProbe(emu, [
        { op: 'static', accessKeyId: user.accessKeyId, accessKeySecret: user.accessKeySecret }, { op: 'chain', roleArn: remoteRole }, { op: 'getCredential' },
        { op: 'static', accessKeyId: root.accessKeyId, accessKeySecret: root.accessKeySecret }, { op: 'chain', roleArn: remoteRole }, { op: 'getCredential' },
        { op: 'static', accessKeyId: user.accessKeyId, accessKeySecret: `${user.accessKeySecret}x` }, { op: 'chain', roleArn: remoteRole }, { op: 'getCredential' },
        { op: 'static', accessKeyId: 'LTAInotakey', accessKeySecret: 'whatever' }, { op: 'chain', roleArn: remoteRole }, { op: 'getCredential' },
        { op: 'static', accessKeyId: user.accessKeyId, accessKeySecret: user.accessKeySecret },
        { op: 'call', action: 'AssumeRole', version: '2015-04-01', query: { RoleArn: remoteRole, RoleSessionName: 'acs3-session', DurationSeconds: '3600' } },
      ]);
    });
    test('a RAM user key allowed sts:AssumeRole gets credentials for the cross-account role', () => {
      assert.equal(emu.state.sessions.get(String(ok(results[2])['accessKeyId']))?.roleArn, remoteRole);
    });
    test('an account root key is refused: roles may not be assumed by root accounts', () => {
      const body = stsErrorBody(results[5]);
      assert.equal(body['Code'], 'NoPermission');
      assert.match(String(body['Message']), /root accounts/);
    });
    test('a wrong secret yields SignatureDoesNotMatch with the server string to sign, which the SDK recognises', () => {
      const r = results[8];
      assert.ok(r !== undefined && 'error' in r);
      assert.equal(r.error.message, 'the access key secret is invalid');
    });
    test('an unknown AccessKeyId is InvalidAccessKeyId.NotFound', () => {
      assert.equal(stsErrorBody(results[11])['Code'], 'InvalidAccessKeyId.NotFound');
    });
    test('AssumeRole signed with ACS3 through openapi-client callApi (the sts20150401 way) issues credentials', () => {
      const r = ok(results[13]) as { statusCode: number; body: { AssumedRoleUser: { Arn: string }; Credentials: { AccessKeyId: string } } };
      assert.equal(r.statusCode, 200);
      assert.equal(r.body.AssumedRoleUser.Arn, `${remoteRole}/acs3-session`);
      assert.equal(emu.state.sessions.get(r.body.Credentials.AccessKeyId)?.accountId, OTHER_ACCOUNT);
    });
  });

  describe('credential lifetime controls', () => {
    test('credentialLifetimeSeconds shortens Expiration so the SDK refreshes on every get', async () => {
      await emu.stsSettings({ credentialLifetimeSeconds: 600 });
      try {
        await emu.resetCounts();
        const results = await runSdkProbe(emu, [
          { op: 'oidc', roleArn: roleA, oidcProviderArn: providerArn, tokenFile: tokens['a'] as string },
          { op: 'getCredential' }, { op: 'getCredential' }, { op: 'getCredential' },
        ]);
        assert.notEqual(ok(results[1])['accessKeyId'], ok(results[3])['accessKeyId']);
        // @alicloud/credentials refreshes whenever ≤ 15 minutes remain (reference §3.4).
        assert.equal((await emu.counts()).actions['AssumeRoleWithOIDC'], 3);
      } finally {
        await emu.stsSettings({ credentialLifetimeSeconds: null });
      }
    });
    test('default lifetime credentials are cached: three gets make one STS call', async () => {
      await emu.resetCounts();
      await runSdkProbe(emu, [
        { op: 'oidc', roleArn: roleA, oidcProviderArn: providerArn, tokenFile: tokens['a'] as string },
        { op: 'getCredential' }, { op: 'getCredential' }, { op: 'getCredential' },
      ]);
      const counts = await emu.counts();
      assert.equal(counts.actions['AssumeRoleWithOIDC'], 1);
      assert.equal(counts.roles[roleA]?.['AssumeRoleWithOIDC'], 1);
    });
    test('chainedMaxDurationSeconds caps DurationSeconds of AssumeRole called with a role session', async () => {
      await emu.stsSettings({ chainedMaxDurationSeconds: 3600 });
      try {
        const results = await runSdkProbe(emu, [
          { op: 'oidc', roleArn: roleA, oidcProviderArn: providerArn, tokenFile: tokens['a'] as string },
          { op: 'chain', roleArn: remoteRole, durationSeconds: 7200 }, { op: 'getCredential' },
        ]);
        assert.equal(stsErrorBody(results[2])['Code'], 'InvalidParameter.DurationSeconds');
      } finally {
        await emu.stsSettings({ chainedMaxDurationSeconds: null });
      }
    });
  });
});
