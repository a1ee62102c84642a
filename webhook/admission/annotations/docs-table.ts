/**
 * The Markdown table of docs/annotations.md, rendered from the annotation table, so the docs
 * cannot drift from the code: test/unit/webhook-annotations-docs.test.ts checks the docs hold
 * exactly this, and `npm run docs` writes it.
 */
import { PREFIX } from '../../../contract/pod-annotations.ts';
import { ANNOTATION_TABLE } from './table.ts';

/** The marker lines around the generated table in a Markdown file. */
export const TABLE_BEGIN = '<!-- annotation-table:begin (generated from webhook/admission/annotations/table.ts by `npm run docs`) -->';
export const TABLE_END = '<!-- annotation-table:end -->';

/** The table, one row per label/annotation, keys without the common prefix. */
export function renderAnnotationTable(): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const rows = ANNOTATION_TABLE.map((e) => {
    const kind = e.kind === 'label' ? '**label**' : 'annotation';
    return `| \`${e.key.slice(PREFIX.length)}\` | ${kind} | ${cell(e.default)} | ${cell(e.accepted)} | ${cell(e.meaning)} |`;
  });
  return ['| key | kind | default | accepted values | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** `text` with the part between the markers replaced by the current table (markers required). */
export function withAnnotationTable(text: string): string {
  const begin = text.indexOf(TABLE_BEGIN);
  const end = text.indexOf(TABLE_END);
  if (begin === -1 || end < begin) throw new Error(`the annotation table markers are missing: ${TABLE_BEGIN} … ${TABLE_END}`);
  return `${text.slice(0, begin + TABLE_BEGIN.length)}\n${renderAnnotationTable()}\n${text.slice(end)}`;
}
