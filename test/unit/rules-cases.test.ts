/**
 * The table of rule cases (test/fixtures/render/rule-cases.json, ≥ 40 cases, JSON and YAML
 * inputs, every branch of data / jmesPath / extract / replaceRule / binary / versions) through
 * the library: values file → listFetches → applyRules. render-command.test.ts drives the same
 * table through the CLI.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyRules, listFetches } from '../../injector/rules/index.ts';
import { fetchResultsFromValues, parseValuesFile } from '../../injector/values-file.ts';
import { planExternalSecret } from '../../injector/render-command.ts';
import { expectedFiles, loadRuleCases } from '../fixtures/render/rule-cases.ts';

const cases = loadRuleCases();

describe('rule cases through the library', () => {
  it('has at least 40 uniquely named cases', () => {
    assert.ok(cases.length >= 40, `only ${cases.length} cases`);
    assert.equal(new Set(cases.map((c) => c.name)).size, cases.length);
  });

  for (const c of cases) {
    it(c.name, () => {
      const problems: string[] = [];
      const es = planExternalSecret({ metadata: { name: c.name }, spec: c.spec as unknown as Record<string, unknown> }, c.name, problems);
      assert.deepEqual(problems, []);
      assert.ok(es !== undefined);
      const values = parseValuesFile(JSON.stringify(c.values), 'values.json');
      // The table models ack-secret-manager, so its jmesPath fallback is on (issue 17 made it opt-in).
      const { files, failures } = applyRules(es, fetchResultsFromValues(values, listFetches(es)), values.templates, { jmesPathRawFallback: true });
      const got = Object.fromEntries([...files].map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
      const want = Object.fromEntries([...expectedFiles(c)].map(([k, v]) => [k, v.toString('base64')]));
      assert.deepEqual(got, want);
      assert.deepEqual(
        failures.map((f) => ({ key: f.key, code: f.code })).sort((a, b) => a.key.localeCompare(b.key)),
        [...c.failures].sort((a, b) => a.key.localeCompare(b.key)),
      );
      const secretTexts = Object.values(c.values.kms ?? {}).concat(Object.values(c.values.oos ?? {}))
        .flatMap((v) => (Array.isArray(v) ? v : [v]))
        .map((v) => (typeof v === 'string' ? v : String((v as { data: string }).data)))
        .filter((v) => v.length >= 6);
      for (const f of failures) {
        assert.equal(f.externalSecret, c.name);
        for (const text of secretTexts) assert.ok(!f.message.includes(text), `failure message leaks a value: ${f.message}`);
      }
    });
  }
});
