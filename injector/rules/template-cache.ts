/**
 * A parse cache for the agent: the same template text is parsed once, not on every refresh.
 * Keyed by (template name, source text), so an edited ConfigMap template is a new entry and the
 * old one goes away by itself. Bounded twice: a refresh boundary (`endRefresh`) drops every entry
 * that refresh did not use, and within one refresh at most `maxEntries` entries and `maxBytes`
 * of source text are kept (least recently used first out). A cached template is immutable: the
 * engine's execution does not change a parsed tree. Needs the engine loaded (template-engine.ts).
 */
import type { ParsedTemplate } from '../../common/templates/index.ts';
import { templateEngine } from './template-engine.ts';

export interface TemplateCacheLimits { maxEntries: number; maxBytes: number }
/** Room for every template of a large pod (templates of an ExternalSecret are usually a handful). */
export const DEFAULT_TEMPLATE_CACHE_LIMITS: TemplateCacheLimits = { maxEntries: 256, maxBytes: 4 * 1024 * 1024 };

interface Entry { readonly parsed: ParsedTemplate; readonly bytes: number; used: boolean }

export class TemplateCache {
  readonly #limits: TemplateCacheLimits;
  readonly #entries = new Map<string, Entry>();
  #bytes = 0;
  hits = 0;
  misses = 0;

  constructor(limits: Partial<TemplateCacheLimits> = {}) {
    this.#limits = { ...DEFAULT_TEMPLATE_CACHE_LIMITS, ...limits };
  }

  /** The parsed template; parses (and may throw TemplateParseError) on a miss. Errors are not cached. */
  parse(name: string, source: string): ParsedTemplate {
    const key = `${name.length}:${name}\u0000${source}`;
    const hit = this.#entries.get(key);
    if (hit !== undefined) {
      this.hits++;
      hit.used = true;
      // Most recently used last: Map order is the eviction order.
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return hit.parsed;
    }
    this.misses++;
    const parsed = templateEngine().parseTemplate(name, source);
    const entry: Entry = { parsed, bytes: Buffer.byteLength(source, 'utf8'), used: true };
    this.#entries.set(key, entry);
    this.#bytes += entry.bytes;
    this.#evict();
    return parsed;
  }

  /** Ends a refresh: entries it did not use are dropped, the rest start the next one unused. */
  endRefresh(): void {
    for (const [key, e] of this.#entries) {
      if (e.used) e.used = false;
      else this.#drop(key, e);
    }
  }

  get size(): number { return this.#entries.size; }
  get bytes(): number { return this.#bytes; }

  #drop(key: string, e: Entry): void {
    this.#entries.delete(key);
    this.#bytes -= e.bytes;
  }

  #evict(): void {
    for (const [key, e] of this.#entries) {
      if (this.#entries.size <= this.#limits.maxEntries && this.#bytes <= this.#limits.maxBytes) return;
      this.#drop(key, e);
    }
  }
}
