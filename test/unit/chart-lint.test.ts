import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { CHART_DIR, CI_VALUES, NAMESPACE, RELEASE, runHelm } from './chart-harness.ts';

describe('chart lint', () => {
  it('helm lint --strict passes with the CI values', async () => {
    const run = await runHelm(['lint', '--strict', CHART_DIR, '-f', CI_VALUES]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    assert.doesNotMatch(run.stdout, /\[(WARNING|ERROR)\]/);
  });

  it('helm lint --strict passes for every certificate mode', async () => {
    for (const extra of [
      ['--set', 'certificates.mode=cert-manager'],
      ['--set', 'certificates.mode=existing-secret', '--set', 'certificates.secretName=t', '--set-string', 'certificates.existingSecret.caBundle=-----BEGIN CERTIFICATE-----x'],
    ]) {
      const run = await runHelm(['lint', '--strict', CHART_DIR, '-f', CI_VALUES, ...extra]);
      assert.equal(run.code, 0, `${extra.join(' ')}: ${run.stdout}${run.stderr}`);
    }
  });

  it('Chart.yaml is apiVersion v2, version and appVersion 0.1.0', async () => {
    const chart = parseYaml(await readFile(join(CHART_DIR, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual([chart['apiVersion'], chart['name'], chart['version'], chart['appVersion']], ['v2', 'ack-secret-injector', '0.1.0', '0.1.0']);
  });

  it('values.schema.json describes every key of values.yaml', async () => {
    const values = parseYaml(await readFile(join(CHART_DIR, 'values.yaml'), 'utf8')) as Record<string, unknown>;
    const schema = JSON.parse(await readFile(join(CHART_DIR, 'values.schema.json'), 'utf8')) as Record<string, unknown>;
    const missing: string[] = [];
    const walk = (value: unknown, node: Record<string, unknown> | undefined, path: string): void => {
      if (node === undefined) {
        missing.push(path);
        return;
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
      const props = node['properties'] as Record<string, Record<string, unknown>> | undefined;
      // Free-form maps (annotations, resources of the webhook, affinity) have no fixed keys.
      if (props === undefined) return;
      for (const [k, v] of Object.entries(value)) walk(v, props[k], path === '' ? k : `${path}.${k}`);
    };
    walk(values, schema, '');
    assert.deepEqual(missing, []);
  });
});

describe('chart values are checked before anything is installed', () => {
  const cases: { name: string; args: string[]; expect: RegExp[] }[] = [
    {
      name: 'the schema rejects an unknown mode, an out-of-range timeout and an unknown key, all at once',
      args: ['--set', 'certificates.mode=vault', '--set', 'webhook.timeoutSeconds=60', '--set', 'bogus=1'],
      expect: [/\/certificates\/mode': value must be one of 'self-managed', 'cert-manager', 'existing-secret'/, /\/webhook\/timeoutSeconds': maximum: got 60, want 30/, /additional properties 'bogus' not allowed/],
    },
    {
      name: 'the schema rejects a malformed region and a webhook url that is not https /mutate',
      args: ['--set', 'settings.region=Hangzhou', '--set', 'webhook.url=http://127.0.0.1/mutate'],
      expect: [/\/settings\/region/, /\/webhook\/url/],
    },
    {
      name: 'the schema rejects a malformed self-managed DNS name and IP address',
      args: ['--set', 'certificates.selfManaged.extraDnsNames={Hook_Example.com}', '--set', 'certificates.selfManaged.ipAddresses={300.1.1.1}'],
      expect: [/\/certificates\/selfManaged\/extraDnsNames\/0'/, /\/certificates\/selfManaged\/ipAddresses\/0'/],
    },
    {
      name: 'the schema rejects webhook.nodeOptions that are not --flags (a shell word would reach NODE_OPTIONS)',
      args: ['--set-string', 'webhook.nodeOptions=-r ./evil.js'],
      expect: [/\/webhook\/nodeOptions'/],
    },
    {
      name: 'the schema rejects a misspelt settings key',
      args: ['--set', 'settings.refreshInterval=1m'],
      expect: [/\/settings': additional properties 'refreshInterval' not allowed/],
    },
    {
      name: 'the schema rejects an account id given as a number (it would lose precision)',
      args: ['--set', 'settings.accountId=1234567890123456'],
      expect: [/\/settings\/accountId': got number, want string/],
    },
    {
      name: 'missing region and OIDC identity are reported together',
      args: ['--set', 'settings.region=', '--set', 'settings.accountId=', '--set', 'settings.clusterId='],
      expect: [/invalid values \(2 problem\(s\)\)/, /settings\.region: required/, /settings\.oidcProviderArn: required unless both settings\.accountId and settings\.clusterId are set/],
    },
    {
      name: 'existing-secret without a Secret name or CA bundle names both values',
      args: ['--set', 'certificates.mode=existing-secret'],
      expect: [/certificates\.secretName: required with certificates\.mode existing-secret/, /certificates\.existingSecret\.caBundle: required with certificates\.mode existing-secret/],
    },
    {
      name: 'a webhook url without a caBundle is refused when nothing at run time would fill it (cert-manager)',
      args: ['--set', 'webhook.url=https://127.0.0.1:8443/mutate', '--set', 'certificates.mode=cert-manager'],
      expect: [/webhook\.caBundle: required with webhook\.url/],
    },
    {
      name: 'a PodDisruptionBudget that would block every drain is refused',
      args: ['--set', 'replicaCount=1'],
      expect: [/podDisruptionBudget\.minAvailable: 1 with replicaCount 1 would block every node drain/],
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const run = await runHelm(['template', RELEASE, CHART_DIR, '--namespace', NAMESPACE, '-f', CI_VALUES, ...c.args]);
      assert.notEqual(run.code, 0, 'helm template must fail');
      for (const re of c.expect) assert.match(run.stderr, re);
    });
  }
});

describe('chart NOTES.txt', () => {
  it('tells the user how to opt a pod in (label, annotation, ServiceAccount role)', async () => {
    // helm renders NOTES.txt only on install (which wants a cluster). A copy of the chart that
    // wraps the same text in a named template and emits it inside a ConfigMap lets
    // `helm template` render it offline.
    const dir = await mkdtemp(join(tmpdir(), 'chart-notes-'));
    try {
      const chart = join(dir, 'chart');
      await cp(CHART_DIR, chart, { recursive: true });
      const notes = await readFile(join(chart, 'templates/NOTES.txt'), 'utf8');
      await rm(join(chart, 'templates/NOTES.txt'));
      await writeFile(join(chart, 'templates/_notes-under-test.tpl'), `{{- define "notesUnderTest" -}}\n${notes}{{- end -}}\n`);
      await writeFile(join(chart, 'templates/notes-under-test.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: {{ include "notesUnderTest" . | quote }}\n');
      const run = await runHelm(['template', RELEASE, chart, '--namespace', NAMESPACE, '-f', CI_VALUES, '--show-only', 'templates/notes-under-test.yaml']);
      assert.equal(run.code, 0, run.stderr);
      const text = String((parseYaml(run.stdout) as { data: { notes: string } }).data.notes);
      assert.match(text, /secret-injector\.alibabacloud\.com\/inject: "true"/);
      assert.match(text, /secret-injector\.alibabacloud\.com\/external-secrets: db/);
      assert.match(text, /ack\.alibabacloud\.com\/role-arn:/);
      assert.match(text, /Namespaces not sent to the webhook: kube-system, secret-injector\./);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
