import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, InjectorError } from '../../common/errors.ts';
import { createInjectorMetrics, recordFetch } from '../../injector/injector-metrics.ts';
import { startHealthServer } from '../../injector/health-server.ts';

test('health server: /healthz, /ready only after setReady, /metrics, 404 and 405', async (t) => {
  const metrics = createInjectorMetrics();
  metrics.refreshes.inc({ result: 'success' });
  const h = await startHealthServer({ address: '127.0.0.1', port: 0, registries: [metrics.registry] });
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

// Issue 13, defect 7: the port is on the pod IP, so the inventory of cloud secret names and
// version ids is served only when the config opts in (agent-command.ts picks the registries).
test('health server: /metrics names cloud secrets only when the inventory registry is served', async (t) => {
  const metrics = createInjectorMetrics();
  recordFetch(metrics, { provider: 'kms', key: 'prod/db-password', profile: 'p' }, { data: 'never-a-label', dataType: 'text', versionId: 'v-42' }, 3);
  recordFetch(metrics, { provider: 'oos', key: 'prod/api-token', profile: 'p' }, new InjectorError(ErrorCode.PROVIDER, 'denied', { detail: { cloudCode: 'Forbidden' } }), 3);
  const cases = [
    { name: 'default: results and codes only', registries: [metrics.registry], names: false },
    { name: 'opted in: plus secret_version_info', registries: [metrics.registry, metrics.inventory], names: true },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const h = await startHealthServer({ address: '127.0.0.1', port: 0, registries: c.registries });
      try {
        const text = await (await fetch(`http://127.0.0.1:${h.port}/metrics`)).text();
        assert.match(text, /secret_injector_fetch_failures_total\{code="E_PROVIDER",reason="Forbidden",provider="oos"\} 1/);
        assert.match(text, /secret_injector_fetch_duration_seconds_count\{provider="kms",outcome="ok"\} 1/);
        if (c.names) assert.match(text, /secret_version_info\{provider="kms",key="prod\/db-password",version_id="v-42",data_type="text"\} 1/);
        else assert.doesNotMatch(text, /secret_version_info|prod\/db-password|prod\/api-token|v-42/);
        assert.doesNotMatch(text, /never-a-label/);
      } finally {
        await h.close();
      }
    });
  }
});
