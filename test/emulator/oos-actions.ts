/**
 * OOS 2019-06-01 `GetSecretParameter` (reference §5): an encryption parameter by name and
 * optional version; the value only with `WithDecryption=true`. The caller needs
 * `oos:GetSecretParameter` on `acs:oos:<region>:<uid>:secretparameter/<name>` (the resource form
 * in the OOS RAM docs, reference §5).
 */
import { AcsError, missingParameter } from './acs-error.ts';
import { authorize, type Caller } from './caller-auth.ts';
import type { CloudState } from './cloud-state.ts';
import { MAX_PARAMETER_VERSION } from './oos-parameters.ts';

/**
 * Steps:
 * 1. require Name; validate ParameterVersion (1–100) and WithDecryption (true/false);
 * 2. authorise on the parameter's resource ARN (`Forbidden.RAM`, the gateway's RAM denial, reference §7.3);
 * 3. find the parameter (`EntityNotExists.Parameter`) and version (`EntityNotExists.ParameterVersion`);
 * 4. answer, with Value only when decryption was asked for.
 */
export function getSecretParameter(params: Readonly<Record<string, string>>, caller: Caller, state: CloudState): Record<string, unknown> {
  // 1.
  const name = params['Name'];
  if (name === undefined || name === '') throw missingParameter('Name');
  const rawVersion = params['ParameterVersion'];
  const version = rawVersion === undefined ? undefined : Number(rawVersion);
  if (version !== undefined && (!Number.isInteger(version) || version < 1 || version > MAX_PARAMETER_VERSION)) {
    throw new AcsError(400, 'InvalidParameter', `The parameter ParameterVersion is invalid: "${rawVersion ?? ''}" (accepted: an integer from 1 to ${MAX_PARAMETER_VERSION}).`);
  }
  const rawDecrypt = params['WithDecryption'];
  if (rawDecrypt !== undefined && rawDecrypt !== 'true' && rawDecrypt !== 'false') {
    throw new AcsError(400, 'InvalidParameter', `The parameter WithDecryption is invalid: "${rawDecrypt}" (accepted: true, false).`);
  }
  // 2.
  const resource = `acs:oos:${state.region}:${caller.accountId}:secretparameter/${name}`;
  authorize(caller, 'oos:GetSecretParameter', resource, caller.accountId, { code: 'Forbidden.RAM', message: 'User not authorized to operate on the specified resource, or this API does not support RAM.' });
  // 3.
  const entry = state.parameters.get(caller.accountId, name);
  if (entry === undefined) throw new AcsError(404, 'EntityNotExists.Parameter', `The parameter "${name}" does not exist.`);
  const v = version === undefined ? entry.versions[entry.versions.length - 1] : entry.versions[version - 1];
  if (v === undefined) throw new AcsError(404, 'EntityNotExists.ParameterVersion', `The version ${version ?? ''} of parameter "${name}" does not exist.`);
  // 4.
  return {
    Parameter: {
      Id: entry.id,
      Name: entry.name,
      ...(rawDecrypt === 'true' ? { Value: v.value } : {}),
      ParameterVersion: v.version,
      Type: 'Secret',
      KeyId: 'alias/acs/oos',
      Description: entry.description,
      Constraints: '{}',
      CreatedBy: `acs:ram::${entry.accountId}:root`,
      CreatedDate: entry.createdDate,
      UpdatedBy: `acs:ram::${entry.accountId}:root`,
      UpdatedDate: v.date,
      ShareType: 'Private',
      Tags: {},
    },
  };
}
