/**
 * One tenant in a fresh emulator, as the SDK-probe integration tests need it: an RRSA OIDC
 * provider, a role `team-a` trusted by `team-a:app` and allowed to read KMS secrets and OOS
 * parameters, a secret `db` and a parameter `p`, and a minted token in a temp file.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allowPolicy, rrsaTrustPolicy, startEmulator, type Emulator } from '../emulator/index.ts';
import type { ProbeStep } from '../emulator/sdk-probe.ts';

export interface SdkTenant {
  emu: Emulator;
  dir: string;
  roleArn: string;
  providerArn: string;
  tokenFile: string;
  token: string;
  /** Closes the emulator and removes the temp folder. */
  close: () => Promise<void>;
}

/** Starts the emulator and seeds the tenant; `secretValue` is the value of secret `db`. */
export async function startSdkTenant(tempPrefix: string, secretValue: string): Promise<SdkTenant> {
  const emu = await startEmulator();
  const dir = await mkdtemp(join(tmpdir(), tempPrefix));
  const providerArn = (await emu.defineOidcProvider({ name: 'ack-rrsa-c1', issuerUrl: emu.issuer })).arn;
  const roleArn = (await emu.defineRole({
    name: 'team-a',
    trustPolicy: rrsaTrustPolicy({ providerArn, subject: 'system:serviceaccount:team-a:app' }),
    policies: [allowPolicy(['kms:GetSecretValue', 'oos:GetSecretParameter'], '*')],
  })).arn;
  await emu.seedSecret({ name: 'db', value: secretValue });
  await emu.seedParameter({ name: 'p', value: 'param-value' });
  const tokenFile = join(dir, 'token');
  const token = (await emu.mintToken({ namespace: 'team-a', serviceAccount: 'app' })).token;
  await writeFile(tokenFile, token);
  return { emu, dir, roleArn, providerArn, tokenFile, token, close: async () => { await emu.close(); await rm(dir, { recursive: true, force: true }); } };
}

/** One SDK call for each value the tenant is seeded with: KMS secret `db`, OOS parameter `p`. */
export const TENANT_KMS_CALL: ProbeStep = { op: 'call', action: 'GetSecretValue', version: '2016-01-20', query: { SecretName: 'db' } };
export const TENANT_OOS_CALL: ProbeStep = { op: 'call', action: 'GetSecretParameter', version: '2019-06-01', query: { Name: 'p', WithDecryption: 'true' } };
