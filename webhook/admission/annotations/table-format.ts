/**
 * The one shape of an annotation problem: the annotation, the value, what is accepted
 * (STYLE.md item 16). Its own module so the table and the per-annotation rule files share it.
 */

/** `annotation <key>: invalid value "<value>"; expected <accepted>`. */
export function invalid(key: string, value: string, accepted: string): string {
  return `annotation ${key}: invalid value ${JSON.stringify(value)}; expected ${accepted}`;
}
