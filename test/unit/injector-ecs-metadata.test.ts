/**
 * The worker role credentials from the ECS metadata service (injector/cloud/ecs-metadata.ts):
 * the hardened-mode call sequence, and each failure as a clear E_CREDENTIALS with the right
 * retryability, never carrying a key. `fetch` is passed in (a stand-in for the HTTP service).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fetchWorkerRoleCredentials } from '../../injector/cloud/ecs-metadata.ts';
import { InjectorError } from '../../common/errors.ts';

type Route = (init: RequestInit | undefined) => Response;

function fakeFetch(routes: Record<string, Route>, seen: string[]): typeof globalThis.fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    seen.push(`${init?.method ?? 'GET'} ${url}`);
    const route = routes[new URL(url).pathname];
    if (route === undefined) return new Response('Not Found', { status: 404 });
    return route(init);
  }) as typeof globalThis.fetch;
}

const TOKEN: Route = () => new Response('tok-1');
const ROLE: Route = (init) => ((init?.headers as Record<string, string>)['x-aliyun-ecs-metadata-token'] === 'tok-1' ? new Response('node-role') : new Response('no', { status: 401 }));
const CREDS = { Code: 'Success', AccessKeyId: 'STS.abc', AccessKeySecret: 'secret-xyz-1', SecurityToken: 'CAIS-token', Expiration: '2030-01-01T00:00:00Z' };

test('hardened mode: token, role name, credentials', async () => {
  const seen: string[] = [];
  const c = await fetchWorkerRoleCredentials({ host: '127.0.0.1:9', fetch: fakeFetch({ '/latest/api/token': TOKEN, '/latest/meta-data/ram/security-credentials/': ROLE, '/latest/meta-data/ram/security-credentials/node-role': () => Response.json(CREDS) }, seen) });
  assert.deepEqual(c, { accessKeyId: 'STS.abc', accessKeySecret: 'secret-xyz-1', securityToken: 'CAIS-token', expiresAt: Date.parse('2030-01-01T00:00:00Z') });
  assert.deepEqual(seen, ['PUT http://127.0.0.1:9/latest/api/token', 'GET http://127.0.0.1:9/latest/meta-data/ram/security-credentials/', 'GET http://127.0.0.1:9/latest/meta-data/ram/security-credentials/node-role']);
});

test('failures are E_CREDENTIALS naming the cause, with the right retryability and no key', async (t) => {
  const cases: { name: string; routes: Record<string, Route>; throwsFetch?: boolean; message: RegExp; retryable: boolean }[] = [
    { name: 'no role attached (404)', routes: { '/latest/api/token': TOKEN }, message: /no RAM role is attached to this ECS instance/, retryable: false },
    { name: 'service unreachable', routes: {}, throwsFetch: true, message: /the metadata service at 127\.0\.0\.1:9 is unreachable/, retryable: true },
    { name: 'a 500 is retryable', routes: { '/latest/api/token': () => new Response('x', { status: 500 }) }, message: /answered HTTP 500/, retryable: true },
    { name: 'an incomplete document', routes: { '/latest/api/token': TOKEN, '/latest/meta-data/ram/security-credentials/': ROLE, '/latest/meta-data/ram/security-credentials/node-role': () => Response.json({ Code: 'Failed', AccessKeySecret: 'secret-xyz-1' }) }, message: /credentials document of role node-role is incomplete \(Code "Failed"\)/, retryable: true },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const fetch = c.throwsFetch === true ? ((async () => { throw new TypeError('fetch failed'); }) as typeof globalThis.fetch) : fakeFetch(c.routes, []);
      await assert.rejects(fetchWorkerRoleCredentials({ host: '127.0.0.1:9', fetch }), (err: unknown) => {
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
