import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createInjectorMetrics } from '../../injector/injector-metrics.ts';
import { startHealthServer } from '../../injector/health-server.ts';

test('health server: /healthz, /ready only after setReady, /metrics, 404 and 405', async (t) => {
  const metrics = createInjectorMetrics();
  metrics.refreshes.inc({ result: 'success' });
  const h = await startHealthServer({ address: '127.0.0.1', port: 0, registry: metrics.registry });
  t.after(() => h.close());
  const get = async (path: string, method = 'GET'): Promise<[number, string]> => {
    const res = await fetch(`http://127.0.0.1:${h.port}${path}`, { method });
    return [res.status, await res.text()];
  };
  const cases: Array<{ name: string; path: string; method?: string; status: number; body?: RegExp }> = [
    { name: 'liveness answers', path: '/healthz', status: 200, body: /ok/ },
    { name: 'not ready before the first complete write', path: '/ready', status: 503, body: /first complete write/ },
    { name: 'metrics in Prometheus text', path: '/metrics', status: 200, body: /secret_injector_refreshes_total\{result="success"\} 1/ },
    { name: 'unknown path', path: '/nope', status: 404 },
    { name: 'POST refused', path: '/healthz', method: 'POST', status: 405 },
  ];
  for (const c of cases) {
    const [status, body] = await get(c.path, c.method);
    assert.equal(status, c.status, c.name);
    if (c.body !== undefined) assert.match(body, c.body, c.name);
  }
  h.setReady();
  assert.equal((await get('/ready'))[0], 200, 'ready after setReady');
});
