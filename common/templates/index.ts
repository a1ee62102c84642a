/**
 * A Go text/template engine with Sprig v3 and ack-secret-manager's functions, for
 * ExternalSecret `target.template` / `templateFrom`. Pure: no I/O, bounded work. Public surface:
 * `parseTemplate` (throws TemplateParseError with line and column) and `executeTemplate`
 * (throws TemplateExecError).
 */
import { DEFAULT_LIMITS, TemplateExecError, executeTrees, type ExecLimits, type MissingKey } from './exec.ts';
import { EXCLUDED, FUNCS } from './funcmap.ts';
import type { Tree } from './nodes.ts';
import { TemplateParseError, parseTrees } from './parser.ts';
import { GoMap, type GoValue } from './values.ts';

export { TemplateExecError, TemplateParseError, DEFAULT_LIMITS, EXCLUDED, FUNCS };
export type { ExecLimits, MissingKey };

/** A parsed template: its name and every tree it defines. */
export interface ParsedTemplate { readonly name: string; readonly trees: ReadonlyMap<string, Tree> }

/** Parses `text` as a template named `name`. */
export function parseTemplate(name: string, text: string): ParsedTemplate {
  try {
    return { name, trees: parseTrees(name, text, (f) => FUNCS.has(f)) };
  } catch (e) {
    if (e instanceof TemplateParseError) {
      const m = /^function "([^"]+)" not defined$/.exec(e.detail);
      const why = m ? EXCLUDED.get(m[1]!) : undefined;
      if (why !== undefined) throw new TemplateParseError(e.templateName, e.line, e.column, `${e.detail} (not supported by ack-secret-injector: ${why})`);
    }
    throw e;
  }
}

export interface ExecuteOptions { missingKey?: MissingKey; limits?: Partial<ExecLimits> }

/** Executes a parsed template on `data` (a map, typically the ExternalSecret's keys). */
export function executeTemplate(t: ParsedTemplate, data: GoValue, options: ExecuteOptions = {}): string {
  return executeTrees(t.trees, t.name, t.name, data, FUNCS, options.missingKey ?? 'default', { ...DEFAULT_LIMITS, ...options.limits });
}

/** The template dot for an ExternalSecret: every key as a string (map[string]interface{}). */
export function secretData(values: ReadonlyMap<string, string> | Readonly<Record<string, string>>): GoMap {
  const entries = values instanceof Map ? [...values] : Object.entries(values);
  return new GoMap('interface {}', new Map<string, GoValue>(entries));
}
