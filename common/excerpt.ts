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
