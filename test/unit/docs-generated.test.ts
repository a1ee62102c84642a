/**
 * The generated parts of the docs match the code (issue 11: the docs cannot drift). When this
 * fails, run `npm run docs` and commit the result.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { renderAnnotationTable, withAnnotationTable } from '../../webhook/admission/annotations/docs-table.ts';
import { ANNOTATION_TABLE } from '../../webhook/admission/annotations/table.ts';
import { Annotation, INJECT_LABEL } from '../../contract/pod-annotations.ts';
import { ANNOTATION_TABLE_FILES } from '../../scripts/gen-docs.ts';

const ROOT = join(import.meta.dirname, '..', '..');

describe('docs: generated from the code', () => {
  for (const file of ANNOTATION_TABLE_FILES) {
    it(`${file} holds the current annotation table (npm run docs)`, () => {
      const text = readFileSync(join(ROOT, file), 'utf8');
      assert.equal(withAnnotationTable(text), text);
    });
  }
  it('the table has one row per key of the pod contract, each key once', () => {
    const keys = ANNOTATION_TABLE.map((e) => e.key);
    assert.deepEqual([...keys].sort(), [INJECT_LABEL, ...Object.values(Annotation)].sort());
  });
  it('a stale table is detected', () => {
    const stale = withAnnotationTable('x\n<!-- annotation-table:begin (generated from webhook/admission/annotations/table.ts by `npm run docs`) -->\n| old |\n<!-- annotation-table:end -->\n');
    assert.ok(stale.includes(renderAnnotationTable()) && !stale.includes('| old |'));
  });
});
