/**
 * `spec.target` of an ExternalSecret → the planned template the injector renders, with every
 * problem (denied at admission, rejected by `render`) and every warning (fields that describe a
 * Kubernetes Secret and have no effect on files). Shared by the webhook and `render` so both
 * judge a template alike. Inline and literal templates are parsed here: a syntax error names the
 * ExternalSecret field, the line and column, and Go's message. ConfigMap and Secret templates are
 * only referenced (the webhook never reads them); the injector parses them when it renders.
 */
import { TemplateParseError, parseTemplate } from '../common/templates/index.ts';
import { excerpt } from './crd-shape.ts';
import type { PlannedTemplate, PlannedTemplateFrom, PlannedTemplateItem } from './injector-config-schema.ts';

const KEY_RE = /^[-._a-zA-Z0-9]+$/;
const DNS_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The result of planning `spec.target`. */
export interface TemplatePlan {
  template?: PlannedTemplate;
  /** ConfigMaps and Secrets whose keys the injector must be able to read. */
  sources: { kind: 'configMap' | 'secret'; name: string }[];
  warnings: string[];
  problems: string[];
}

function checkSyntax(plan: TemplatePlan, name: string, text: string, where: string): void {
  try {
    parseTemplate(name, text);
  } catch (e) {
    if (!(e instanceof TemplateParseError)) throw e;
    plan.problems.push(`${where}: template syntax error at line ${e.line}, column ${e.column}: ${e.detail}`);
  }
}

function planInline(plan: TemplatePlan, data: unknown, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (data === undefined || data === null) return out;
  if (!isObject(data)) { plan.problems.push(`${where}: expected a map of file name → template, got ${excerpt(data)}`); return out; }
  for (const [key, text] of Object.entries(data)) {
    const at = `${where}[${JSON.stringify(key)}]`;
    if (!KEY_RE.test(key) || key.startsWith('..')) { plan.problems.push(`${at}: ${excerpt(key)} is not a valid file name; expected [-._a-zA-Z0-9]+ not starting with ".."`); continue; }
    if (typeof text !== 'string') { plan.problems.push(`${at}: expected a template string, got ${excerpt(text)}`); continue; }
    checkSyntax(plan, key, text, at);
    out[key] = text;
  }
  return out;
}

function planItems(plan: TemplatePlan, ref: unknown, where: string): { name: string; items: PlannedTemplateItem[] } | undefined {
  if (!isObject(ref)) { plan.problems.push(`${where}: expected {name, items}`); return undefined; }
  const name = ref.name;
  if (typeof name !== 'string' || name.length > 253 || !DNS_SUBDOMAIN_RE.test(name)) { plan.problems.push(`${where}.name: expected a DNS subdomain name, got ${excerpt(name)}`); return undefined; }
  if (!Array.isArray(ref.items) || ref.items.length === 0) { plan.problems.push(`${where}.items: expected at least one {key, templateAs}`); return undefined; }
  const items: PlannedTemplateItem[] = [];
  ref.items.forEach((it, i) => {
    const at = `${where}.items[${i}]`;
    if (!isObject(it) || typeof it.key !== 'string' || !KEY_RE.test(it.key) || it.key === '.' || it.key.startsWith('..')) { plan.problems.push(`${at}.key: expected a key matching [-._a-zA-Z0-9]+, got ${excerpt(isObject(it) ? it.key : it)}`); return; }
    const as = it.templateAs === undefined || it.templateAs === '' ? 'Values' : it.templateAs;
    if (as !== 'Values' && as !== 'KeysAndValues') { plan.problems.push(`${at}.templateAs: invalid value ${excerpt(it.templateAs)}; expected "Values" (default) or "KeysAndValues"`); return; }
    items.push({ key: it.key, templateAs: as });
  });
  return { name, items };
}

function planFromEntry(plan: TemplatePlan, f: unknown, where: string): PlannedTemplateFrom | undefined {
  if (!isObject(f)) { plan.problems.push(`${where}: expected an object`); return undefined; }
  const target = f.target === undefined || f.target === '' ? 'Data' : f.target;
  if (target === 'Annotations' || target === 'Labels') {
    plan.warnings.push(`${where}.target: ${target} has no effect and this entry is not rendered: it places results in a Kubernetes Secret's ${String(target).toLowerCase()}, and the injector writes files, which have none`);
    return undefined;
  }
  if (target !== 'Data') { plan.problems.push(`${where}.target: invalid value ${excerpt(f.target)}; expected "Data" (default), "Annotations" or "Labels"`); return undefined; }
  const set = (['configMap', 'secret', 'literal'] as const).filter((k) => f[k] !== undefined && f[k] !== null);
  if (set.length !== 1) { plan.problems.push(`${where}: set exactly one of configMap, secret, literal (found ${set.length === 0 ? 'none' : set.join(', ')})`); return undefined; }
  if (set[0] === 'literal') {
    if (typeof f.literal !== 'string') { plan.problems.push(`${where}.literal: expected a template string`); return undefined; }
    checkSyntax(plan, 'literal', f.literal, `${where}.literal`);
    return { literal: f.literal };
  }
  const kind = set[0]!;
  const ref = planItems(plan, f[kind], `${where}.${kind}`);
  if (ref === undefined) return undefined;
  plan.sources.push({ kind, name: ref.name });
  return kind === 'configMap' ? { configMap: ref } : { secret: ref };
}

/** Plans `spec.target` (`where` is e.g. `ExternalSecret ns/name spec`). */
export function planTemplate(target: unknown, where: string): TemplatePlan {
  const plan: TemplatePlan = { sources: [], warnings: [], problems: [] };
  if (target === undefined || target === null) return plan;
  if (!isObject(target)) { plan.problems.push(`${where}.target: expected an object`); return plan; }
  if (target.name !== undefined && target.name !== '') plan.warnings.push(`${where}.target.name: ${excerpt(target.name)} has no effect: it names a Kubernetes Secret, and the injector writes this ExternalSecret's files to its own folder`);
  const t = target.template;
  if (t === undefined || t === null) return plan;
  const at = `${where}.target.template`;
  if (!isObject(t)) { plan.problems.push(`${at}: expected an object`); return plan; }
  if (t.type !== undefined && t.type !== '') plan.warnings.push(`${at}.type: ${excerpt(t.type)} has no effect: it is a Kubernetes Secret's type, and files have none`);
  if (isObject(t.metadata) && Object.keys(t.metadata).length > 0) plan.warnings.push(`${at}.metadata: has no effect: it sets a Kubernetes Secret's labels and annotations, and files have none`);
  const mergePolicy = t.mergePolicy === undefined || t.mergePolicy === '' ? 'Replace' : t.mergePolicy;
  if (mergePolicy !== 'Replace' && mergePolicy !== 'Merge') plan.problems.push(`${at}.mergePolicy: invalid value ${excerpt(t.mergePolicy)}; expected "Replace" (default) or "Merge"`);
  const data = planInline(plan, t.data, `${at}.data`);
  const templateFrom: PlannedTemplateFrom[] = [];
  if (t.templateFrom !== undefined && t.templateFrom !== null) {
    if (!Array.isArray(t.templateFrom)) plan.problems.push(`${at}.templateFrom: expected a list`);
    else t.templateFrom.forEach((f, i) => { const e = planFromEntry(plan, f, `${at}.templateFrom[${i}]`); if (e !== undefined) templateFrom.push(e); });
  }
  if (plan.problems.length === 0) plan.template = { mergePolicy: mergePolicy as 'Replace' | 'Merge', data, templateFrom };
  return plan;
}
