/**
 * The emulator's signature verification at the wire level, with requests signed in this test by
 * an independent implementation of reference §7.1 (not the emulator's own helpers), plus the
 * canonical-request example recorded from the real SDK in the reference.
 */
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { request } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { acs3CanonicalRequest } from '../emulator/signature.ts';

interface Raw { status: number; body: Record<string, unknown> }

function send(emu: Emulator, o: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: emu.port, path: o.path, method: o.method ?? 'POST', ca: emu.caPem, headers: o.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        assert.equal(res.headers['content-type'], 'application/json;charset=utf-8');
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
      });
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

/** RFC 3986 encoding per reference §7.1, written independently of the emulator. */
const pct = (s: string): string => encodeURIComponent(s).replace(/!/g, '%21').replace(/'/g, '%27').replace(/\(/g, '%28').replace(/\)/g, '%29').replace(/\*/g, '%2A');

/** Signs an ACS3 RPC request the way openapi-client does (reference §7.1). */
function acs3(emu: Emulator, key: { id: string; secret: string }, o: { action: string; version: string; query: Record<string, string>; date?: string; nonce?: string; omitFromSigned?: string }): { path: string; headers: Record<string, string> } {
  const headers: Record<string, string> = {
    host: emu.endpoint,
    'x-acs-action': o.action,
    'x-acs-version': o.version,
    'x-acs-date': o.date ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'x-acs-signature-nonce': o.nonce ?? randomBytes(16).toString('hex'),
    'x-acs-content-sha256': createHash('sha256').update('').digest('hex'),
  };
  const signed = Object.keys(headers).filter((h) => h !== o.omitFromSigned).sort();
  const qs = Object.keys(o.query).sort().map((k) => `${pct(k)}=${pct(o.query[k] as string)}`).join('&');
  const canonical = ['POST', '/', qs, signed.map((h) => `${h}:${headers[h]}\n`).join(''), signed.join(';'), headers['x-acs-content-sha256']].join('\n');
  const sts = `ACS3-HMAC-SHA256\n${createHash('sha256').update(canonical).digest('hex')}`;
  const sig = createHmac('sha256', key.secret).update(sts).digest('hex');
  return { path: `/?${qs}`, headers: { ...headers, authorization: `ACS3-HMAC-SHA256 Credential=${key.id},SignedHeaders=${signed.join(';')},Signature=${sig}` } };
}

describe('emulator signature verification on the wire', () => {
  let emu: Emulator;
  let key: { id: string; secret: string };

  before(async () => {
    emu = await startEmulator();
    const k = await emu.defineAccessKey({});
    key = { id: k.accessKeyId, secret: k.accessKeySecret };
    await emu.seedSecret({ name: 'db', value: 'signature-test-value' });
  });
  after(async () => emu.close());

  test('canonical request matches the one recorded from the real SDK (reference §7.1)', () => {
    const canonical = acs3CanonicalRequest(
      {
        method: 'POST',
        pathname: '/',
        query: [['SecretName', "my secret/!*'()~"], ['VersionStage', 'ACSCurrent']],
        headers: {
          host: '127.0.0.1:41895',
          'x-acs-action': 'GetSecretValue',
          'x-acs-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
          'x-acs-credentials-provider': 'static_ak',
          'x-acs-date': '2026-11-22T15:31:06Z',
          'x-acs-signature-nonce': 'cbb813cdd951a4e7d0347e14461bf9ff',
          'x-acs-version': '2016-01-20',
        },
      },
      ['host', 'x-acs-action', 'x-acs-content-sha256', 'x-acs-credentials-provider', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-version'],
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    assert.equal(
      canonical,
      [
        'POST', '/', "SecretName=my%20secret%2F%21%2A%27%28%29~&VersionStage=ACSCurrent",
        'host:127.0.0.1:41895', 'x-acs-action:GetSecretValue', 'x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        'x-acs-credentials-provider:static_ak', 'x-acs-date:2026-11-22T15:31:06Z', 'x-acs-signature-nonce:cbb813cdd951a4e7d0347e14461bf9ff', 'x-acs-version:2016-01-20', '',
        'host;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version',
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      ].join('\n'),
    );
  });

  const cases: { name: string; build: () => { path: string; headers: Record<string, string> }; status: number; code?: string; data?: string }[] = [
    { name: 'independently signed ACS3 request with a root key is served', build: () => acs3(emu, key, { action: 'GetSecretValue', version: '2016-01-20', query: { SecretName: 'db' } }), status: 200, data: 'signature-test-value' },
    { name: 'x-acs-date 20 minutes old is InvalidTimeStamp.Expired', build: () => acs3(emu, key, { action: 'GetSecretValue', version: '2016-01-20', query: { SecretName: 'db' }, date: new Date(Date.now() - 20 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z') }), status: 400, code: 'InvalidTimeStamp.Expired' },
    { name: 'x-acs-date with milliseconds is InvalidTimeStamp.Format', build: () => acs3(emu, key, { action: 'GetSecretValue', version: '2016-01-20', query: { SecretName: 'db' }, date: new Date().toISOString() }), status: 400, code: 'InvalidTimeStamp.Format' },
    { name: 'an x-acs header left out of SignedHeaders is IncompleteSignature', build: () => acs3(emu, key, { action: 'GetSecretValue', version: '2016-01-20', query: { SecretName: 'db' }, omitFromSigned: 'x-acs-signature-nonce' }), status: 400, code: 'IncompleteSignature' },
    { name: 'a wrong secret is SignatureDoesNotMatch with the server string to sign', build: () => acs3(emu, { id: key.id, secret: 'wrong' }, { action: 'GetSecretValue', version: '2016-01-20', query: { SecretName: 'db' } }), status: 400, code: 'SignatureDoesNotMatch' },
    { name: 'an unknown long-term key is InvalidAccessKeyId.NotFound 404 at KMS', build: () => acs3(emu, { id: 'LTAIunknown', secret: 'x' }, { action: 'GetSecretValue', version: '2016-01-20', query: { SecretName: 'db' } }), status: 404, code: 'InvalidAccessKeyId.NotFound' },
    { name: 'an unsigned KMS request is IncompleteSignature', build: () => ({ path: '/?SecretName=db', headers: { 'x-acs-action': 'GetSecretValue', 'x-acs-version': '2016-01-20' } }), status: 400, code: 'IncompleteSignature' },
    { name: 'an unknown action is InvalidApi.NotFound 404', build: () => ({ path: '/?Action=DescribeRegions&Version=2014-05-26', headers: {} }), status: 404, code: 'InvalidApi.NotFound' },
    { name: 'a known action with the wrong version is InvalidApi.NotFound 404', build: () => acs3(emu, key, { action: 'GetSecretValue', version: '2020-01-01', query: { SecretName: 'db' } }), status: 404, code: 'InvalidApi.NotFound' },
  ];

  for (const c of cases) {
    test(c.name, async () => {
      const r = await send(emu, c.build());
      assert.equal(r.status, c.status);
      assert.equal(typeof r.body['RequestId'], 'string');
      if (c.code !== undefined) assert.equal(r.body['Code'], c.code);
      if (c.code === 'SignatureDoesNotMatch') assert.match(String(r.body['Message']), /^Specified signature is not matched with our calculation\. server string to sign is:ACS3-HMAC-SHA256\n[0-9a-f]{64}$/);
      if (c.data !== undefined) assert.equal(r.body['SecretData'], c.data);
    });
  }

  test('a replayed signature nonce is SignatureNonceUsed', async () => {
    const signed = acs3(emu, key, { action: 'GetSecretValue', version: '2016-01-20', query: { SecretName: 'db' }, nonce: 'replayed-nonce-1' });
    assert.equal((await send(emu, signed)).status, 200);
    const again = await send(emu, signed);
    assert.equal(again.status, 400);
    assert.equal(again.body['Code'], 'SignatureNonceUsed');
  });

  test('AssumeRoleWithOIDC accepts parameters split between query and form body', async () => {
    const providerArn = (await emu.defineOidcProvider({ name: 'p', issuerUrl: emu.issuer })).arn;
    const roleArn = (await emu.defineRole({ name: 'r', trustPolicy: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Federated: providerArn }, Condition: { StringEquals: { 'oidc:sub': 'system:serviceaccount:ns:sa' } } }] } })).arn;
    const { token } = await emu.mintToken({ namespace: 'ns', serviceAccount: 'sa' });
    const form = new URLSearchParams({ OIDCToken: token, RoleSessionName: 'split-params' }).toString();
    const r = await send(emu, {
      path: `/?Action=AssumeRoleWithOIDC&Version=2015-04-01&Format=JSON&${new URLSearchParams({ RoleArn: roleArn, OIDCProviderArn: providerArn }).toString()}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });
    assert.equal(r.status, 200);
    assert.equal((r.body['AssumedRoleUser'] as Record<string, unknown>)['Arn'], `${roleArn}/split-params`);
  });
});
