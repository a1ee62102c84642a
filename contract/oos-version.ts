/**
 * OOS parameter versions, as `data[].versionId` names them for provider `oos` (issue 17): OOS
 * GetSecretParameter's `ParameterVersion` is an integer from 1 to 100 (OOS caps a parameter at 100
 * versions; alibaba-cloud-apis.md §5). Shared by the webhook (denial at admission) and `render`.
 */
import { quote } from '../common/excerpt.ts';

/** The highest parameter version OOS keeps. */
export const MAX_OOS_PARAMETER_VERSION = 100;

/** Why `versionId` is not an OOS parameter version, or undefined when it is one. */
export function oosVersionProblem(versionId: string): string | undefined {
  if (/^[1-9][0-9]{0,2}$/.test(versionId) && Number(versionId) <= MAX_OOS_PARAMETER_VERSION) return undefined;
  return `invalid value ${quote(versionId)} for an OOS parameter; expected a parameter version, an integer from 1 to ${MAX_OOS_PARAMETER_VERSION}`;
}
