/**
 * target.template through the rule engine and the planner `render` uses: the seed README's
 * examples, mergePolicy, templateAs, literal, fail-closed behaviour, missing sources, syntax
 * errors with line and column, and warnings for fields that only describe a Kubernetes Secret.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planTemplate } from '../../contract/template-plan.ts';
import { planExternalSecret } from '../../injector/render-command.ts';
import { applyRules, listFetches } from '../../injector/rules/index.ts';
import { fetchResultsFromValues, parseValuesFile } from '../../injector/values-file.ts';
import { loadTemplateEngine } from '../../injector/rules/template-engine.ts';

// The rules reach the engine through the lazy loader, as the agent does (template-engine.ts).
await loadTemplateEngine();

interface Case {
  name: string;
  spec: Record<string, unknown>;
  values: Record<string, unknown>;
  files?: Record<string, string>;
  failures?: { key: string; code: string; message: RegExp }[];
}

const data = (...keys: string[]): { key: string; name: string }[] => keys.map((k) => ({ key: `s-${k}`, name: k }));
const kms = (o: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(o).map(([k, v]) => [`s-${k}`, v]));

const cases: Case[] = [
  {
    name: 'seed README inline example (fixed with index) renders both keys; Replace drops raw keys',
    spec: { data: data('raw-data', 'status'), target: { template: { data: { 'formatted-config': '{"host": {{ index . "raw-data" | quote }}, "port": {{ "5432" | int }}}', 'is-active': '{{ if eq .status "active" }}true{{ else }}false{{ end }}' } } } },
    values: { kms: kms({ 'raw-data': 'db.example.com', status: 'active' }) },
    files: { 'formatted-config': '{"host": "db.example.com", "port": 5432}', 'is-active': 'true' },
  },
  {
    name: 'Merge keeps raw keys and a template key wins',
    spec: { data: data('user', 'password'), target: { template: { mergePolicy: 'Merge', data: { password: '{{ .password | upper }}', dsn: '{{ .user }}:{{ .password }}' } } } },
    values: { kms: kms({ user: 'u', password: 'p' }) },
    files: { user: 'u', password: 'P', dsn: 'u:p' },
  },
  {
    name: 'empty data map keeps raw keys (as ack-secret-manager)',
    spec: { data: data('a'), target: { template: { data: {} } } },
    values: { kms: kms({ a: '1' }) },
    files: { a: '1' },
  },
  {
    name: 'templateFrom: ConfigMap Values, Secret KeysAndValues, literal under "literal"',
    spec: { data: data('host', 'password'), target: { template: { templateFrom: [
      { configMap: { name: 'cm', items: [{ key: 'database-config' }] } },
      { secret: { name: 'sec', items: [{ key: 'kv', templateAs: 'KeysAndValues' }] } },
      { literal: 'APP_ENV={{ .environment | default "production" }}' },
    ] } } },
    values: { kms: kms({ host: 'h', password: 'p' }), configMaps: { cm: { 'database-config': 'host: {{ .host }}' } }, secrets: { sec: { kv: 'DSN = pg://{{ .host }}\n# note\nnoequals\nPW={{ .password }}\n' } } },
    files: { 'database-config': 'host: h', DSN: 'pg://h', PW: 'p', literal: 'APP_ENV=production' },
  },
  {
    name: 'a later templateFrom entry wins over an earlier key',
    spec: { data: data('a'), target: { template: { data: { literal: 'inline' }, templateFrom: [{ literal: 'from-literal' }] } } },
    values: { kms: kms({ a: '1' }) },
    files: { literal: 'from-literal' },
  },
  {
    name: 'execution error fails the ExternalSecret: no files',
    spec: { data: data('a'), target: { template: { data: { out: '{{ .a.b }}' } } } },
    values: { kms: kms({ a: 'str' }) },
    files: {},
    failures: [{ key: 'out', code: 'E_TEMPLATE', message: /target\.template\.data\["out"\]: E_TEMPLATE_EXEC: template: out:1:5: executing "out" at <\.a\.b>: can't evaluate field b in type string/ }],
  },
  {
    name: 'missing ConfigMap key fails the ExternalSecret, naming it',
    spec: { data: data('a'), target: { template: { templateFrom: [{ configMap: { name: 'cm', items: [{ key: 'nope' }] } }] } } },
    values: { kms: kms({ a: '1' }), configMaps: { cm: { other: 'x' } } },
    files: {},
    failures: [{ key: 'nope', code: 'E_TEMPLATE', message: /ConfigMap "cm" has no key "nope"/ }],
  },
  {
    name: 'syntax error in a ConfigMap template fails at render time with its position',
    spec: { data: data('a'), target: { template: { templateFrom: [{ configMap: { name: 'cm', items: [{ key: 't' }] } }] } } },
    values: { kms: kms({ a: '1' }), configMaps: { cm: { t: 'ok\n{{ if }}' } } },
    files: {},
    failures: [{ key: 'configMap/cm/t', code: 'E_TEMPLATE', message: /E_TEMPLATE_PARSE: template: configMap\/cm\/t:2:\d+: missing value for if/ }],
  },
  {
    name: 'fail-closed: a failed data entry means templates are not rendered',
    spec: { data: [...data('a'), { key: 'absent', name: 'b' }], target: { template: { data: { out: '{{ .a }}' } } } },
    values: { kms: kms({ a: '1' }) },
    files: {},
    failures: [{ key: 'absent', code: 'E_PROVIDER', message: /does not exist/ }],
  },
  {
    name: 'a KeysAndValues key that is not a valid file name is dropped and reported',
    spec: { data: data('a'), target: { template: { templateFrom: [{ literal: 'x' }, { secret: { name: 's', items: [{ key: 'k', templateAs: 'KeysAndValues' }] } }] } } },
    values: { kms: kms({ a: '1' }), secrets: { s: { k: 'good=1\nbad/key=2' } } },
    files: { literal: 'x', good: '1' },
    failures: [{ key: 'bad/key', code: 'E_TEMPLATE', message: /not written/ }],
  },
];

describe('target.template through the rule engine', () => {
  for (const c of cases) {
    it(c.name, () => {
      const problems: string[] = [];
      const es = planExternalSecret({ metadata: { name: 'es' }, spec: c.spec }, 'es', problems);
      assert.deepEqual(problems, []);
      const values = parseValuesFile(JSON.stringify(c.values), 'values');
      const applied = applyRules(es!, fetchResultsFromValues(values, listFetches(es!)), values.templates);
      assert.deepEqual(Object.fromEntries([...applied.files].map(([k, v]) => [k, Buffer.from(v).toString('utf8')])), c.files);
      assert.equal(applied.failures.length, (c.failures ?? []).length, JSON.stringify(applied.failures));
      (c.failures ?? []).forEach((f, i) => {
        const got = applied.failures[i]!;
        assert.equal(got.key, f.key);
        assert.equal(got.code, f.code);
        assert.match(got.message, f.message);
      });
    });
  }
});

describe('planTemplate: denials and warnings at admission / render', () => {
  const table: { name: string; target: unknown; problems?: RegExp[]; warnings?: RegExp[] }[] = [
    { name: 'the seed README original (.raw-data) is a syntax error with line and column', target: { template: { data: { 'formatted-config': '{\n"host": "{{ .raw-data | quote }}"\n}' } } }, problems: [/spec\.target\.template\.data\["formatted-config"\]: template syntax error at line 2, column 12: bad character U\+002D '-'/] },
    { name: 'literal syntax error', target: { template: { templateFrom: [{ literal: '{{ end }}' }] } }, problems: [/templateFrom\[0\]\.literal: template syntax error at line 1, column \d+: unexpected \{\{end\}\}/] },
    { name: 'excluded function is denied with the reason', target: { template: { data: { a: '{{ env "HOME" }}' } } }, problems: [/function "env" not defined \(not supported by ack-secret-injector/] },
    { name: 'bad mergePolicy', target: { template: { mergePolicy: 'Overwrite', data: { a: 'x' } } }, problems: [/mergePolicy: invalid value "Overwrite"; expected "Replace" \(default\) or "Merge"/] },
    { name: 'bad templateAs', target: { template: { templateFrom: [{ configMap: { name: 'cm', items: [{ key: 'k', templateAs: 'Keys' }] } }] } }, problems: [/templateAs: invalid value "Keys"/] },
    { name: 'two sources in one entry', target: { template: { templateFrom: [{ literal: 'x', configMap: { name: 'cm', items: [{ key: 'k' }] } }] } }, problems: [/set exactly one of configMap, secret, literal \(found configMap, literal\)/] },
    { name: 'invalid file name', target: { template: { data: { 'a/b': 'x' } } }, problems: [/is not a valid file name/] },
    { name: 'metadata, type, target.name and Labels/Annotations targets warn', target: { name: 'my-secret', template: { type: 'kubernetes.io/tls', metadata: { labels: { a: 'b' } }, templateFrom: [{ literal: 'x', target: 'Annotations' }, { literal: 'y', target: 'Labels' }] } }, warnings: [/target\.name: "my-secret" has no effect/, /template\.type: "kubernetes\.io\/tls" has no effect/, /template\.metadata: has no effect/, /templateFrom\[0\]\.target: Annotations has no effect/, /templateFrom\[1\]\.target: Labels has no effect/] },
  ];
  for (const c of table) {
    it(c.name, () => {
      const plan = planTemplate(c.target, 'ExternalSecret ns/es spec');
      assert.equal(plan.problems.length, (c.problems ?? []).length, plan.problems.join('\n'));
      (c.problems ?? []).forEach((re, i) => assert.match(plan.problems[i]!, re));
      assert.equal(plan.warnings.length, (c.warnings ?? []).length, plan.warnings.join('\n'));
      (c.warnings ?? []).forEach((re, i) => assert.match(plan.warnings[i]!, re));
    });
  }
});
