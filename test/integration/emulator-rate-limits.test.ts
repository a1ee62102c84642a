/**
 * The emulator's per-account, per-API rate limits (test/emulator/rate-limits.ts), observed through
 * the REAL SDK clients: an over-quota call gets the service's throttling answer (KMS
 * `Rejected.Throttling` 429 with `HttpStatus`, STS/OOS `Throttling.User` 400), the limits are
 * changed through the admin API, and the injector's error mapping classifies each as retryable.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ErrorCode } from '../../common/errors.ts';
import { toInjectorError } from '../../injector/cloud/retry.ts';
import { rrsaTrustPolicy, EmulatorAdmin, EmulatorAdminError, type Emulator } from '../emulator/index.ts';
import { DEFAULT_RATE_LIMITS } from '../emulator/rate-limits.ts';
import { startSdkTenant, TENANT_KMS_CALL, TENANT_OOS_CALL } from './sdk-tenant.ts';
import { runSdkProbe } from '../emulator/sdk-probe-runner.ts';
import type { ProbeStep } from '../emulator/sdk-probe.ts';

describe('emulator rate limits with the real SDK clients', () => {
  let emu: Emulator;
  let close: () => Promise<void>;
  let roleArn: string;
  let providerArn: string;
  let tokenFile: string;
  let token: string;

  before(async () => {
    ({ emu, roleArn, providerArn, tokenFile, token, close } = await startSdkTenant('emu-limits-', 'limit-test-value'));
  });

  beforeEach(async () => {
    // Back to the documented defaults, buckets full.
    await emu.rateLimits({ enabled: true, limits: Object.fromEntries(Object.entries(DEFAULT_RATE_LIMITS).map(([a, l]) => [a, { ...l }])) });
    await emu.resetCounts();
  });

  after(async () => {
    await close();
  });

  const kmsCall = TENANT_KMS_CALL;
  const oosCall = TENANT_OOS_CALL;
  const oidcStep = (): ProbeStep => ({ op: 'oidc', roleArn, oidcProviderArn: providerArn, tokenFile });

  test('the documented defaults are in force: STS 500/min, KMS 450/s, OOS 100/s', async () => {
    const out = await emu.rateLimits({});
    assert.equal(out.enabled, true);
    assert.deepEqual(out.limits['AssumeRoleWithOIDC'], { limit: 500, periodSeconds: 60, burst: 500 });
    assert.deepEqual(out.limits['GetSecretValue'], { limit: 450, periodSeconds: 1, burst: 450 });
    assert.deepEqual(out.limits['GetSecretParameter'], { limit: 100, periodSeconds: 1, burst: 100 });
  });

  const cases: { name: string; action: string; call: ProbeStep; code: string; status: number; kmsBody: boolean }[] = [
    { name: 'KMS over quota answers Rejected.Throttling 429 with HttpStatus in the body', action: 'GetSecretValue', call: kmsCall, code: 'Rejected.Throttling', status: 429, kmsBody: true },
    { name: 'OOS over quota answers Throttling.User 400', action: 'GetSecretParameter', call: oosCall, code: 'Throttling.User', status: 400, kmsBody: false },
  ];
  for (const c of cases) {
    test(`${c.name}; the injector maps it to a retryable error`, async () => {
      // A tiny quota (2 per day) so the third call is over it however slow the machine is.
      await emu.rateLimits({ limits: { [c.action]: { limit: 2, periodSeconds: 86_400 } } });
      const r = await runSdkProbe(emu, [oidcStep(), c.call, c.call, c.call]);
      assert.ok(r[1] !== undefined && 'ok' in r[1] && r[2] !== undefined && 'ok' in r[2], 'the first two calls are within the quota');
      const e = r[3];
      assert.ok(e !== undefined && 'error' in e, `expected a throttling error, got ${JSON.stringify(e)}`);
      assert.equal(e.error.code, c.code);
      assert.equal(e.error.statusCode, c.status);
      const body = e.error.data as Record<string, unknown>;
      assert.equal(body['Code'], c.code);
      assert.equal(typeof body['RequestId'], 'string');
      assert.equal(body['HttpStatus'], c.kmsBody ? 429 : undefined);
      const mapped = toInjectorError(e.error, ErrorCode.PROVIDER, { service: 'kms', action: c.action, subject: 'db' });
      assert.equal(mapped.retryable, true);
      assert.equal(mapped.detail.cloudCode, c.code);
      const counts = await emu.counts();
      assert.equal(counts.actions[c.action], 3);
      assert.equal(counts.throttled[c.action], 1);
      assert.equal(counts.errors[c.action], 1);
    });
  }

  test('STS over quota answers Throttling.User 400, counted per account; another account has its own bucket', async () => {
    await emu.rateLimits({ limits: { AssumeRoleWithOIDC: { limit: 1, periodSeconds: 86_400 } } });
    const exchange = (role: string, provider: string): ProbeStep => ({ op: 'assumeRoleWithOidcRpc', query: { RoleArn: role, OIDCProviderArn: provider, RoleSessionName: 'probe', OIDCToken: token } });
    const r = await runSdkProbe(emu, [exchange(roleArn, providerArn), exchange(roleArn, providerArn)]);
    assert.ok(r[0] !== undefined && 'ok' in r[0]);
    const e = r[1];
    assert.ok(e !== undefined && 'error' in e, `expected a throttling error, got ${JSON.stringify(e)}`);
    assert.equal(e.error.code, 'Throttling.User');
    assert.equal(e.error.statusCode, 400);
    assert.equal(toInjectorError(e.error, ErrorCode.CREDENTIALS, { service: 'sts', action: 'AssumeRoleWithOIDC', subject: roleArn }).retryable, true);
    // The bucket is keyed by the role's account: a role in another account is not throttled.
    const other = '2234567890123456';
    await emu.defineAccount({ accountId: other });
    const otherProvider = (await emu.defineOidcProvider({ accountId: other, name: 'ack-rrsa-c2', issuerUrl: emu.issuer })).arn;
    const otherRole = (await emu.defineRole({ accountId: other, name: 'team-b', trustPolicy: rrsaTrustPolicy({ providerArn: otherProvider, subject: 'system:serviceaccount:team-a:app' }) })).arn;
    const r2 = await runSdkProbe(emu, [exchange(otherRole, otherProvider)]);
    assert.ok(r2[0] !== undefined && 'ok' in r2[0], JSON.stringify(r2[0]));
  });

  test('the bucket refills at limit/period: throttled, then allowed once a token is back', async () => {
    let now = Date.now();
    emu.state.rateLimits.set('GetSecretValue', { limit: 1, periodSeconds: 10, burst: 1 });
    assert.deepEqual(emu.state.rateLimits.take('1', 'GetSecretValue', now), { allowed: true });
    assert.deepEqual(emu.state.rateLimits.take('1', 'GetSecretValue', now + 2000), { allowed: false, retryAfterMs: 8000 });
    now += 10_000;
    assert.deepEqual(emu.state.rateLimits.take('1', 'GetSecretValue', now), { allowed: true });
  });

  test('enabled:false lifts every limit', async () => {
    await emu.rateLimits({ enabled: false, limits: { GetSecretValue: { limit: 1, periodSeconds: 86_400 } } });
    const r = await runSdkProbe(emu, [oidcStep(), kmsCall, kmsCall, kmsCall]);
    assert.ok(r.slice(1).every((x) => x !== undefined && 'ok' in x));
  });

  test('the HTTP admin API validates input and reports every problem together', async () => {
    const admin = new EmulatorAdmin(emu.url, emu.caPem);
    await assert.rejects(admin.rateLimits({ enabled: 'yes' as unknown as boolean, limits: { Nope: { limit: 1, periodSeconds: 1 }, GetSecretValue: { limit: 0, periodSeconds: 1 } } }), (err: unknown) => {
      assert.ok(err instanceof EmulatorAdminError);
      assert.equal(err.status, 400);
      assert.equal(err.problems.length, 3, err.problems.join('\n'));
      return true;
    });
    const out = await admin.rateLimits({ limits: { GetSecretParameter: { limit: 7, periodSeconds: 2 } } });
    assert.deepEqual(out.limits['GetSecretParameter'], { limit: 7, periodSeconds: 2, burst: 7 });
  });
});
