/**
 * The worker role credentials from the ECS metadata service (injector/cloud/ecs-metadata.ts):
 * the hardened-mode call sequence, and each failure as a clear E_CREDENTIALS with the right
 * retryability, never carrying a key. `request` is passed in (a stand-in for the HTTP service).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fetchWorkerRoleCredentials } from '../../injector/cloud/ecs-metadata.ts';
import { InjectorError } from '../../common/errors.ts';
import type { PlainHttpInit, PlainHttpRequest, PlainHttpResponse } from '../../injector/plain-http.ts';

type Route = (init: PlainHttpInit) => PlainHttpResponse;

function fakeRequest(routes: Record<string, Route>, seen: string[]): PlainHttpRequest {
  return async (url, init) => {
    seen.push(`${init.method} ${url}`);
    const route = routes[new URL(url).pathname];
    if (route === undefined) return { status: 404, body: 'Not Found' };
    return route(init);
  };
}

const ok = (body: string): PlainHttpResponse => ({ status: 200, body });
const TOKEN: Route = () => ok('tok-1');
const ROLE: Route = (init) => (init.headers?.['x-aliyun-ecs-metadata-token'] === 'tok-1' ? ok('node-role') : { status: 401, body: 'no' });
const CREDS = { Code: 'Success', AccessKeyId: 'STS.abc', AccessKeySecret: 'secret-xyz-1', SecurityToken: 'CAIS-token', Expiration: '2030-01-01T00:00:00Z' };

test('hardened mode: token, role name, credentials', async () => {
  const seen: string[] = [];
  const c = await fetchWorkerRoleCredentials({ host: '127.0.0.1:9', request: fakeRequest({ '/latest/api/token': TOKEN, '/latest/meta-data/ram/security-credentials/': ROLE, '/latest/meta-data/ram/security-credentials/node-role': () => ok(JSON.stringify(CREDS)) }, seen) });
  assert.deepEqual(c, { accessKeyId: 'STS.abc', accessKeySecret: 'secret-xyz-1', securityToken: 'CAIS-token', expiresAt: Date.parse('2030-01-01T00:00:00Z') });
  assert.deepEqual(seen, ['PUT http://127.0.0.1:9/latest/api/token', 'GET http://127.0.0.1:9/latest/meta-data/ram/security-credentials/', 'GET http://127.0.0.1:9/latest/meta-data/ram/security-credentials/node-role']);
});

test('failures are E_CREDENTIALS naming the cause, with the right retryability and no key', async (t) => {
  const cases: { name: string; routes: Record<string, Route>; throwsRequest?: boolean; message: RegExp; retryable: boolean }[] = [
    { name: 'no role attached (404)', routes: { '/latest/api/token': TOKEN }, message: /no RAM role is attached to this ECS instance/, retryable: false },
    { name: 'service unreachable', routes: {}, throwsRequest: true, message: /the metadata service at 127\.0\.0\.1:9 is unreachable/, retryable: true },
    { name: 'a 500 is retryable', routes: { '/latest/api/token': () => ({ status: 500, body: 'x' }) }, message: /answered HTTP 500/, retryable: true },
    { name: 'an incomplete document', routes: { '/latest/api/token': TOKEN, '/latest/meta-data/ram/security-credentials/': ROLE, '/latest/meta-data/ram/security-credentials/node-role': () => ok(JSON.stringify({ Code: 'Failed', AccessKeySecret: 'secret-xyz-1' })) }, message: /credentials document of role node-role is incomplete \(Code "Failed"\)/, retryable: true },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const request: PlainHttpRequest = c.throwsRequest === true ? async () => { throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'Error' }); } : fakeRequest(c.routes, []);
      await assert.rejects(fetchWorkerRoleCredentials({ host: '127.0.0.1:9', request }), (err: unknown) => {
        assert.ok(err instanceof InjectorError);
        assert.equal(err.code, 'E_CREDENTIALS');
        assert.match(err.message, c.message);
        assert.equal(err.retryable, c.retryable);
        assert.ok(!err.message.includes('secret-xyz-1'));
        return true;
      });
    });
  }
});
