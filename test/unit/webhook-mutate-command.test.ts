// `ack-secret-injector mutate` end to end through the real CLI launcher.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fx = (p: string): string => `test/fixtures/${p}`;

function cli(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/ack-secret-injector.mjs', 'mutate', ...args], { cwd: root, encoding: 'utf8', input: input ?? '', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const names = (cs: { name: string }[] | undefined): string[] => (cs ?? []).map((c) => c.name);

test('mutate prints the injected pod as YAML', () => {
  const r = cli(['-f', fx('manifests/basic-pod.yaml'), '--settings', fx('settings/basic.yaml')]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const pod = parse(r.stdout);
  assert.equal(pod.kind, 'Pod');
  assert.equal(pod.metadata.namespace, 'shop');
  assert.equal(pod.metadata.annotations['secret-injector.alibabacloud.com/status'], 'injected');
  assert.deepEqual(names(pod.spec.initContainers), ['ack-secret-injector-init']);
  assert.deepEqual(names(pod.spec.containers), ['app', 'ack-secret-injector-agent']);
  assert.deepEqual(names(pod.spec.volumes), ['ack-secret-injector-files', 'ack-secret-injector-token', 'ack-secret-injector-handoff']);
});

test('mutate -o json handles several files, a Job template and reports warnings on stderr', () => {
  const r = cli(['-f', fx('manifests/basic-pod.yaml'), '-f', fx('manifests/job-pod.yaml'), '--settings', fx('settings/basic.yaml'), '-o', 'json']);
  assert.equal(r.status, 0, r.stderr);
  const list = JSON.parse(r.stdout);
  assert.equal(list.kind, 'List');
  assert.deepEqual(list.items.map((i: { kind: string }) => i.kind), ['Pod', 'Job']);
  const template = list.items[1].spec.template;
  assert.equal(template.metadata.annotations['secret-injector.alibabacloud.com/status'], 'injected');
  assert.deepEqual(names(template.spec.initContainers), ['ack-secret-injector-init']);
  assert.deepEqual(names(template.spec.containers), ['migrate']);
  assert.equal(template.metadata.ownerReferences, undefined);
  assert.deepEqual(names(template.spec.volumes).filter((n: string) => n.includes('handoff')), [], 'init-only: no agent, no handoff volume');
  assert.match(r.stderr, /^Warning: test\/fixtures\/manifests\/job-pod.yaml document 3: pod of Job migrate: secrets are fetched once \(init-only\) since a classic sidecar would keep the pod from completing/m);
});

test('mutate with --server-version picks native sidecars under nativeSidecar auto', () => {
  const r = cli(['-f', fx('manifests/basic-pod.yaml'), '--settings', fx('settings/native.yaml'), '--server-version', 'v1.30.2']);
  assert.equal(r.status, 0, r.stderr);
  const pod = parse(r.stdout);
  assert.deepEqual(names(pod.spec.initContainers), ['ack-secret-injector-init', 'ack-secret-injector-agent']);
  assert.equal(pod.spec.initContainers[1].restartPolicy, 'Always');
  assert.deepEqual(names(pod.spec.containers), ['app']);
});

test('mutate reads manifests from stdin (YAML 1.1 like kubectl) and mutates Deployment templates, leaving opted-out pods unchanged', () => {
  const input = [
    'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: web, annotations: {ack.alibabacloud.com/role-arn: "acs:ram::1:role/web"}}',
    'apiVersion: alibabacloud.com/v1alpha1\nkind: ExternalSecret\nmetadata: {name: db}\nspec: {data: [{key: db}]}',
    'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    metadata:\n      labels: {secret-injector.alibabacloud.com/inject: "true"}\n      annotations: {secret-injector.alibabacloud.com/external-secrets: db}\n    spec:\n      serviceAccountName: web\n      containers: [{name: app, image: nginx}]\n      volumes: [{name: cfg, configMap: {name: cfg, defaultMode: 0440}}]',
    'apiVersion: v1\nkind: Pod\nmetadata: {name: plain}\nspec:\n  containers: [{name: app, image: nginx}]',
  ].join('\n---\n');
  const r = cli(['-f', '-', '--settings', fx('settings/basic.yaml')], input);
  assert.equal(r.status, 0, r.stderr);
  const docs = parseAllDocuments(r.stdout).map((d) => d.toJS());
  assert.equal(docs.length, 2);
  assert.deepEqual(names(docs[0].spec.template.spec.containers), ['app', 'ack-secret-injector-agent']);
  assert.equal(docs[0].metadata.namespace, undefined);
  assert.equal(docs[0].spec.template.spec.volumes[0].configMap.defaultMode, 0o440, 'a leading-zero mode stays octal, as kubectl reads it');
  assert.deepEqual(docs[1], { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'plain' }, spec: { containers: [{ name: 'app', image: 'nginx' }] } });
});

test('mutate exits with a status and a message for each kind of failure', async (t) => {
  const cases: { name: string; args: string[]; status: number; stderr: RegExp }[] = [
    { name: 'a denied pod exits 3 with every problem on stderr', args: ['-f', fx('manifests/denied-pod.yaml'), '--settings', fx('settings/basic.yaml')], status: 3, stderr: /^mutate: E_DENIED: test\/fixtures\/manifests\/denied-pod.yaml document 2: ack-secret-injector cannot inject pod shop\/bad: 2 problems: \(1\) annotation secret-injector.alibabacloud.com\/mode: invalid value "forever"; expected "sidecar" or "init-only"; \(2\) ExternalSecret shop\/missing not found/ },
    { name: 'missing --settings exits 2', args: ['-f', fx('manifests/basic-pod.yaml')], status: 2, stderr: /E_CONFIG: --settings: required/ },
    { name: 'missing -f exits 2', args: ['--settings', fx('settings/basic.yaml')], status: 2, stderr: /-f\/--filename: required/ },
    { name: 'a bad output format exits 2', args: ['-f', fx('manifests/basic-pod.yaml'), '--settings', fx('settings/basic.yaml'), '-o', 'xml'], status: 2, stderr: /-o\/--output: invalid value "xml"; expected yaml or json/ },
    { name: 'an unknown flag exits 2', args: ['--bogus'], status: 2, stderr: /E_CONFIG: Unknown option '--bogus'/ },
    { name: 'a missing manifest file exits 2 naming it', args: ['-f', 'no/such.yaml', '--settings', fx('settings/basic.yaml')], status: 2, stderr: /E_INPUT: cannot read no\/such.yaml/ },
    { name: 'a file without pods exits 2', args: ['-f', fx('settings/basic.yaml'), '--settings', fx('settings/basic.yaml')], status: 2, stderr: /^mutate: E_INPUT: cannot read manifests: test\/fixtures\/settings\/basic.yaml document 1: apiVersion is missing; .*kind is missing; .*metadata.name is missing/ },
    { name: 'a multi-document settings file exits 2 naming it', args: ['-f', fx('manifests/basic-pod.yaml'), '--settings', fx('manifests/basic-pod.yaml')], status: 2, stderr: /^mutate: E_CONFIG: settings file test\/fixtures\/manifests\/basic-pod.yaml is not valid YAML or JSON: Source contains multiple documents/ },
    { name: 'a settings file that is a list exits 2', args: ['-f', fx('manifests/basic-pod.yaml'), '--settings', fx('admission/init-only.patch.json')], status: 2, stderr: /^mutate: E_CONFIG: test\/fixtures\/admission\/init-only.patch.json: settings: expected a mapping of setting names to values, got a list$/m },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const r = cli(c.args);
      assert.equal(r.status, c.status, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, c.stderr);
    });
  }
});

test('mutate --help prints the usage and exits 0', () => {
  const r = cli(['--help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^Usage: ack-secret-injector mutate -f FILE/);
  assert.match(r.stdout, /--server-version V/);
});

test('mutate resolves a ClusterExternalSecret, prints no-effect fields as warnings, and denies a wrong shape by field (issue 17)', () => {
  const objects = [
    // The Namespace object: namespace conditions are evaluated against it (fail-closed without it, as upstream).
    'apiVersion: v1\nkind: Namespace\nmetadata: {name: default}',
    'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: web, annotations: {ack.alibabacloud.com/role-arn: "acs:ram::1:role/web"}}',
    'apiVersion: alibabacloud.com/v1alpha1\nkind: ClusterExternalSecret\nmetadata: {name: shared}\nspec:\n  externalSecretName: db\n  conditions: [{namespaces: [default]}]\n  externalSecretSpec: {type: Opaque, rotationInterval: 5m, data: [{key: shared/db, name: password}]}',
    'apiVersion: v1\nkind: Pod\nmetadata: {name: web, labels: {secret-injector.alibabacloud.com/inject: "true"}, annotations: {secret-injector.alibabacloud.com/external-secrets: db}}\nspec:\n  serviceAccountName: web\n  containers: [{name: app, image: nginx}]',
  ];
  const ok = cli(['-f', '-', '--settings', fx('settings/basic.yaml'), '-o', 'json'], objects.join('\n---\n'));
  assert.equal(ok.status, 0, ok.stderr);
  const pod = JSON.parse(ok.stdout);
  const config = JSON.parse(pod.spec.initContainers[0].env.find((e: { name: string }) => e.name === 'SECRET_INJECTOR_CONFIG').value);
  assert.deepEqual(config.externalSecrets[0], { name: 'db', provider: 'kms', data: [{ key: 'shared/db', profile: 'pod-serviceaccount', name: 'password' }], dataProcess: [], refreshIntervalSeconds: 300 });
  assert.match(ok.stderr, /^Warning: .*ClusterExternalSecret shared spec\.externalSecretSpec\.type: has no effect in a pod: Files have no Secret type/m);
  const bad = cli(['-f', '-', '--settings', fx('settings/basic.yaml')], objects.join('\n---\n').replace('namespaces: [default]', 'namespaces: default'));
  assert.equal(bad.status, 3);
  assert.match(bad.stderr, /ClusterExternalSecret shared spec\.conditions\[0\]\.namespaces: expected a list, each a string, got a string "default"/);
});
