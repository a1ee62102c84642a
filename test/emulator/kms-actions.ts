/**
 * KMS 2016-01-20 `GetSecretValue` (reference §4.2, §4.3): the secret version chosen by
 * VersionId and/or VersionStage (default ACSCurrent), text or base64 binary data, and KMS's error
 * codes. The caller must hold `kms:GetSecretValue` on `acs:kms:<region>:<uid>:secret/<name>`.
 */
import { AcsError, missingParameter } from './acs-error.ts';
import { authorize, type Caller } from './caller-auth.ts';
import type { CloudState } from './cloud-state.ts';

/** A secret ARN given as SecretName (cross-account form, reference §4.2). */
const SECRET_ARN = /^acs:kms:([a-z0-9-]+):(\d+):secret\/(.+)$/;

function notFound(what: string): AcsError {
  return new AcsError(404, 'Forbidden.ResourceNotFound', `Resource not found. ${what}`);
}

/**
 * Steps:
 * 1. require SecretName; split an ARN into account and name;
 * 2. authorise the caller on the secret's resource ARN (403 before revealing existence, as RAM does);
 * 3. find the secret and the version (VersionId and/or VersionStage; both must agree);
 * 4. answer with the version's data and stages.
 */
export function getSecretValue(params: Readonly<Record<string, string>>, caller: Caller, state: CloudState): Record<string, unknown> {
  // 1.
  const secretName = params['SecretName'];
  if (secretName === undefined || secretName === '') throw missingParameter('SecretName');
  const arn = SECRET_ARN.exec(secretName);
  const accountId = arn === null ? caller.accountId : (arn[2] as string);
  const name = arn === null ? secretName : (arn[3] as string);
  // 2.
  const resource = `acs:kms:${state.region}:${accountId}:secret/${name}`;
  authorize(caller, 'kms:GetSecretValue', resource, accountId, { code: 'Forbidden.NoPermission', message: 'This operation is forbidden by permission system.' });
  // 3.
  const secret = state.secrets.get(accountId, name);
  if (secret === undefined) throw notFound(`The secret "${name}" does not exist.`);
  const versionId = params['VersionId'];
  const stage = params['VersionStage'] ?? (versionId === undefined ? 'ACSCurrent' : undefined);
  const version =
    versionId !== undefined
      ? secret.versions.find((v) => v.versionId === versionId)
      : secret.versions.find((v) => v.stages.includes(stage as string));
  if (version === undefined) {
    throw notFound(versionId !== undefined ? `The version "${versionId}" of secret "${name}" does not exist.` : `No version of secret "${name}" has the stage "${stage ?? ''}".`);
  }
  if (versionId !== undefined && stage !== undefined && !version.stages.includes(stage)) {
    throw new AcsError(400, 'InvalidParameter', `The specified parameters VersionId "${versionId}" and VersionStage "${stage}" do not match: that version has stages ${JSON.stringify(version.stages)}.`);
  }
  // 4.
  return {
    SecretName: name,
    SecretType: 'Generic',
    SecretData: version.data,
    SecretDataType: version.dataType,
    VersionId: version.versionId,
    VersionStages: { VersionStage: [...version.stages] },
    CreateTime: version.createTime,
  };
}
