import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../common/log.ts';
import { findContainerMainPids, mountinfoNamesContainer, parentPid } from '../../injector/container-process.ts';
import { createInjectorMetrics } from '../../injector/injector-metrics.ts';
import { decideNotify, deliverNotify, type NotifyDeps } from '../../injector/notify.ts';

test('notify decision table', () => {
  const http = { http: { url: 'http://127.0.0.1:8080/reload' } };
  const cases = [
    { name: 'not configured never notifies', notify: undefined, changed: ['a'], first: false, want: { notify: false, reason: 'not-configured' } },
    { name: 'empty notify object never notifies', notify: {}, changed: ['a'], first: false, want: { notify: false, reason: 'not-configured' } },
    { name: 'unchanged refresh does not notify', notify: http, changed: [], first: false, want: { notify: false, reason: 'unchanged' } },
    { name: 'the agent first write does not notify', notify: http, changed: ['a'], first: true, want: { notify: false, reason: 'first-write' } },
    { name: 'a changed refresh notifies once with all changed folders, sorted', notify: http, changed: ['b', 'a'], first: false, want: { notify: true, changed: ['a', 'b'] } },
    { name: 'signal-only config notifies on change', notify: { signal: { container: 'app', signal: 'SIGHUP' } }, changed: ['a'], first: false, want: { notify: true, changed: ['a'] } },
  ];
  for (const c of cases) assert.deepEqual(decideNotify(c.notify, c.changed, c.first), c.want, c.name);
});

function deps(over: Partial<NotifyDeps>): { deps: NotifyDeps; logs: string[] } {
  const logs: string[] = [];
  const sink = new Writable({ write(chunk, _e, cb) { logs.push(String(chunk)); cb(); } });
  return {
    logs,
    deps: {
      logger: createLogger({ name: 't' }, sink),
      metrics: createInjectorMetrics(),
      request: async () => ({ status: 200, body: 'ok' }),
      kill: () => {},
      findPids: async () => [],
      retryPolicy: { attempts: 3, baseMs: 0, maxMs: 0, jitter: 0 },
      ...over,
    },
  };
}

test('HTTP notify: POSTs the changed names, retries a 503, logs and counts one delivery', async () => {
  const seen: Array<{ url: string; method: string; body: string }> = [];
  let n = 0;
  const { deps: d, logs } = deps({ request: async (url, init) => {
    seen.push({ url, method: init.method, body: String(init.body) });
    n++;
    return { status: n === 1 ? 503 : 204, body: '' };
  } });
  await deliverNotify({ http: { url: 'http://127.0.0.1:9/reload' } }, ['db'], d);
  assert.equal(seen.length, 2);
  assert.deepEqual(seen[1], { url: 'http://127.0.0.1:9/reload', method: 'POST', body: '{"changed":["db"]}' });
  assert.match(await d.metrics.registry.metrics(), /secret_injector_notifications_total\{method="http",result="delivered"\} 1/);
  assert.equal(logs.filter((l) => l.includes('notified the app')).length, 1);
});

test('HTTP notify: a 404 is not retried and is counted as failed', async () => {
  let n = 0;
  const { deps: d } = deps({ request: async () => { n++; return { status: 404, body: '' }; } });
  await deliverNotify({ http: { url: 'http://127.0.0.1:9/x', method: 'PUT' } }, ['db'], d);
  assert.equal(n, 1);
  assert.match(await d.metrics.registry.metrics(), /notifications_total\{method="http",result="failed"\} 1/);
});

test('signal notify: signals every main pid of the container; retries until it appears', async () => {
  const killed: Array<[number, string]> = [];
  let lookups = 0;
  const { deps: d } = deps({ findPids: async (c) => { assert.equal(c, 'app'); lookups++; return lookups < 2 ? [] : [42]; }, kill: (pid, sig) => killed.push([pid, sig]) });
  await deliverNotify({ signal: { container: 'app', signal: 'SIGHUP' } }, ['db'], d);
  assert.deepEqual(killed, [[42, 'SIGHUP']]);
  assert.match(await d.metrics.registry.metrics(), /notifications_total\{method="signal",result="delivered"\} 1/);
});

test('signal notify: no visible process after retries counts a failure and does not throw', async () => {
  const { deps: d, logs } = deps({});
  await deliverNotify({ signal: { container: 'app', signal: 'SIGUSR1' } }, ['db'], d);
  assert.match(await d.metrics.registry.metrics(), /notifications_total\{method="signal",result="failed"\} 1/);
  assert.ok(logs.some((l) => l.includes('shareProcessNamespace')));
});

test('/proc parsing: PPID after a comm with spaces and parentheses; kubelet mount root names the container', () => {
  assert.equal(parentPid('123 (my (odd) app) S 0 123 123 0 -1'), 0);
  assert.equal(parentPid('77 (sh) S 12 77 77'), 12);
  assert.equal(parentPid('garbage'), undefined);
  const mi = '1093 1075 0:1 /var/lib/kubelet/pods/u-1/containers/app/5f1a /dev/termination-log rw - ext4 /dev/vda1 rw\n';
  assert.equal(mountinfoNamesContainer(mi, 'app'), true);
  assert.equal(mountinfoNamesContainer(mi, 'ap'), false, 'no prefix match');
  assert.equal(mountinfoNamesContainer(mi, 'sidecar'), false);
});

test('findContainerMainPids picks PPID-0 processes of the named container from a /proc tree', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'inj-proc-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const proc = async (pid: number, ppid: number, container: string): Promise<void> => {
    await mkdir(join(root, String(pid)));
    await writeFile(join(root, String(pid), 'stat'), `${pid} (x) S ${ppid} 1 1 0`);
    await writeFile(join(root, String(pid), 'mountinfo'), `1 2 0:1 / / rw - overlay overlay rw\n3 1 8:1 /var/lib/kubelet/pods/u/containers/${container}/abc /dev/termination-log rw - ext4 /dev/sda1 rw\n`);
  };
  await proc(1, 0, 'pause-has-no-such-mount-but-whatever');
  await proc(7, 0, 'app');
  await proc(9, 7, 'app');
  await proc(12, 0, 'ack-secret-injector-agent');
  await mkdir(join(root, 'self'));
  await mkdir(join(root, '30')); // a process that exited: no files
  assert.deepEqual(await findContainerMainPids('app', root), [7]);
  assert.deepEqual(await findContainerMainPids('missing', root), []);
});
