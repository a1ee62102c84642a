/**
 * `target.template` and `templateFrom` applied to one ExternalSecret's raw keys (after `data`,
 * `jmesPath` and `dataProcess`), with ack-secret-manager 0.6.x's order and merge rules and the
 * engine of common/templates. Pure: ConfigMap/Secret template texts come in as `sources`
 * (the shell reads them from the volumes mounted into the injector containers, or from the
 * values file for `render`). Definitions: docs/templates.md.
 *
 * Any failure (a parse or execution error, a missing ConfigMap/Secret or key) fails the whole
 * ExternalSecret: no files are returned, so the agent keeps the last good ones.
 */
import { ErrorCode } from '../../common/errors.ts';
import type { ParsedTemplate, secretData } from '../../common/templates/index.ts';
import type { PlannedExternalSecret, PlannedTemplate, PlannedTemplateItem } from '../../contract/injector-config-schema.ts';
import { secretKeyProblem } from './secret-key.ts';
import type { TemplateCache } from './template-cache.ts';
import { templateEngine } from './template-engine.ts';

/** How a template text becomes a parsed template: parseTemplate, or a TemplateCache's parse. */
type Parse = (name: string, source: string) => ParsedTemplate;

/** Where a ConfigMap/Secret template lives: `configMap/<name>/<key>` or `secret/<name>/<key>`. */
export const templateSourceId = (kind: 'configMap' | 'secret', name: string, key: string): string => `${kind}/${name}/${key}`;

/** Template texts by templateSourceId; a missing id means the object or key does not exist. */
export type TemplateSources = ReadonlyMap<string, string>;

/** A template failure: the ExternalSecret fails as a whole. `message` never contains a value. */
export interface TemplateFailure { key: string; message: string; code: typeof ErrorCode.TEMPLATE; where: string }

class Failed extends Error {
  readonly failure: TemplateFailure;
  constructor(failure: TemplateFailure) { super(failure.message); this.failure = failure; }
}

const utf8 = new TextEncoder();
const text = new TextDecoder('utf-8');

/** Renders one template text; parse and execution errors become a Failed naming where. */
function render(parse: Parse, name: string, source: string, dot: ReturnType<typeof secretData>, where: string): string {
  const { TemplateExecError, TemplateParseError, executeTemplate } = templateEngine();
  try {
    return executeTemplate(parse(name, source), dot);
  } catch (e) {
    if (e instanceof TemplateParseError || e instanceof TemplateExecError) throw new Failed({ key: name, code: ErrorCode.TEMPLATE, where, message: `${where}: ${e.code}: ${e.message}` });
    throw e;
  }
}

/** KeysAndValues: `key=value` lines (docs/templates.md). */
export function keysAndValues(out: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const raw of out.trim().split('\n')) {
    const line = raw.trim();
    const at = line.indexOf('=');
    if (line === '' || at < 0) continue;
    const k = line.slice(0, at).trim();
    if (k !== '') m.set(k, line.slice(at + 1).trim());
  }
  return m;
}

function renderItems(parse: Parse, kind: 'configMap' | 'secret', name: string, items: readonly PlannedTemplateItem[], sources: TemplateSources, dot: ReturnType<typeof secretData>, where: string): Map<string, string> {
  const out = new Map<string, string>();
  const label = kind === 'configMap' ? 'ConfigMap' : 'Secret';
  items.forEach((item, i) => {
    const itemWhere = `${where}.${kind}.items[${i}]`;
    const src = sources.get(templateSourceId(kind, name, item.key));
    if (src === undefined) throw new Failed({ key: item.key, code: ErrorCode.TEMPLATE, where: itemWhere, message: `${itemWhere}: ${label} ${JSON.stringify(name)} has no key ${JSON.stringify(item.key)} (or does not exist in the pod's namespace)` });
    const rendered = render(parse, `${kind}/${name}/${item.key}`, src, dot, itemWhere);
    if (item.templateAs === 'KeysAndValues') for (const [k, v] of keysAndValues(rendered)) out.set(k, v);
    else out.set(item.key, rendered);
  });
  return out;
}

/** The files the templates produce, in ack-secret-manager's order (inline data, then templateFrom). */
function renderAll(parse: Parse, t: PlannedTemplate, raw: ReadonlyMap<string, Uint8Array>, sources: TemplateSources): { produced: Map<string, string>; replace: boolean } {
  const dot = templateEngine().secretData(new Map([...raw].map(([k, v]) => [k, text.decode(v)])));
  const produced = new Map<string, string>();
  const inline = Object.entries(t.data);
  for (const [key, source] of inline) produced.set(key, render(parse, key, source, dot, `target.template.data[${JSON.stringify(key)}]`));
  t.templateFrom.forEach((f, i) => {
    const where = `target.template.templateFrom[${i}]`;
    if ('literal' in f) produced.set('literal', render(parse, 'literal', f.literal, dot, where));
    else if ('configMap' in f) for (const [k, v] of renderItems(parse, 'configMap', f.configMap.name, f.configMap.items, sources, dot, where)) produced.set(k, v);
    else for (const [k, v] of renderItems(parse, 'secret', f.secret.name, f.secret.items, sources, dot, where)) produced.set(k, v);
  });
  // Replace clears the raw keys when anything renders into data (an empty `data: {}` keeps them).
  const replace = t.mergePolicy === 'Replace' && (inline.length > 0 || t.templateFrom.length > 0);
  return { produced, replace };
}

/**
 * Applies the ExternalSecret's templates to its raw files. Returns the final files and the
 * key-scoped problems (template keys that are not valid Secret keys, dropped as upstream does),
 * or `failed` when the ExternalSecret fails as a whole. With a `cache` (the agent's), unchanged
 * template texts are not parsed again (template-cache.ts); the result is the same either way.
 */
export function applyTemplates(es: PlannedExternalSecret, raw: ReadonlyMap<string, Uint8Array>, sources: TemplateSources, cache?: TemplateCache): { files: Map<string, Uint8Array>; invalidKeys: { key: string; message: string }[] } | { failed: TemplateFailure } {
  const t = es.template;
  if (t === undefined) return { files: new Map(raw), invalidKeys: [] };
  let result: ReturnType<typeof renderAll>;
  try {
    result = renderAll(cache === undefined ? templateEngine().parseTemplate : (n, src) => cache.parse(n, src), t, raw, sources);
  } catch (e) {
    if (e instanceof Failed) return { failed: e.failure };
    throw e;
  }
  const files = result.replace ? new Map<string, Uint8Array>() : new Map(raw);
  const invalidKeys: { key: string; message: string }[] = [];
  for (const [k, v] of result.produced) {
    const problem = secretKeyProblem(k);
    if (problem !== undefined) { invalidKeys.push({ key: k, message: `target.template produced key ${JSON.stringify(k)}, which is not written: ${problem}` }); continue; }
    files.set(k, utf8.encode(v));
  }
  return { files, invalidKeys };
}
