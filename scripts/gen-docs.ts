/**
 * `npm run docs`: rewrites the generated parts of the docs from the code, so they cannot drift:
 * the annotation table in README.md and docs/annotations.md (between its markers), and the whole
 * of docs/compatibility.md (scripts/compatibility-doc.ts). The unit tests
 * test/unit/docs-generated.test.ts and compatibility-doc.test.ts fail when a generated part is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withAnnotationTable } from '../webhook/admission/annotations/docs-table.ts';
import { renderCompatibilityDoc } from './compatibility-doc.ts';

const ROOT = join(import.meta.dirname, '..');
/** Files holding the generated annotation table. */
export const ANNOTATION_TABLE_FILES = ['README.md', 'docs/annotations.md'];

if (import.meta.main) {
  for (const file of ANNOTATION_TABLE_FILES) {
    const path = join(ROOT, file);
    const before = readFileSync(path, 'utf8');
    const after = withAnnotationTable(before);
    if (after !== before) { writeFileSync(path, after); console.log(`docs: ${file} updated`); }
  }
  const compat = join(ROOT, 'docs/compatibility.md');
  if (readFileSync(compat, 'utf8') !== renderCompatibilityDoc()) { writeFileSync(compat, renderCompatibilityDoc()); console.log('docs: docs/compatibility.md updated'); }
}
