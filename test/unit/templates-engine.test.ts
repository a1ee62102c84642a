/**
 * Template engine behaviour the Go oracle cannot pin down: random salts (bcrypt/htpasswd are
 * checked by verifying the hash), our own limits (steps, output, depth, bcrypt cost), error
 * codes and positions, and the reason given for excluded Sprig functions.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import bcryptjs from 'bcryptjs';
import { TemplateExecError, TemplateParseError, executeTemplate, parseTemplate, secretData } from '../../common/templates/index.ts';

const run = (tpl: string, data: Record<string, string> = {}, limits = {}): string => executeTemplate(parseTemplate('t', tpl), secretData(data), { limits });

describe('bcrypt and htpasswd (random salt: verified, not compared)', () => {
  const cases: { name: string; tpl: string; password: string; prefix: string }[] = [
    { name: 'bcrypt default cost 10, $2a$ like Go', tpl: '{{ bcrypt .pw }}', password: 'p@ss', prefix: '$2a$10$' },
    { name: 'bcrypt explicit cost', tpl: '{{ bcrypt .pw 5 }}', password: 'x', prefix: '$2a$05$' },
    { name: 'bcrypt cost below 4 falls back to 10 (Go MinCost rule)', tpl: '{{ bcrypt .pw 2 }}', password: 'x', prefix: '$2a$10$' },
    { name: 'bcrypt of a UTF-8 password', tpl: '{{ bcrypt .pw 4 }}', password: 'pässwörd', prefix: '$2a$04$' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const h = run(c.tpl, { pw: c.password });
      assert.ok(h.startsWith(c.prefix), h);
      assert.equal(h.length, 60);
      assert.ok(bcryptjs.compareSync(c.password, h));
    });
  }
  it('htpasswd is user:bcrypt and a newline', () => {
    const line = run('{{ htpasswd "admin" .pw }}', { pw: 'secret' });
    const m = /^admin:(\$2a\$10\$.{53})\n$/.exec(line);
    assert.ok(m, line);
    assert.ok(bcryptjs.compareSync('secret', m[1]!));
  });
  it('passwords over 72 bytes give "" as Go bcrypt errors do', () => assert.equal(run('{{ bcrypt .pw 4 }}', { pw: 'x'.repeat(73) }), ''));
  it('a cost above 12 is an execution error (bounded work)', () => assert.throws(() => run('{{ bcrypt "x" 13 }}'), (e: unknown) => e instanceof TemplateExecError && /cost 13 is above the allowed 12/.test(e.message)));
});

describe('errors: stable codes and positions', () => {
  const cases: { name: string; tpl: string; code: string; line: number; column: number; text: RegExp }[] = [
    { name: 'parse error line and byte column', tpl: 'ok\n  {{ if }}', code: 'E_TEMPLATE_PARSE', line: 2, column: 8, text: /missing value for if/ },
    { name: 'column counts UTF-8 bytes like Go', tpl: 'é {{ nofn }}', code: 'E_TEMPLATE_PARSE', line: 1, column: 6, text: /function "nofn" not defined/ },
    { name: 'excluded function says why', tpl: '{{ env "HOME" }}', code: 'E_TEMPLATE_PARSE', line: 1, column: 3, text: /not supported by ack-secret-injector: the injector's environment/ },
    { name: 'exec error names the node', tpl: 'a\n{{ .x.y }}', code: 'E_TEMPLATE_EXEC', line: 2, column: 5, text: /executing "t" at <\.x\.y>: can't evaluate field y in type string/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.throws(() => run(c.tpl, { x: 's' }), (e: unknown) => {
        assert.ok(e instanceof TemplateParseError || e instanceof TemplateExecError);
        assert.equal(e.code, c.code);
        assert.equal(e.line, c.line);
        assert.equal(e.column, c.column);
        assert.match(e.message, c.text);
        return true;
      });
    });
  }
});

describe('bounded work', () => {
  const cases: { name: string; tpl: string; limits: object; text: RegExp }[] = [
    { name: 'step budget stops a long range', tpl: '{{ range until 100000 }}{{ end }}', limits: { maxSteps: 1000 }, text: /exceeded 1000 steps/ },
    { name: 'output budget', tpl: '{{ range until 100 }}0123456789{{ end }}', limits: { maxOutputBytes: 500 }, text: /output exceeds 500 bytes/ },
    { name: 'template depth', tpl: '{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" . }}', limits: { maxDepth: 50 }, text: /maximum template depth \(50\)/ },
    { name: 'repeat size', tpl: '{{ repeat 100000000 "abc" }}', limits: {}, text: /Repeat output too large/ },
    { name: 'until size', tpl: '{{ until 10000000 }}', limits: {}, text: /more than 1000000 elements/ },
  ];
  for (const c of cases) it(c.name, () => assert.throws(() => run(c.tpl, {}, c.limits), (e: unknown) => e instanceof TemplateExecError && c.text.test(e.message)));
});

describe('the ExternalSecret dot', () => {
  it('keys that are not identifiers are read with index', () => assert.equal(run('{{ index . "raw-data" }}', { 'raw-data': 'v' }), 'v'));
  it('range over the dot is in sorted key order', () => assert.equal(run('{{ range $k, $v := . }}{{ $k }}{{ end }}', { b: '', a: '', C: '' }), 'Cab'));
  it('a missing key prints <no value> (missingkey=default, as ack-secret-manager)', () => assert.equal(run('{{ .nope }}'), '<no value>'));
});

describe('house style: the engine is small functions', () => {
  it('no function in common/templates/ or contract/template-plan.ts is longer than 80 lines', async () => {
    const ts = (await import('typescript')).default;
    const { readdirSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const root = join(import.meta.dirname, '..', '..');
    const files = (readdirSync(join(root, 'common/templates'), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => `common/templates/${f}`);
    files.push('contract/template-plan.ts', 'injector/rules/templates.ts', 'injector/files/template-sources.ts');
    const long: string[] = [];
    for (const file of files) {
      const sf = ts.createSourceFile(file, readFileSync(join(root, file), 'utf8'), ts.ScriptTarget.Latest, true);
      const visit = (node: import('typescript').Node): void => {
        if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
          const lines = sf.getLineAndCharacterOfPosition(node.getEnd()).line - sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
          if (lines > 80) long.push(`${file} (${lines} lines)`);
        }
        ts.forEachChild(node, visit);
      };
      visit(sf);
    }
    assert.ok(files.length > 20);
    assert.deepEqual(long, []);
  });
});
