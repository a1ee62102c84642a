/**
 * Throttling is not failure (issue 15): init's calls retry transient errors within a deadline
 * (its budget) with jittered exponential backoff, honour a service retry-after hint when it is
 * longer, and stop at once on errors that waiting cannot fix. Mock timers, no sleeping.
 */
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, InjectorError } from '../../common/errors.ts';
import { MAX_RETRY_AFTER_MS, retryDelay, toInjectorError, withRetry } from '../../injector/cloud/retry.ts';
import { DEFAULT_BUDGET_SECONDS, INIT_RETRY_POLICY } from '../../injector/init-command.ts';
import { validateInjectorConfig } from '../../contract/injector-config-schema.ts';

const ctx = { service: 'kms', action: 'GetSecretValue', subject: 'db' };
function sdkError(code: string, status: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${code}: code: ${status}`), { code, statusCode: status, data: { Code: code, RequestId: 'R1', statusCode: status }, ...extra });
}
const flush = async (): Promise<void> => { for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r)); };

test('init budget default is 600 s; the per-call policy has no attempt bound (the deadline bounds it)', () => {
  assert.equal(DEFAULT_BUDGET_SECONDS, 600);
  assert.equal(INIT_RETRY_POLICY.attempts, Number.MAX_SAFE_INTEGER);
});

test('retryDelay: backoff, or the retry-after hint when longer; hints are capped', () => {
  const policy = { attempts: 10, baseMs: 500, maxMs: 8000, jitter: 0 };
  const cases = [
    { name: 'no hint: the backoff (2^1 × 500)', err: toInjectorError(sdkError('Throttling.User', 400), ErrorCode.CREDENTIALS, ctx), attempt: 1, want: 1000 },
    { name: 'a longer hint wins', err: toInjectorError(sdkError('Throttling.User', 400, { retryAfter: 2500 }), ErrorCode.CREDENTIALS, ctx), attempt: 1, want: 2500 },
    { name: 'a shorter hint does not shorten the backoff', err: toInjectorError(sdkError('Rejected.Throttling', 429, { retryAfter: 10 }), ErrorCode.PROVIDER, ctx), attempt: 3, want: 4000 },
    { name: 'an absurd hint is capped', err: toInjectorError(sdkError('Rejected.Throttling', 429, { retryAfter: 10 ** 9 }), ErrorCode.PROVIDER, ctx), attempt: 1, want: MAX_RETRY_AFTER_MS },
  ];
  for (const c of cases) assert.equal(retryDelay(c.err, c.attempt, policy, () => 0.5), c.want, c.name);
});

test('backoff jitter is ±50 % around 2^attempt × 500 ms, capped at 8 s', () => {
  const err = toInjectorError(sdkError('Throttling.User', 400), ErrorCode.CREDENTIALS, ctx);
  const cases = [
    { attempt: 1, r: 0, want: 500 }, { attempt: 1, r: 0.999999, want: 1500 }, { attempt: 2, r: 0.5, want: 2000 },
    { attempt: 4, r: 0.5, want: 8000 }, { attempt: 20, r: 0.999999, want: 8000 }, { attempt: 20, r: 0, want: 4000 },
  ];
  for (const c of cases) assert.equal(retryDelay(err, c.attempt, INIT_RETRY_POLICY, () => c.r), c.want, `attempt ${c.attempt}, r ${c.r}`);
});

test('throttled calls keep retrying until they succeed, within the deadline', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  try {
    let calls = 0;
    const p = withRetry(async () => { calls++; if (calls < 6) throw sdkError('Throttling.User', 400); return 'ok'; }, (e) => toInjectorError(e, ErrorCode.CREDENTIALS, ctx), { policy: INIT_RETRY_POLICY, deadline: 600_000, random: () => 0.5 });
    for (let i = 0; i < 100 && calls < 6; i++) { mock.timers.tick(1000); await flush(); }
    assert.equal(await p, 'ok');
    assert.equal(calls, 6);
  } finally {
    mock.timers.reset();
  }
});

test('no retry starts past the deadline: the last throttling error is thrown', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  try {
    let calls = 0;
    const p = withRetry(async () => { calls++; throw sdkError('Rejected.Throttling', 429); }, (e) => toInjectorError(e, ErrorCode.PROVIDER, ctx), { policy: INIT_RETRY_POLICY, deadline: 10_000, random: () => 0.5 });
    const settled = p.then(() => 'resolved', (e: unknown) => e);
    for (let i = 0; i < 30; i++) { mock.timers.tick(1000); await flush(); }
    const err = await settled;
    assert.ok(err instanceof InjectorError && err.retryable && err.detail.cloudCode === 'Rejected.Throttling');
    // Waits 1 s, 2 s, 4 s (t = 7 s); the next 8 s wait would end at 15 s > 10 s.
    assert.equal(calls, 4);
  } finally {
    mock.timers.reset();
  }
});

test('errors that waiting cannot fix fail at once, whatever the budget', async () => {
  for (const [code, status] of [['Forbidden.NoPermission', 403], ['Forbidden.ResourceNotFound', 404], ['AuthenticationFail.NoPermission', 401]] as const) {
    let calls = 0;
    await assert.rejects(withRetry(async () => { calls++; throw sdkError(code, status); }, (e) => toInjectorError(e, ErrorCode.PROVIDER, ctx), { policy: INIT_RETRY_POLICY, deadline: Date.now() + 600_000 }), (e: unknown) => e instanceof InjectorError && !e.retryable);
    assert.equal(calls, 1, code);
  }
});

test('config: initBudgetSeconds, handoffPath and refreshPhaseSpread are validated', () => {
  const base = {
    version: 1, pod: { namespace: 'a', serviceAccount: 'b' }, region: 'cn-hangzhou', mountPath: '/m', tokenPath: '/t', refreshIntervalSeconds: 60, fileMode: 0o440, healthPort: 0, endpoints: {},
    profiles: [{ id: 'pod', kind: 'rrsa', roleArn: 'acs:ram::1:role/r', oidcProviderArn: 'acs:ram::1:oidc-provider/p', roleSessionName: 's' }],
    externalSecrets: [{ name: 'db', provider: 'kms', data: [{ key: 'db', name: 'password', profile: 'pod' }], dataProcess: [] }],
  };
  assert.deepEqual(validateInjectorConfig({ ...base, initBudgetSeconds: 600, handoffPath: '/h/handoff.json', refreshPhaseSpread: false }), []);
  const problems = validateInjectorConfig({ ...base, initBudgetSeconds: 0, handoffPath: 'relative', refreshPhaseSpread: 'yes' });
  assert.equal(problems.length, 3, problems.join('\n'));
  assert.match(problems.join('\n'), /initBudgetSeconds: expected an integer in \[1, 3600\]/);
  assert.match(problems.join('\n'), /handoffPath: expected an absolute path/);
  assert.match(problems.join('\n'), /refreshPhaseSpread: expected a boolean/);
});
