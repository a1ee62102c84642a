// Every annotation of the pod contract, good and bad values, parsed by parseAnnotations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAnnotations, type PodOptions } from '../../webhook/admission/annotations/parse.ts';
import { parseDurationSeconds } from '../../common/go-duration.ts';
import { parseQuantity } from '../../webhook/admission/quantity.ts';
import * as f from '../fixtures/webhook-fixtures.ts';

const P = 'secret-injector.alibabacloud.com/';
const twoContainers = { containers: [{ name: 'app', image: 'a' }, { name: 'worker', image: 'b', securityContext: { runAsUser: 1000 } }] };

test('good annotation values produce the expected options', async (t) => {
  const cases: { name: string; annotations: Record<string, string>; spec?: object; expect: Partial<PodOptions> }[] = [
    { name: 'defaults with only external-secrets', annotations: {}, expect: { externalSecrets: ['db'], mode: 'sidecar', refreshIntervalSeconds: 120, mountPath: '/var/run/secrets/alibabacloud', containers: ['app'], fileMode: 0o444, skipInit: false } },
    { name: 'external-secrets list with spaces', annotations: { [`${P}external-secrets`]: 'db, cache ,tls' }, expect: { externalSecrets: ['db', 'cache', 'tls'] } },
    { name: 'mode init-only', annotations: { [`${P}mode`]: 'init-only' }, expect: { mode: 'init-only' } },
    { name: 'refresh-interval 1h30m', annotations: { [`${P}refresh-interval`]: '1h30m' }, expect: { refreshIntervalSeconds: 5400 } },
    { name: 'refresh-interval at the 30s floor', annotations: { [`${P}refresh-interval`]: '30s' }, expect: { refreshIntervalSeconds: 30 } },
    { name: 'refresh-interval 1.5m', annotations: { [`${P}refresh-interval`]: '1.5m' }, expect: { refreshIntervalSeconds: 90 } },
    { name: 'mount-path custom', annotations: { [`${P}mount-path`]: '/etc/app/secrets' }, expect: { mountPath: '/etc/app/secrets' } },
    { name: 'containers subset keeps pod order', annotations: { [`${P}containers`]: 'worker' }, spec: twoContainers, expect: { containers: ['worker'] } },
    { name: 'containers default is all', annotations: {}, spec: twoContainers, expect: { containers: ['app', 'worker'] } },
    { name: 'resource overrides', annotations: { [`${P}cpu-request`]: '50m', [`${P}cpu-limit`]: '1', [`${P}memory-request`]: '64Mi', [`${P}memory-limit`]: '256Mi' }, expect: { resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '1', memory: '256Mi' } } } },
    { name: 'file-mode 0440', annotations: { [`${P}file-mode`]: '0440' }, expect: { fileMode: 0o440 } },
    { name: 'file-mode 400 without leading zero', annotations: { [`${P}file-mode`]: '400' }, expect: { fileMode: 0o400 } },
    { name: 'file-group', annotations: { [`${P}file-group`]: '2000' }, expect: { fileGid: 2000 } },
    { name: 'file-group defaults to the pod fsGroup', annotations: {}, spec: { securityContext: { fsGroup: 3000 } }, expect: { fileGid: 3000 } },
    { name: 'native-sidecar true', annotations: { [`${P}native-sidecar`]: 'true' }, expect: { nativeSidecar: true } },
    { name: 'native-sidecar false', annotations: { [`${P}native-sidecar`]: 'false' }, expect: { nativeSidecar: false } },
    { name: 'skip-init true', annotations: { [`${P}skip-init`]: 'true' }, expect: { skipInit: true } },
    { name: 'notify-url localhost with port', annotations: { [`${P}notify-url`]: 'http://localhost:9090/-/reload' }, expect: { notify: { http: { url: 'http://localhost:9090/-/reload' } } } },
    { name: 'notify-signal HUP defaults to the only container', annotations: { [`${P}notify-signal`]: 'HUP' }, expect: { notify: { signal: { container: 'app', signal: 'SIGHUP' } } } },
    { name: 'notify-signal with notify-container', annotations: { [`${P}notify-signal`]: 'SIGUSR1', [`${P}notify-container`]: 'worker' }, spec: twoContainers, expect: { notify: { signal: { container: 'worker', signal: 'SIGUSR1' } } } },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const r = parseAnnotations(f.pod({ annotations: c.annotations, spec: c.spec ?? {} }), f.settings());
      assert.deepEqual(r.problems, []);
      for (const [k, v] of Object.entries(c.expect)) assert.deepEqual(r.options[k as keyof PodOptions], v, k);
    });
  }
});

test('bad annotation values are problems naming the annotation, the value and what is accepted', async (t) => {
  const cases: { name: string; annotations: Record<string, string>; spec?: object; problem: RegExp }[] = [
    { name: 'external-secrets missing', annotations: { [`${P}external-secrets`]: '' }, problem: /external-secrets: required; expected a comma-separated list/ },
    { name: 'external-secrets with an invalid name', annotations: { [`${P}external-secrets`]: 'db,Bad_Name' }, problem: /external-secrets: invalid value "db,Bad_Name"; expected .*"Bad_Name" is not one/ },
    { name: 'external-secrets repeated', annotations: { [`${P}external-secrets`]: 'db,db' }, problem: /"db" is repeated/ },
    { name: 'mode unknown', annotations: { [`${P}mode`]: 'daemon' }, problem: /mode: invalid value "daemon"; expected "sidecar" or "init-only"/ },
    { name: 'refresh-interval without unit', annotations: { [`${P}refresh-interval`]: '90' }, problem: /refresh-interval: invalid value "90"; expected a Go duration.*from 30s to 168h/ },
    { name: 'refresh-interval below the floor', annotations: { [`${P}refresh-interval`]: '10s' }, problem: /refresh-interval: invalid value "10s"/ },
    { name: 'refresh-interval above 168h', annotations: { [`${P}refresh-interval`]: '169h' }, problem: /refresh-interval: invalid value "169h"/ },
    { name: 'refresh-interval with sub-second precision', annotations: { [`${P}refresh-interval`]: '90500ms' }, problem: /refresh-interval: invalid value "90500ms"/ },
    { name: 'mount-path relative', annotations: { [`${P}mount-path`]: 'secrets' }, problem: /mount-path: invalid value "secrets"; expected an absolute path/ },
    { name: 'mount-path with ..', annotations: { [`${P}mount-path`]: '/app/../etc' }, problem: /mount-path: invalid value "\/app\/\.\.\/etc"/ },
    { name: 'mount-path trailing slash', annotations: { [`${P}mount-path`]: '/app/secrets/' }, problem: /mount-path: invalid value "\/app\/secrets\/"/ },
    { name: 'mount-path over /etc', annotations: { [`${P}mount-path`]: '/etc' }, problem: /mount-path: invalid value "\/etc".*not a system folder/ },
    { name: 'mount-path over the ServiceAccount mount', annotations: { [`${P}mount-path`]: '/var/run/secrets/kubernetes.io/serviceaccount' }, problem: /mount-path: invalid value/ },
    { name: 'mount-path under /proc', annotations: { [`${P}mount-path`]: '/proc/secrets' }, problem: /mount-path: invalid value "\/proc\/secrets"/ },
    { name: 'mount-path inside the injector folder', annotations: { [`${P}mount-path`]: '/var/run/secrets/ack-secret-injector/files' }, problem: /mount-path: invalid value/ },
    { name: 'mount-path already mounted by the app', annotations: { [`${P}mount-path`]: '/config' }, spec: { containers: [{ name: 'app', image: 'a', volumeMounts: [{ name: 'c', mountPath: '/config' }] }] }, problem: /container "app" already mounts a volume at "\/config"/ },
    { name: 'containers naming a missing container', annotations: { [`${P}containers`]: 'app,ghost' }, problem: /containers: invalid value "app,ghost"; expected .*\(app\); not in the pod: ghost/ },
    { name: 'containers with an empty name', annotations: { [`${P}containers`]: 'app,' }, problem: /containers: invalid value "app,"/ },
    { name: 'cpu-request not a quantity', annotations: { [`${P}cpu-request`]: 'lots' }, problem: /cpu-request: invalid value "lots"; expected a non-negative Kubernetes quantity/ },
    { name: 'cpu-limit negative', annotations: { [`${P}cpu-limit`]: '-1' }, problem: /cpu-limit: invalid value "-1"/ },
    { name: 'memory-request with a bad suffix', annotations: { [`${P}memory-request`]: '64MB' }, problem: /memory-request: invalid value "64MB"/ },
    { name: 'memory-limit below the request', annotations: { [`${P}memory-limit`]: '16Mi' }, problem: /memory-request\/secret-injector.alibabacloud.com\/memory-limit: the memory request 32Mi exceeds the memory limit 16Mi/ },
    { name: 'file-mode decimal', annotations: { [`${P}file-mode`]: '288' }, problem: /file-mode: invalid value "288"; expected an octal file mode/ },
    { name: 'file-mode unreadable', annotations: { [`${P}file-mode`]: '0200' }, problem: /file-mode: invalid value "0200"/ },
    { name: 'file-group zero', annotations: { [`${P}file-group`]: '0' }, problem: /file-group: invalid value "0"; expected a numeric group id/ },
    { name: 'file-group not a number', annotations: { [`${P}file-group`]: 'staff' }, problem: /file-group: invalid value "staff"/ },
    { name: 'native-sidecar yes', annotations: { [`${P}native-sidecar`]: 'yes' }, problem: /native-sidecar: invalid value "yes"; expected "true" or "false"/ },
    { name: 'skip-init TRUE', annotations: { [`${P}skip-init`]: 'TRUE' }, problem: /skip-init: invalid value "TRUE"; expected "true" or "false"/ },
    { name: 'skip-init with init-only', annotations: { [`${P}skip-init`]: 'true', [`${P}mode`]: 'init-only' }, problem: /skip-init: "true" cannot be combined with .*mode: "init-only"/ },
    { name: 'notify-url to another host', annotations: { [`${P}notify-url`]: 'http://10.0.0.1/reload' }, problem: /notify-url: invalid value "http:\/\/10.0.0.1\/reload"; expected http:\/\/127.0.0.1/ },
    { name: 'notify-url https', annotations: { [`${P}notify-url`]: 'https://localhost/reload' }, problem: /notify-url: invalid value/ },
    { name: 'notify-url port out of range', annotations: { [`${P}notify-url`]: 'http://127.0.0.1:70000/' }, problem: /notify-url: invalid value/ },
    { name: 'notify-signal SIGKILL', annotations: { [`${P}notify-signal`]: 'SIGKILL' }, problem: /notify-signal: invalid value "SIGKILL"; expected SIGHUP, SIGUSR1/ },
    { name: 'notify-signal without container in a two-container pod', annotations: { [`${P}notify-signal`]: 'SIGHUP' }, spec: twoContainers, problem: /notify-container: required with .*notify-signal when the pod has more than one container/ },
    { name: 'notify-container unknown', annotations: { [`${P}notify-signal`]: 'SIGHUP', [`${P}notify-container`]: 'ghost' }, problem: /notify-container: invalid value "ghost"/ },
    { name: 'notify-container without notify-signal', annotations: { [`${P}notify-container`]: 'app' }, problem: /notify-container: set to "app" but .*notify-signal is missing/ },
    { name: 'notify with init-only', annotations: { [`${P}notify-url`]: 'http://127.0.0.1/r', [`${P}mode`]: 'init-only' }, problem: /need .*mode: "sidecar"/ },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const r = parseAnnotations(f.pod({ annotations: c.annotations, spec: c.spec ?? {} }), f.settings());
      assert.equal(r.problems.length, 1, JSON.stringify(r.problems));
      assert.match(r.problems[0] ?? '', c.problem);
    });
  }
});

test('all annotation problems are reported together', () => {
  const r = parseAnnotations(f.pod({ annotations: { [`${P}mode`]: 'x', [`${P}file-mode`]: 'x', [`${P}native-sidecar`]: 'x', [`${P}cpu-limit`]: 'x' } }), f.settings());
  assert.deepEqual(r.problems.map((p) => p.split(':')[0]), [
    `annotation ${P}mode`, `annotation ${P}cpu-limit`, `annotation ${P}file-mode`, `annotation ${P}native-sidecar`,
  ]);
});

test('Go durations convert to whole seconds', async (t) => {
  const cases: [string, number | undefined][] = [
    ['90s', 90], ['5m', 300], ['1h30m', 5400], ['2h', 7200], ['1.5h', 5400], ['1100ms', undefined], ['2000ms', 2], ['0s', undefined],
    ['', undefined], ['10', undefined], ['1d', undefined], ['-5m', undefined], ['5 m', undefined], ['1m30', undefined],
  ];
  for (const [text, seconds] of cases) await t.test(`${JSON.stringify(text)} → ${seconds}`, () => assert.equal(parseDurationSeconds(text), seconds));
});

test('Kubernetes quantities parse to numbers', async (t) => {
  const cases: [string, number | undefined][] = [
    ['100m', 0.1], ['1', 1], ['0.5', 0.5], ['64Mi', 64 * 2 ** 20], ['1Gi', 2 ** 30], ['2k', 2000], ['1e3', 1000], ['.5', 0.5],
    ['64MB', undefined], ['-1', undefined], ['', undefined], ['1.5.5', undefined], ['Mi', undefined],
  ];
  for (const [text, value] of cases) await t.test(`${JSON.stringify(text)} → ${value}`, () => assert.equal(parseQuantity(text), value));
});
