/**
 * The template engine against Go: every case of test/fixtures/templates/template-cases.json
 * (expectations produced by the real text/template + Sprig in go-oracle/) must give the same
 * output byte for byte, or an error of the same kind — parse errors on the same line, execution
 * errors at the same line:column. When Go
 * is installed, the oracle is rebuilt and re-run, and the checked-in expectations must still be
 * what it prints (regenerate: node test/fixtures/templates/go-oracle/regenerate.mjs).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { EXCLUDED, FUNCS } from '../../common/templates/index.ts';
import { TEMPLATE_CASES_PATH, goErrorLine, loadTemplateCases, runCase } from '../fixtures/templates/template-cases.ts';

/**
 * Cases where the engine deliberately differs from Go, with the documented behaviour instead
 * (docs/templates.md, "Differences from Go"): an error kind, or the output the engine prints
 * given Go's.
 */
const KNOWN_DIFFERENCES: Readonly<Record<string, { why: string; expect: 'parse' | 'exec' | ((goOutput: string) => string) }>> = {
  'perr-complex-lexeme': { why: 'complex constants (1+2i) are rejected at parse time', expect: 'parse' },
  'decryptAES-wrong-password-binary-output': {
    why: 'template strings are text: bytes that are not UTF-8 become U+FFFD (Go keeps the raw bytes)',
    expect: (go) => Buffer.from(Buffer.from(go, 'base64').toString('utf8')).toString('base64'),
  },
  'date-abbrev-historical-berlin-1945': { why: 'abbreviations outside 2000–2037 that Intl cannot print are numeric', expect: (go) => go.replace('CEMT', '+03') },
  'date-abbrev-historical-shanghai-1990': { why: 'abbreviations outside 2000–2037 that Intl cannot print are numeric', expect: (go) => go.replace('CDT', '+09') },
};

const cases = loadTemplateCases();
/** `line:col` of an exec error message (`template: t:2:5: executing ...`). */
const location = (message: string): string | undefined => /^template: t:(\d+:\d+):/.exec(message)?.[1];

describe('template engine vs Go text/template + Sprig (oracle expectations)', () => {
  it('has at least 300 oracle cases', () => assert.ok(cases.length >= 300, `${cases.length} cases`));

  for (const c of cases) {
    it(c.name, () => {
      const got = runCase(c);
      const known = KNOWN_DIFFERENCES[c.name];
      if (known !== undefined) {
        const expect = known.expect;
        if (typeof expect === 'function') {
          assert.ok('output' in got && c.output !== undefined, `${c.name}: ${known.why}`);
          assert.notEqual(got.output, c.output, `${c.name} now matches Go: remove it from KNOWN_DIFFERENCES`);
          assert.equal(got.output, expect(c.output), `${c.name}: ${known.why}`);
        } else assert.ok('error' in got && got.error === expect, `${c.name}: ${known.why}`);
        return;
      }
      if (c.error !== undefined) {
        assert.ok('error' in got, `Go fails (${c.error.message}); the engine printed ${JSON.stringify('output' in got ? got.output : '')}`);
        assert.equal(got.error, c.error.kind, `Go: ${c.error.message}\nengine: ${got.message}`);
        if (c.error.kind === 'parse') assert.equal(got.line, goErrorLine(c.error.message), `Go: ${c.error.message}\nengine: ${got.message}`);
        else assert.equal(location(got.message), location(c.error.message), 'exec errors are reported at the same line:column as Go');
        return;
      }
      assert.ok('output' in got, `Go prints ${JSON.stringify(c.output)}; the engine failed: ${'message' in got ? got.message : ''}`);
      assert.equal(got.output, c.output);
    });
  }

  it('every Sprig v3 function is implemented or excluded with a reason', () => {
    const sprig = (JSON.parse(readFileSync(TEMPLATE_CASES_PATH, 'utf8')) as { sprigFunctions: string[] }).sprigFunctions;
    assert.ok(sprig.length > 150);
    const unaccounted = sprig.filter((f) => !FUNCS.has(f) && !EXCLUDED.has(f));
    assert.deepEqual(unaccounted, []);
    const both = sprig.filter((f) => FUNCS.has(f) && EXCLUDED.has(f));
    assert.deepEqual(both, []);
  });
});

const hasGo = spawnSync('go', ['version']).status === 0;

describe('oracle expectations are current', { skip: hasGo ? false : 'Go is not installed' }, () => {
  it('re-running go-oracle reproduces template-cases.json', async () => {
    const { cases: source } = await import('../fixtures/templates/go-oracle/cases.mjs') as { cases: [string, string, Record<string, string>, string?][] };
    const { runOracle } = await import('../fixtures/templates/go-oracle/run-oracle.mjs') as { runOracle: (c: unknown) => { Results: { Name: string; Out: string; ErrKind: string; Err: string }[] } };
    const { Results } = runOracle(source);
    assert.equal(Results.length, cases.length, 'case count: regenerate template-cases.json');
    Results.forEach((r, i) => {
      const c = cases[i]!;
      assert.equal(c.name, r.Name);
      assert.equal(c.template, source[i]![1], `${c.name}: template changed; regenerate`);
      if (r.ErrKind === '') assert.equal(c.output, r.Out, c.name);
      else assert.equal(c.error?.kind, r.ErrKind, c.name);
    });
  });
});
