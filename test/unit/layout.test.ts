/**
 * The architecture, checked (issue 11): the two programs share only contract/ and common/, and
 * no function in webhook/ or injector/ grows past 80 lines — a function that long is a list of
 * steps that want names (STYLE.md item 5). Parsed with the TypeScript compiler the type check
 * already uses, so a function is what the language says it is, not a regex's guess.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

const ROOT = join(import.meta.dirname, '..', '..');
/** The longest function body allowed, in lines (issue 11). */
const MAX_FUNCTION_LINES = 80;

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

/** Relative import specifiers of a file, resolved to repository paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) out.push(relative(ROOT, join(ROOT, file, '..', m[1] as string)));
  return out;
}

/** Every function-like node longer than the limit: `file:line name (N lines)`. */
function longFunctions(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      if (lines > MAX_FUNCTION_LINES) {
        const name = (node as ts.FunctionDeclaration).name?.getText(sf) ?? '(anonymous)';
        found.push(`${file}:${start + 1} ${name} (${lines} lines)`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

describe('layout: the architecture in the folders', () => {
  const programs = [
    { dir: 'webhook', forbidden: 'injector/' },
    { dir: 'injector', forbidden: 'webhook/' },
    { dir: 'contract', forbidden: 'webhook/' },
    { dir: 'contract', forbidden: 'injector/' },
    { dir: 'common', forbidden: 'webhook/' },
    { dir: 'common', forbidden: 'injector/' },
  ];
  for (const { dir, forbidden } of programs) {
    it(`no file in ${dir}/ imports from ${forbidden}`, () => {
      const offenders = sourceFiles(dir).flatMap((f) => importsOf(f).filter((i) => i.startsWith(forbidden)).map((i) => `${f} → ${i}`));
      assert.deepEqual(offenders, []);
    });
  }
  for (const dir of ['webhook', 'injector']) {
    it(`no function in ${dir}/ is longer than ${MAX_FUNCTION_LINES} lines`, () => {
      assert.deepEqual(sourceFiles(dir).flatMap(longFunctions), []);
    });
  }
  it('the checker sees a long function (it can fail)', () => {
    const body = Array.from({ length: MAX_FUNCTION_LINES }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const sf = ts.createSourceFile('x.ts', `function long() {\n${body}\n}`, ts.ScriptTarget.Latest, true);
    let lines = 0;
    ts.forEachChild(sf, (n) => { if (ts.isFunctionDeclaration(n)) lines = sf.getLineAndCharacterOfPosition(n.getEnd()).line + 1; });
    assert.ok(lines > MAX_FUNCTION_LINES);
  });
});
