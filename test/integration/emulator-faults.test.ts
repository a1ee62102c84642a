/**
 * Fault injection and call counts of the emulator, observed through the REAL SDK clients:
 * throttling and 5xx bodies as the services send them, dropped connections, added latency, and
 * per-action / per-role / per-AccessKeyId counters.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Emulator, FaultInput } from '../emulator/index.ts';
import { startSdkTenant, TENANT_KMS_CALL, TENANT_OOS_CALL } from './sdk-tenant.ts';
import { runSdkProbe } from '../emulator/sdk-probe-runner.ts';
import type { ProbeResult, ProbeStep } from '../emulator/sdk-probe.ts';

describe('emulator faults and counts with the real SDK clients', () => {
  let emu: Emulator;
  let close: () => Promise<void>;
  let roleArn: string;
  let providerArn: string;
  let tokenFile: string;

  before(async () => {
    ({ emu, roleArn, providerArn, tokenFile, close } = await startSdkTenant('emu-faults-', 'fault-test-value'));
  });

  beforeEach(async () => {
    await emu.clearFaults();
    await emu.resetCounts();
  });

  after(async () => {
    await close();
  });

  const kmsCall = TENANT_KMS_CALL;
  const oosCall = TENANT_OOS_CALL;
  const oidcStep = (): ProbeStep => ({ op: 'oidc', roleArn, oidcProviderArn: providerArn, tokenFile });

  const errorCases: { name: string; fault: FaultInput; call: ProbeStep; code: string; status: number }[] = [
    { name: 'KMS throttle fault answers Rejected.Throttling 429 by default', fault: { action: 'GetSecretValue', kind: 'throttle', count: 2 }, call: kmsCall, code: 'Rejected.Throttling', status: 429 },
    { name: 'OOS throttle fault answers Throttling.User 400 by default', fault: { action: 'GetSecretParameter', kind: 'throttle', count: 2 }, call: oosCall, code: 'Throttling.User', status: 400 },
    { name: 'throttle fault with an explicit 429 Throttling override', fault: { action: 'GetSecretValue', kind: 'throttle', count: 2, status: 429, code: 'Throttling' }, call: kmsCall, code: 'Throttling', status: 429 },
    { name: 'KMS 5xx fault answers ServiceUnavailableTemporary 503 by default', fault: { action: 'GetSecretValue', kind: 'error', count: 2 }, call: kmsCall, code: 'ServiceUnavailableTemporary', status: 503 },
    { name: 'OOS 5xx fault answers ServiceUnavailable 503 by default', fault: { action: 'GetSecretParameter', kind: 'error', count: 2 }, call: oosCall, code: 'ServiceUnavailable', status: 503 },
    { name: '5xx fault with an explicit 500 InternalError override', fault: { action: 'GetSecretValue', kind: 'error', count: 2, status: 500, code: 'InternalError' }, call: kmsCall, code: 'InternalError', status: 500 },
  ];

  for (const c of errorCases) {
    test(`${c.name}, for exactly the next N calls`, async () => {
      await emu.fault(c.fault);
      const r = await runSdkProbe(emu, [oidcStep(), c.call, c.call, c.call]);
      for (const i of [1, 2]) {
        const e = r[i];
        assert.ok(e !== undefined && 'error' in e, `call ${i}: expected an error, got ${JSON.stringify(e)}`);
        assert.equal(e.error.code, c.code);
        assert.equal(e.error.statusCode, c.status);
        assert.equal(typeof (e.error.data as Record<string, unknown>)['RequestId'], 'string');
      }
      assert.ok(r[3] !== undefined && 'ok' in r[3], `third call should succeed, got ${JSON.stringify(r[3])}`);
      const action = (c.call as { action: string }).action;
      const counts = await emu.counts();
      assert.equal(counts.actions[action], 3);
      assert.equal(counts.errors[action], 2);
    });
  }

  test('STS throttle fault makes @alicloud/credentials fail with Throttling.User, then recover', async () => {
    await emu.fault({ action: 'AssumeRoleWithOIDC', kind: 'throttle' });
    const r = await runSdkProbe(emu, [oidcStep(), { op: 'getCredential' }, { op: 'getCredential' }]);
    assert.ok(r[1] !== undefined && 'error' in r[1]);
    assert.match(r[1].error.message, /"Code":"Throttling\.User"/);
    assert.ok(r[2] !== undefined && 'ok' in r[2]);
    assert.equal((await emu.counts()).actions['AssumeRoleWithOIDC'], 2);
  });

  test('drop fault closes the connection without a response, the next call succeeds', async () => {
    await emu.fault({ action: 'GetSecretValue', kind: 'drop' });
    const r: ProbeResult[] = await runSdkProbe(emu, [oidcStep(), kmsCall, kmsCall]);
    assert.ok(r[1] !== undefined && 'error' in r[1]);
    assert.equal(r[1].error.statusCode, undefined);
    assert.match(`${r[1].error.code ?? ''} ${r[1].error.message}`, /ECONNRESET|socket hang up/i);
    assert.ok(r[2] !== undefined && 'ok' in r[2]);
  });

  test('latency fault delays the call, which then succeeds normally', async () => {
    await emu.fault({ action: 'GetSecretValue', kind: 'latency', latencyMs: 50 });
    const r = await runSdkProbe(emu, [oidcStep(), kmsCall]);
    assert.ok(r[1] !== undefined && 'ok' in r[1]);
    assert.equal((r[1].ok as { body: Record<string, unknown> }).body['SecretData'], 'fault-test-value');
    assert.deepEqual(emu.state.faults.list(), []);
  });

  test('counts attribute calls per action, per role and per AccessKeyId; resetCounts returns and clears them', async () => {
    const r = await runSdkProbe(emu, [oidcStep(), { op: 'getCredential' }, kmsCall, kmsCall, oosCall]);
    const key = String((r[1] as { ok: Record<string, unknown> }).ok['accessKeyId']);
    const expected = {
      actions: { AssumeRoleWithOIDC: 1, GetSecretValue: 2, GetSecretParameter: 1 },
      errors: {},
      throttled: {},
      roles: { [roleArn]: { AssumeRoleWithOIDC: 1, GetSecretValue: 2, GetSecretParameter: 1 } },
      accessKeys: { [key]: { GetSecretValue: 2, GetSecretParameter: 1 } },
    };
    assert.deepEqual(await emu.counts(), expected);
    assert.deepEqual(await emu.resetCounts(), expected);
    assert.deepEqual(await emu.counts(), { actions: {}, errors: {}, throttled: {}, roles: {}, accessKeys: {} });
  });
});
