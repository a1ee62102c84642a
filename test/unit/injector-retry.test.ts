import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, InjectorError } from '../../common/errors.ts';
import { backoffDelay, DEFAULT_RETRY_POLICY, toInjectorError, withRetry } from '../../injector/cloud/retry.ts';

/** An error shaped like the one `@alicloud/openapi-client` throws for a 4xx/5xx response (reference §8). */
function sdkError(code: string, status: number, message = 'x'): Error {
  return Object.assign(new Error(`${code}: code: ${status}, ${message} request id: R1`), { code, statusCode: status, data: { Code: code, Message: message, RequestId: 'R1', statusCode: status } });
}
function netError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 10.0.0.1:443. POST https://kms-vpc.cn-hangzhou.aliyuncs.com/?SecretName=db failed.`), { code });
}
const ctx = { service: 'kms', action: 'GetSecretValue', subject: 'db' };

test('retry classification table', () => {
  const cases: Array<{ name: string; err: unknown; retryable: boolean; cloudCode: string }> = [
    { name: 'KMS Rejected.Throttling (400) retries', err: sdkError('Rejected.Throttling', 400), retryable: true, cloudCode: 'Rejected.Throttling' },
    { name: 'Throttling.User retries', err: sdkError('Throttling.User', 400), retryable: true, cloudCode: 'Throttling.User' },
    { name: 'any *Throttling* code retries', err: sdkError('Throttling.Concurrency', 400), retryable: true, cloudCode: 'Throttling.Concurrency' },
    { name: 'ServiceUnavailableTemporary (503) retries', err: sdkError('ServiceUnavailableTemporary', 503), retryable: true, cloudCode: 'ServiceUnavailableTemporary' },
    { name: 'InternalFailure (500) retries', err: sdkError('InternalFailure', 500), retryable: true, cloudCode: 'InternalFailure' },
    { name: 'unknown 502 retries by status', err: sdkError('BadGateway', 502), retryable: true, cloudCode: 'BadGateway' },
    { name: 'HTTP 429 retries', err: sdkError('TooManyRequests', 429), retryable: true, cloudCode: 'TooManyRequests' },
    { name: 'Forbidden.NoPermission (403) does not retry', err: sdkError('Forbidden.NoPermission', 403), retryable: false, cloudCode: 'Forbidden.NoPermission' },
    { name: 'Forbidden.ResourceNotFound (404) does not retry', err: sdkError('Forbidden.ResourceNotFound', 404), retryable: false, cloudCode: 'Forbidden.ResourceNotFound' },
    { name: 'AuthenticationFail (401) does not retry', err: sdkError('AuthenticationFail.NoPermission', 401), retryable: false, cloudCode: 'AuthenticationFail.NoPermission' },
    { name: 'InvalidParameter (400) does not retry', err: sdkError('InvalidParameter', 400), retryable: false, cloudCode: 'InvalidParameter' },
    { name: 'ECONNRESET retries', err: netError('ECONNRESET'), retryable: true, cloudCode: 'ECONNRESET' },
    { name: 'ETIMEDOUT retries', err: netError('ETIMEDOUT'), retryable: true, cloudCode: 'ETIMEDOUT' },
    { name: 'EAI_AGAIN (temporary DNS) retries', err: netError('EAI_AGAIN'), retryable: true, cloudCode: 'EAI_AGAIN' },
    { name: 'ECONNREFUSED retries', err: netError('ECONNREFUSED'), retryable: true, cloudCode: 'ECONNREFUSED' },
    { name: 'ENOTFOUND (no such host) does not retry', err: netError('ENOTFOUND'), retryable: false, cloudCode: 'ENOTFOUND' },
    { name: 'httpx RequestTimeoutError retries', err: Object.assign(new Error('ReadTimeout(10000). POST https://x/?a=b failed.'), { name: 'RequestTimeoutError' }), retryable: true, cloudCode: 'ETIMEDOUT' },
    { name: 'non-JSON error body (SyntaxError) retries', err: new SyntaxError('Unexpected end of JSON input'), retryable: true, cloudCode: 'MalformedResponse' },
    { name: 'plain programming error does not retry', err: new TypeError('boom'), retryable: false, cloudCode: 'Unknown' },
  ];
  for (const c of cases) {
    const e = toInjectorError(c.err, ErrorCode.PROVIDER, ctx);
    assert.equal(e.retryable, c.retryable, c.name);
    assert.equal(e.code, ErrorCode.PROVIDER, c.name);
    assert.equal(e.detail.cloudCode, c.cloudCode, c.name);
    assert.ok(e.message.startsWith('KMS GetSecretValue "db"'), `${c.name}: ${e.message}`);
    assert.ok(!e.message.includes('?SecretName') && !e.message.includes('?a=b'), `${c.name}: the request URL is never copied`);
  }
});

test('an InjectorError passes through unchanged; STS errors get E_CREDENTIALS', () => {
  const original = new InjectorError(ErrorCode.CREDENTIALS, 'token missing');
  assert.equal(toInjectorError(original, ErrorCode.PROVIDER, ctx), original);
  const e = toInjectorError(sdkError('AuthenticationFail.OIDCToken.Expired', 401, 'This JsonWebToken is expired.'), ErrorCode.CREDENTIALS, { service: 'sts', action: 'AssumeRoleWithOIDC', subject: 'acs:ram::1:role/r' });
  assert.equal(e.code, ErrorCode.CREDENTIALS);
  assert.match(e.message, /AuthenticationFail\.OIDCToken\.Expired \(HTTP 401\): This JsonWebToken is expired\. \[request id R1\]/);
});

test('the echoed string-to-sign of SignatureDoesNotMatch is cut from the message', () => {
  const e = toInjectorError(sdkError('SignatureDoesNotMatch', 400, 'Specified signature is not matched with our calculation. server string to sign is:GET&%2F&SecurityToken%3DCAIS-SECRET'), ErrorCode.PROVIDER, ctx);
  assert.ok(!e.message.includes('CAIS-SECRET'), e.message);
  assert.match(e.message, /SignatureDoesNotMatch/);
});

test('backoff delays: 2^attempt x base, jitter bounds, cap', () => {
  const p = DEFAULT_RETRY_POLICY;
  const cases = [
    { name: 'attempt 1 without jitter', attempt: 1, r: 0.5, want: 2000 },
    { name: 'attempt 2 without jitter', attempt: 2, r: 0.5, want: 4000 },
    { name: 'attempt 1 lowest jitter is -20 %', attempt: 1, r: 0, want: 1600 },
    { name: 'attempt 1 highest jitter approaches +20 %', attempt: 1, r: 0.999999, want: 2400 },
    { name: 'attempt 4 is capped at 10 s', attempt: 4, r: 0.5, want: 10_000 },
    { name: 'capped delay never exceeds the cap with jitter', attempt: 6, r: 0.999999, want: 10_000 },
  ];
  for (const c of cases) assert.equal(backoffDelay(c.attempt, p, () => c.r), c.want, c.name);
});

test('withRetry waits the backoff between attempts (mock timers)', async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    let calls = 0;
    const delays: number[] = [];
    const done = withRetry(async () => {
      calls++;
      if (calls < 3) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
      return 'ok';
    }, (e) => toInjectorError(e, ErrorCode.PROVIDER, ctx), { random: () => 0.5, onRetry: (_e, _a, d) => delays.push(d) });
    await Promise.resolve(); await Promise.resolve();
    assert.equal(calls, 1);
    mock.timers.tick(1999);
    await Promise.resolve(); await Promise.resolve();
    assert.equal(calls, 1, 'no second attempt before 2 s');
    mock.timers.tick(1);
    await new Promise((r) => setImmediate(r));
    assert.equal(calls, 2, 'second attempt after 2 s');
    mock.timers.tick(4000);
    assert.equal(await done, 'ok');
    assert.equal(calls, 3);
    assert.deepEqual(delays, [2000, 4000]);
  } finally {
    mock.timers.reset();
  }
});

test('withRetry stops at once on a permanent error and after the last attempt', async () => {
  let calls = 0;
  await assert.rejects(withRetry(async () => { calls++; throw sdkError('Forbidden.NoPermission', 403); }, (e) => toInjectorError(e, ErrorCode.PROVIDER, ctx)), (err) => err instanceof InjectorError && !err.retryable);
  assert.equal(calls, 1);
  calls = 0;
  await assert.rejects(withRetry(async () => { calls++; throw sdkError('Rejected.Throttling', 400); }, (e) => toInjectorError(e, ErrorCode.PROVIDER, ctx), { policy: { attempts: 3, baseMs: 0, maxMs: 0, jitter: 0 } }), (err) => err instanceof InjectorError && err.retryable);
  assert.equal(calls, 3);
});

test('withRetry gives up when the signal aborts during the wait', async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const ac = new AbortController();
    let calls = 0;
    const done = withRetry(async () => { calls++; throw sdkError('InternalFailure', 500); }, (e) => toInjectorError(e, ErrorCode.PROVIDER, ctx), { signal: ac.signal });
    await new Promise((r) => setImmediate(r));
    ac.abort();
    await assert.rejects(done, (err) => err instanceof InjectorError && err.detail.cloudCode === 'InternalFailure');
    assert.equal(calls, 1);
  } finally {
    mock.timers.reset();
  }
});
