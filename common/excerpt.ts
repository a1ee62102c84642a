/**
 * Bounded quoting of user input in messages, logs and lists (STYLE.md item 17). A message that
 * repeats a whole value makes the answer grow with the input (issue 13: 25,000 bad names in one
 * annotation made every problem line repeat 51 KB, so the denial grew with the square of the
 * input); these helpers cap every quoted value and every list at a fixed size and say how much was
 * left out, so a message is at most a constant times larger than its template.
 */

/**
 * Longest excerpt of one value, in UTF-16 code units: 253 is Kubernetes' longest object name
 * (DNS-1123 subdomain, validation.DNS1123SubdomainMaxLength), so every valid name and namespace
 * is quoted whole, and anything longer is certainly not one.
 */
export const EXCERPT_CHARS = 253;

/** How many items a list in a message names before "… and N more". */
export const LIST_ITEMS = 10;

/** `value` cut to `max` characters, never splitting a surrogate pair. */
export function clip(value: string, max = EXCERPT_CHARS): string {
  if (value.length <= max) return value;
  const end = max > 0 && /[\uD800-\uDBFF]/.test(value.charAt(max - 1)) ? max - 1 : max;
  return value.slice(0, end);
}

/**
 * `value` as a JSON string literal, cut to `max` characters; a cut value is followed by
 * `… (N characters)` so the reader knows it is an excerpt and how long the original was.
 */
export function quote(value: string, max = EXCERPT_CHARS): string {
  if (value.length <= max) return JSON.stringify(value);
  return `${JSON.stringify(clip(value, max))}… (${value.length} characters)`;
}

/**
 * The first `max` items joined with `separator`, then `… and N more` when there were more: a
 * message names a bounded number of items whatever the input holds. Only the items shown are
 * rendered, so the cost is bounded too.
 */
export function boundedList<T>(items: readonly T[], render: (item: T) => string, max = LIST_ITEMS, separator = ', '): string {
  const shown = items.slice(0, max).map(render).join(separator);
  return items.length > max ? `${shown}${separator}… and ${items.length - max} more` : shown;
}

/**
 * A bounded description of any JSON value for a "got ..." clause: a string is quoted (cut to
 * EXCERPT_CHARS), a number, boolean or null is shown as is, an object or array only by its type
 * and size. Never `JSON.stringify` of a whole value: that is as large as the input and recursive,
 * so a 50,000-deep object overflowed the stack (issue 13, defect 8).
 */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return quote(v);
  if (v === undefined) return 'nothing';
  if (v === null || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `an array of ${v.length} item${v.length === 1 ? '' : 's'}`;
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

/**
 * The start of `JSON.stringify(v)`: at most `max` characters, followed by `…` when cut. The work
 * is bounded too: serialising stops once `max` characters are written, a string is cut before it
 * is escaped, and nesting cannot go deeper than `max` (each level writes a bracket), so a 1 MB
 * string, a million-item list or a 50,000-deep object costs no more than a short value (issue 13:
 * an excerpt that stringified the whole value first was bounded in size but not in work). The
 * one cost that is not bounded is V8 listing an object's keys when the walk enters it.
 */
export function jsonExcerpt(v: unknown, max = EXCERPT_CHARS): string {
  const out = new JsonPrefix(max);
  if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return String(v);
  out.value(v);
  return out.text();
}

/** A JSON writer that stops writing once it holds more than `max` characters. */
class JsonPrefix {
  readonly #parts: string[] = [];
  #length = 0;
  readonly #max: number;
  constructor(max: number) { this.#max = max; }

  /** Whether the excerpt is already longer than the cap (the rest is never looked at). */
  get full(): boolean { return this.#length > this.#max; }

  write(s: string): void {
    if (this.full) return;
    this.#parts.push(s);
    this.#length += s.length;
  }

  /** A string literal of at most one character more than is left of the budget. */
  string(s: string): void {
    this.write(JSON.stringify(clip(s, Math.max(0, this.#max - this.#length) + 1)));
  }

  /** Writes `v` as JSON.stringify would, up to the cap (an absent value in a list is `null`). */
  value(v: unknown): void {
    if (this.full) return;
    if (typeof v === 'string') this.string(v);
    else if (typeof v === 'number' || typeof v === 'boolean') this.write(JSON.stringify(v));
    else if (typeof v === 'bigint') this.write(String(v));
    else if (Array.isArray(v)) this.list(v);
    else if (typeof v === 'object' && v !== null) this.object(v as Record<string, unknown>);
    else this.write('null');
  }

  list(items: readonly unknown[]): void {
    this.write('[');
    for (let i = 0; i < items.length && !this.full; i++) {
      if (i > 0) this.write(',');
      this.value(items[i]);
    }
    this.write(']');
  }

  object(o: Record<string, unknown>): void {
    this.write('{');
    let first = true;
    for (const k in o) {
      if (this.full) break;
      if (!Object.hasOwn(o, k)) continue;
      const x = o[k];
      if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
      if (!first) this.write(',');
      first = false;
      this.string(k);
      this.write(':');
      this.value(x);
    }
    this.write('}');
  }

  text(): string {
    const t = this.#parts.join('');
    return t.length > this.#max ? `${clip(t, this.#max)}…` : t;
  }
}
