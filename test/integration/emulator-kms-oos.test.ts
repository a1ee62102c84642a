/**
 * The emulated KMS GetSecretValue and OOS GetSecretParameter driven by the REAL
 * `@alicloud/openapi-client` (ACS3-HMAC-SHA256, and v1 HMAC-SHA1 with `signatureAlgorithm: 'v2'`)
 * with RRSA credentials from the real `@alicloud/credentials`: permissions, versions and stages,
 * binary secrets, not-found and signature/token failures, with the services' error bodies.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { allowPolicy, rrsaTrustPolicy, startEmulator, type Emulator } from '../emulator/index.ts';
import { runSdkProbe } from '../emulator/sdk-probe-runner.ts';
import type { ProbeResult, ProbeStep } from '../emulator/sdk-probe.ts';

const KMS = { version: '2016-01-20', action: 'GetSecretValue' } as const;
const OOS = { version: '2019-06-01', action: 'GetSecretParameter' } as const;
const BINARY = Buffer.from([0, 1, 2, 250, 251, 252, 255]).toString('base64');

type Expect = { body: Record<string, unknown> } | { code: string; status: number; fields?: Record<string, unknown> };

describe('emulated KMS and OOS with the real SDK clients', () => {
  let emu: Emulator;
  let dir: string;
  let roleA: string;
  let providerArn: string;
  const versions: Record<string, string> = {};

  before(async () => {
    emu = await startEmulator();
    dir = await mkdtemp(join(tmpdir(), 'emu-kms-'));
    providerArn = (await emu.defineOidcProvider({ name: 'ack-rrsa-c1', issuerUrl: emu.issuer })).arn;
    roleA = (
      await emu.defineRole({
        name: 'team-a',
        trustPolicy: rrsaTrustPolicy({ providerArn, issuer: emu.issuer, subject: 'system:serviceaccount:team-a:app' }),
        policies: [
          allowPolicy('kms:*', `acs:kms:${emu.region}:${emu.accountId}:secret/team-a/*`),
          allowPolicy('oos:GetSecretParameter', `acs:oos:${emu.region}:${emu.accountId}:secretparameter/team-a/*`),
          { Version: '1', Statement: [{ Effect: 'Deny', Action: 'kms:GetSecretValue', Resource: `acs:kms:*:*:secret/team-a/denied` }] },
        ],
      })
    ).arn;
    versions['v1'] = (await emu.seedSecret({ name: 'team-a/db', value: 'first-value', versionId: 'v1' })).versionId;
    versions['v2'] = (await emu.rotateSecret({ name: 'team-a/db', value: 'second-value', versionId: 'v2' })).versionId;
    versions['v3'] = (await emu.rotateSecret({ name: 'team-a/db', value: 'third-value', versionId: 'v3' })).versionId;
    await emu.seedSecret({ name: 'team-a/cert', binaryBase64: BINARY });
    await emu.seedSecret({ name: 'team-a/staged', value: 'custom-stage-value', stages: ['Blue'] });
    await emu.seedSecret({ name: 'team-a/denied', value: 'never-seen' });
    await emu.seedSecret({ name: 'team-b/db', value: 'team-b-value' });
    await emu.seedParameter({ name: 'team-a/api-key', value: 'key-one', description: 'demo' });
    await emu.seedParameter({ name: 'team-a/api-key', value: 'key-two' });
    await emu.seedParameter({ name: 'team-b/api-key', value: 'b-key' });
    await writeFile(join(dir, 'token'), (await emu.mintToken({ namespace: 'team-a', serviceAccount: 'app' })).token);
  });

  after(async () => {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  });

  const cases: { name: string; api: typeof KMS | typeof OOS; query: Record<string, string>; v1?: boolean; tamper?: boolean; expect: Expect }[] = [
    { name: 'KMS ACS3: default stage returns the ACSCurrent version', api: KMS, query: { SecretName: 'team-a/db' }, expect: { body: { SecretName: 'team-a/db', SecretData: 'third-value', SecretDataType: 'text', VersionId: 'v3', VersionStages: { VersionStage: ['ACSCurrent'] }, SecretType: 'Generic' } } },
    { name: 'KMS signature v1 (HMAC-SHA1): same secret, same answer', api: KMS, query: { SecretName: 'team-a/db' }, v1: true, expect: { body: { SecretData: 'third-value', VersionId: 'v3' } } },
    { name: 'KMS ACSPrevious after two rotations is the second version', api: KMS, query: { SecretName: 'team-a/db', VersionStage: 'ACSPrevious' }, expect: { body: { SecretData: 'second-value', VersionId: 'v2', VersionStages: { VersionStage: ['ACSPrevious'] } } } },
    { name: 'KMS VersionId of the first version has no stage left', api: KMS, query: { SecretName: 'team-a/db', VersionId: 'v1' }, expect: { body: { SecretData: 'first-value', VersionId: 'v1', VersionStages: { VersionStage: [] } } } },
    { name: 'KMS VersionId with the matching stage is accepted', api: KMS, query: { SecretName: 'team-a/db', VersionId: 'v2', VersionStage: 'ACSPrevious' }, expect: { body: { SecretData: 'second-value' } } },
    { name: 'KMS VersionId with a stage it does not hold is InvalidParameter', api: KMS, query: { SecretName: 'team-a/db', VersionId: 'v1', VersionStage: 'ACSCurrent' }, expect: { code: 'InvalidParameter', status: 400 } },
    { name: 'KMS custom stage is served', api: KMS, query: { SecretName: 'team-a/staged', VersionStage: 'Blue' }, expect: { body: { SecretData: 'custom-stage-value', VersionStages: { VersionStage: ['ACSCurrent', 'Blue'] } } } },
    { name: 'KMS binary secret comes back base64 with SecretDataType binary', api: KMS, query: { SecretName: 'team-a/cert' }, expect: { body: { SecretData: BINARY, SecretDataType: 'binary' } } },
    { name: 'KMS secret ARN in the own account is accepted', api: KMS, query: { SecretName: `acs:kms:cn-hangzhou:1234567890123456:secret/team-a/db` }, expect: { body: { SecretName: 'team-a/db', SecretData: 'third-value' } } },
    { name: 'KMS another tenant secret is Forbidden.NoPermission 403 with AccessDeniedDetail', api: KMS, query: { SecretName: 'team-b/db' }, expect: { code: 'Forbidden.NoPermission', status: 403, fields: { HttpStatus: 403, HostId: 'kms.cn-hangzhou.aliyuncs.com' } } },
    { name: 'KMS explicit Deny beats the wildcard Allow', api: KMS, query: { SecretName: 'team-a/denied' }, expect: { code: 'Forbidden.NoPermission', status: 403 } },
    { name: 'KMS unknown secret is Forbidden.ResourceNotFound 404', api: KMS, query: { SecretName: 'team-a/missing' }, expect: { code: 'Forbidden.ResourceNotFound', status: 404, fields: { HttpStatus: 404 } } },
    { name: 'KMS unknown stage is Forbidden.ResourceNotFound 404', api: KMS, query: { SecretName: 'team-a/db', VersionStage: 'Green' }, expect: { code: 'Forbidden.ResourceNotFound', status: 404 } },
    { name: 'KMS missing SecretName is MissingParameter 400', api: KMS, query: {}, expect: { code: 'MissingParameter', status: 400 } },
    { name: 'KMS wrong AccessKeySecret is SignatureDoesNotMatch 400', api: KMS, query: { SecretName: 'team-a/db' }, tamper: true, expect: { code: 'SignatureDoesNotMatch', status: 400 } },
    { name: 'KMS v1 with a wrong AccessKeySecret is SignatureDoesNotMatch 400', api: KMS, query: { SecretName: 'team-a/db' }, v1: true, tamper: true, expect: { code: 'SignatureDoesNotMatch', status: 400 } },
    { name: 'KMS query values with reserved characters are canonicalised like the SDK', api: KMS, query: { SecretName: "team-a/it's (a) *test*~!" }, expect: { code: 'Forbidden.ResourceNotFound', status: 404 } },
    { name: 'OOS latest version with decryption', api: OOS, query: { Name: 'team-a/api-key', WithDecryption: 'true' }, expect: { body: { Parameter: { Name: 'team-a/api-key', Value: 'key-two', ParameterVersion: 2, Type: 'Secret' } } } },
    { name: 'OOS explicit ParameterVersion 1', api: OOS, query: { Name: 'team-a/api-key', WithDecryption: 'true', ParameterVersion: '1' }, expect: { body: { Parameter: { Value: 'key-one', ParameterVersion: 1 } } } },
    { name: 'OOS without WithDecryption returns no Value', api: OOS, query: { Name: 'team-a/api-key' }, expect: { body: { Parameter: { Value: undefined, ParameterVersion: 2 } } } },
    { name: 'OOS signature v1 works too', api: OOS, query: { Name: 'team-a/api-key', WithDecryption: 'true' }, v1: true, expect: { body: { Parameter: { Value: 'key-two' } } } },
    { name: 'OOS unknown parameter is EntityNotExists.Parameter 404', api: OOS, query: { Name: 'team-a/missing', WithDecryption: 'true' }, expect: { code: 'EntityNotExists.Parameter', status: 404, fields: { HostId: 'oos.cn-hangzhou.aliyuncs.com' } } },
    { name: 'OOS version beyond the latest is EntityNotExists.ParameterVersion 404', api: OOS, query: { Name: 'team-a/api-key', ParameterVersion: '5' }, expect: { code: 'EntityNotExists.ParameterVersion', status: 404 } },
    { name: 'OOS ParameterVersion 0 is InvalidParameter 400', api: OOS, query: { Name: 'team-a/api-key', ParameterVersion: '0' }, expect: { code: 'InvalidParameter', status: 400 } },
    { name: 'OOS another tenant parameter is Forbidden.RAM 403', api: OOS, query: { Name: 'team-b/api-key', WithDecryption: 'true' }, expect: { code: 'Forbidden.RAM', status: 403 } },
  ];

  describe('GetSecretValue / GetSecretParameter with RRSA credentials', () => {
    let results: ProbeResult[] = [];
    before(async () => {
      const steps: ProbeStep[] = [
        { op: 'oidc', roleArn: roleA, oidcProviderArn: providerArn, tokenFile: join(dir, 'token') },
        ...cases.map((c): ProbeStep => ({ op: 'call', action: c.api.action, version: c.api.version, query: c.query, ...(c.v1 === true ? { signatureAlgorithm: 'v2' as const } : {}), ...(c.tamper === true ? { tamperSecret: true } : {}) })),
      ];
      results = await runSdkProbe(emu, steps);
    });
    cases.forEach((c, i) => {
      test(c.name, () => {
        const r = results[i + 1];
        assert.ok(r !== undefined);
        if ('body' in c.expect) {
          assert.ok('ok' in r, `expected success, got ${JSON.stringify(r)}`);
          const out = r.ok as { statusCode: number; body: Record<string, unknown> };
          assert.equal(out.statusCode, 200);
          assert.match(String(out.body['RequestId']), /^[0-9A-F-]{36}$/);
          for (const [k, v] of Object.entries(c.expect.body)) {
            if (typeof v === 'object' && v !== null && !Array.isArray(v) && k === 'Parameter') {
              for (const [pk, pv] of Object.entries(v)) assert.deepEqual((out.body['Parameter'] as Record<string, unknown>)[pk], pv, `Parameter.${pk}`);
            } else assert.deepEqual(out.body[k], v, k);
          }
        } else {
          assert.ok('error' in r, `expected an error, got ${JSON.stringify(r)}`);
          assert.equal(r.error.code, c.expect.code);
          assert.equal(r.error.statusCode, c.expect.status);
          const data = r.error.data as Record<string, unknown>;
          assert.equal(data['Code'], c.expect.code);
          for (const f of ['RequestId', 'HostId', 'Message', 'Recommend']) assert.equal(typeof data[f], 'string', f);
          for (const [k, v] of Object.entries(c.expect.fields ?? {})) assert.deepEqual(data[k], v, k);
          if (c.expect.status === 403) assert.equal((data['AccessDeniedDetail'] as Record<string, unknown>)['AuthPrincipalDisplayName'], roleA);
        }
      });
    });
  });

  describe('security token checks', () => {
    let results: ProbeResult[] = [];
    let expiredKey = '';
    before(async () => {
      const first = await runSdkProbe(emu, [{ op: 'oidc', roleArn: roleA, oidcProviderArn: providerArn, tokenFile: join(dir, 'token') }, { op: 'getCredential' }]);
      const cred = (first[1] as { ok: { accessKeyId: string; accessKeySecret: string; securityToken: string } }).ok;
      const other = await runSdkProbe(emu, [{ op: 'oidc', roleArn: roleA, oidcProviderArn: providerArn, tokenFile: join(dir, 'token') }, { op: 'getCredential' }]);
      const otherCred = (other[1] as { ok: { securityToken: string } }).ok;
      expiredKey = cred.accessKeyId;
      const q = { SecretName: 'team-a/db' };
      const call: ProbeStep = { op: 'call', action: KMS.action, version: KMS.version, query: q };
      const mixed: ProbeStep[] = [
        { op: 'static', accessKeyId: cred.accessKeyId, accessKeySecret: cred.accessKeySecret, securityToken: otherCred.securityToken }, call,
        { op: 'static', accessKeyId: 'STS.unknownkey', accessKeySecret: cred.accessKeySecret, securityToken: cred.securityToken }, call,
      ];
      const pre = await runSdkProbe(emu, [{ op: 'static', accessKeyId: cred.accessKeyId, accessKeySecret: cred.accessKeySecret, securityToken: cred.securityToken }, call, ...mixed]);
      assert.equal((await emu.expireCredentials({ accessKeyId: expiredKey })).expired, 1);
      const post = await runSdkProbe(emu, [{ op: 'static', accessKeyId: cred.accessKeyId, accessKeySecret: cred.accessKeySecret, securityToken: cred.securityToken }, call]);
      results = [...pre, ...post];
    });
    const errorOf = (r: ProbeResult | undefined): { code: string | undefined; statusCode: number | undefined } => {
      assert.ok(r !== undefined && 'error' in r, `expected an error, got ${JSON.stringify(r)}`);
      return { code: r.error.code, statusCode: r.error.statusCode };
    };
    test('valid STS triple passed as static STS credentials reads the secret', () => {
      assert.ok(results[1] !== undefined && 'ok' in results[1]);
    });
    test('security token of another session is InvalidSecurityToken.MismatchWithAccessKey', () => {
      assert.deepEqual(errorOf(results[3]), { code: 'InvalidSecurityToken.MismatchWithAccessKey', statusCode: 400 });
    });
    test('unknown STS AccessKeyId is InvalidAccessKeyId.NotFound 404 at KMS', () => {
      assert.deepEqual(errorOf(results[5]), { code: 'InvalidAccessKeyId.NotFound', statusCode: 404 });
    });
    test('expired STS credentials are InvalidSecurityToken.Expired', () => {
      assert.deepEqual(errorOf(results[7]), { code: 'InvalidSecurityToken.Expired', statusCode: 400 });
    });
  });

  describe('inline session Policy on AssumeRoleWithOIDC', () => {
    let results: ProbeResult[] = [];
    before(async () => {
      const narrow = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'kms:GetSecretValue', Resource: '*:secret/team-a/cert' }] });
      results = await runSdkProbe(emu, [
        { op: 'oidc', roleArn: roleA, oidcProviderArn: providerArn, tokenFile: join(dir, 'token'), policy: narrow },
        { op: 'call', action: KMS.action, version: KMS.version, query: { SecretName: 'team-a/cert' } },
        { op: 'call', action: KMS.action, version: KMS.version, query: { SecretName: 'team-a/db' } },
        { op: 'oidc', roleArn: roleA, oidcProviderArn: providerArn, tokenFile: join(dir, 'token'), policy: '{"Version":"1","Statement":[{"Effect":"Allow"}]}' },
        { op: 'getCredential' },
      ]);
    });
    test('a session policy still allows what both it and the role allow', () => {
      assert.ok(results[1] !== undefined && 'ok' in results[1], JSON.stringify(results[1]));
    });
    test('a session policy narrows the role: a secret the role allows but the policy does not is Forbidden.NoPermission', () => {
      const r = results[2];
      assert.ok(r !== undefined && 'error' in r, JSON.stringify(r));
      assert.equal(r.error.code, 'Forbidden.NoPermission');
    });
    test('a session policy without Action/Resource is InvalidParameter.PolicyGrammar naming the fields', () => {
      const r = results[4];
      assert.ok(r !== undefined && 'error' in r, JSON.stringify(r));
      assert.match(r.error.message, /"Code":"InvalidParameter\.PolicyGrammar"/);
      assert.match(r.error.message, /Policy\.Statement\[0\]\.Action/);
      assert.match(r.error.message, /Policy\.Statement\[0\]\.Resource/);
    });
  });

  describe('static AccessKeys', () => {
    test('a RAM user key with a KMS policy reads its secret and is denied others', async () => {
      const user = await emu.defineAccessKey({ userName: 'reader', policies: [allowPolicy('kms:GetSecretValue', `acs:kms:*:*:secret/team-b/*`)] });
      const r = await runSdkProbe(emu, [
        { op: 'static', accessKeyId: user.accessKeyId, accessKeySecret: user.accessKeySecret },
        { op: 'call', action: KMS.action, version: KMS.version, query: { SecretName: 'team-b/db' } },
        { op: 'call', action: KMS.action, version: KMS.version, query: { SecretName: 'team-a/db' } },
      ]);
      assert.ok(r[1] !== undefined && 'ok' in r[1]);
      assert.equal((r[1].ok as { body: Record<string, unknown> }).body['SecretData'], 'team-b-value');
      assert.ok(r[2] !== undefined && 'error' in r[2]);
      assert.equal(r[2].error.code, 'Forbidden.NoPermission');
      const counts = await emu.counts();
      assert.equal(counts.accessKeys[user.accessKeyId]?.['GetSecretValue'], 2);
    });
  });
});
