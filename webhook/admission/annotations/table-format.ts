/**
 * The one shape of an annotation problem: the annotation, the value, what is accepted
 * (STYLE.md item 16). Its own module so the table and the per-annotation rule files share it.
 * The value is quoted as a bounded excerpt (common/excerpt.ts): a problem must never repeat a
 * whole annotation, or a denial grows with the square of the input (issue 13, defect 1).
 */
import { quote } from '../../../common/excerpt.ts';

/** `annotation <key>: invalid value "<value>"; expected <accepted>`. */
export function invalid(key: string, value: string, accepted: string): string {
  return `annotation ${key}: invalid value ${quote(value)}; expected ${accepted}`;
}
