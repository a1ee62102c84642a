/**
 * The `--seed demo` data set for `npm run emulator`: one account with an RRSA provider trusting
 * the emulator's own issuer, two tenant roles each limited to their own secrets and parameters,
 * and a few secrets and parameters to read. Values are obviously fake demo strings.
 */
import type { EmulatorAdminApi } from './admin-api.ts';
import { allowPolicy, rrsaTrustPolicy } from './policy.ts';

/** What the demo seed created, printed by main.ts so a person can copy the ARNs. */
export interface DemoSeed {
  oidcProviderArn: string;
  roles: Record<string, string>;
}

/** Seeds the demo data set through any admin API (in-process or HTTP). */
export async function seedDemo(admin: EmulatorAdminApi, o: { accountId: string; region: string; issuer: string }): Promise<DemoSeed> {
  const { arn: providerArn } = await admin.defineOidcProvider({ accountId: o.accountId, name: 'ack-rrsa-demo', issuerUrl: o.issuer, clientIds: ['sts.aliyuncs.com'] });
  const roles: Record<string, string> = {};
  for (const tenant of ['team-a', 'team-b']) {
    const { arn } = await admin.defineRole({
      accountId: o.accountId,
      name: `${tenant}-secrets`,
      trustPolicy: rrsaTrustPolicy({ providerArn, issuer: o.issuer, subject: `system:serviceaccount:${tenant}:app` }),
      policies: [
        allowPolicy('kms:GetSecretValue', `acs:kms:${o.region}:${o.accountId}:secret/${tenant}/*`),
        allowPolicy('oos:GetSecretParameter', `acs:oos:${o.region}:${o.accountId}:secretparameter/${tenant}/*`),
      ],
    });
    roles[tenant] = arn;
    await admin.seedSecret({ accountId: o.accountId, name: `${tenant}/db`, value: JSON.stringify({ username: `${tenant}-user`, password: `demo-password-${tenant}` }) });
    await admin.seedParameter({ accountId: o.accountId, name: `${tenant}/api-key`, value: `demo-api-key-${tenant}` });
  }
  return { oidcProviderArn: providerArn, roles };
}
