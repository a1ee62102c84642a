/**
 * The cloud side of the injector benchmarks: the Alibaba Cloud emulator (test/emulator/) with one
 * tenant (RRSA role for `shop:web`), 8 KMS secrets and 2 OOS parameters, a ServiceAccount token,
 * and an injector config naming all 10 through three ExternalSecrets that use plain keys,
 * `jmesPath` and `dataProcess.extract` (the rule engine runs on every cycle, as in production).
 *
 * The injector processes reach the emulator exactly as the integration tests do
 * (test/integration/injector-harness.ts): production host names in the config, the emulator's CA
 * through NODE_EXTRA_CA_CERTS, and the test-only loopback redirect
 * SECRET_INJECTOR_TEST_LOOPBACK_ENDPOINT (injector/environment.ts).
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { InjectorConfig } from '../contract/injector-config-schema.ts';
import { allowPolicy, rrsaTrustPolicy, startEmulator, type Emulator } from '../test/emulator/index.ts';

const NS = 'shop';
const SA = 'web';

/** The secrets the world seeds: 8 KMS secrets, 2 OOS parameters (values are synthetic). */
const KMS_SECRETS: ReadonlyArray<[string, string]> = [
  ['shop/db', JSON.stringify({ username: 'shop_app', password: 'bench-db-password-0001', host: 'db.internal', port: 5432 })],
  ['shop/db-options', JSON.stringify({ tls_mode: 'verify-full', tls_min_version: 'TLSv1.2', pool_size: '20' })],
  ['shop/db-ca', '-----BEGIN CERTIFICATE-----\nMIIBbench0000000000000000000000000000000000000000000000000000\n-----END CERTIFICATE-----\n'],
  ['shop/redis', JSON.stringify({ url: 'redis://cache.internal:6379', password: 'bench-redis-password-0002' })],
  ['shop/session-key', 'bench-session-signing-key-0003'],
  ['shop/jwt', JSON.stringify({ kid: 'k1', secret: 'bench-jwt-secret-0004' })],
  ['shop/smtp', 'bench-smtp-password-0005'],
  ['shop/webhook-hmac', 'bench-webhook-hmac-key-0006'],
];
const OOS_PARAMETERS: ReadonlyArray<[string, string]> = [
  ['shop/payments-api-key', 'bench-payments-api-key-0007'],
  ['shop/mail-api-key', 'bench-mail-api-key-0008'],
];

/** How many distinct cloud values one refresh cycle fetches. */
export const SECRET_COUNT = KMS_SECRETS.length + OOS_PARAMETERS.length;
export const KMS_SECRET_COUNT = KMS_SECRETS.length;
export const OOS_PARAMETER_COUNT = OOS_PARAMETERS.length;

/** A started world. */
export interface CloudWorld {
  emu: Emulator;
  roleArn: string;
  providerArn: string;
  /** An injector config writing under `<dir>/mount`, reading the token at `<dir>/token`. */
  config: (dir: string) => Promise<InjectorConfig>;
  /** The environment an injector process needs to use this world. */
  env: (home: string) => NodeJS.ProcessEnv;
  close: () => Promise<void>;
}

/**
 * Starts the world. Steps: 1. emulator; 2. OIDC provider and the tenant role (trusting only
 * `system:serviceaccount:shop:web`, allowed `shop/*` in KMS and OOS); 3. seed the values.
 */
export async function startCloudWorld(): Promise<CloudWorld> {
  // 1.
  const emu = await startEmulator();
  try {
    // 2.
    const { arn: providerArn } = await emu.defineOidcProvider({ name: 'ack-rrsa-bench', issuerUrl: emu.issuer });
    const { arn: roleArn } = await emu.defineRole({
      name: 'shop-web',
      trustPolicy: rrsaTrustPolicy({ providerArn, issuer: emu.issuer, subject: `system:serviceaccount:${NS}:${SA}` }),
      policies: [
        allowPolicy('kms:GetSecretValue', `acs:kms:${emu.region}:${emu.accountId}:secret/shop/*`),
        allowPolicy('oos:GetSecretParameter', `acs:oos:${emu.region}:${emu.accountId}:secretparameter/shop/*`),
      ],
    });
    // 3.
    for (const [name, value] of KMS_SECRETS) await emu.seedSecret({ name, value });
    for (const [name, value] of OOS_PARAMETERS) await emu.seedParameter({ name, value });

    const config = async (dir: string): Promise<InjectorConfig> => {
      await mkdir(join(dir, 'mount'), { recursive: true });
      const tokenPath = join(dir, 'token');
      const { token } = await emu.mintToken({ namespace: NS, serviceAccount: SA, expiresInSeconds: 3600 });
      // Written by rename, as the kubelet replaces projected token files.
      await writeFile(`${tokenPath}.tmp`, token);
      await rename(`${tokenPath}.tmp`, tokenPath);
      return {
        version: 1,
        pod: { namespace: NS, serviceAccount: SA },
        region: emu.region,
        mountPath: join(dir, 'mount'),
        tokenPath,
        refreshIntervalSeconds: 60,
        fileMode: 0o440,
        healthPort: 0,
        endpoints: {},
        profiles: [{ id: 'pod', kind: 'rrsa', roleArn, oidcProviderArn: providerArn, roleSessionName: 'bench-web' }],
        externalSecrets: [
          {
            name: 'db',
            provider: 'kms',
            data: [
              { key: 'shop/db', name: 'db.json', profile: 'pod', jmesPath: [{ path: 'username', objectAlias: 'user' }, { path: 'password', objectAlias: 'password' }] },
              { key: 'shop/db-ca', name: 'ca.pem', profile: 'pod' },
            ],
            dataProcess: [{ extract: { key: 'shop/db-options', profile: 'pod' }, replaceRule: [{ source: '^tls_(.*)$', target: 'ssl_$1' }] }],
          },
          {
            name: 'app',
            provider: 'kms',
            data: [
              { key: 'shop/redis', name: 'redis', profile: 'pod', jmesPath: [{ path: 'password', objectAlias: 'redis-password' }] },
              { key: 'shop/session-key', name: 'session-key', profile: 'pod' },
              { key: 'shop/jwt', name: 'jwt', profile: 'pod' },
              { key: 'shop/smtp', name: 'smtp-password', profile: 'pod' },
              { key: 'shop/webhook-hmac', name: 'webhook-hmac', profile: 'pod' },
            ],
            dataProcess: [],
          },
          {
            name: 'api',
            provider: 'oos',
            data: OOS_PARAMETERS.map(([key], i) => ({ key, name: i === 0 ? 'payments-key' : 'mail-key', profile: 'pod' })),
            dataProcess: [],
          },
        ],
      };
    };
    const env = (home: string): NodeJS.ProcessEnv => ({
      PATH: process.env.PATH ?? '',
      HOME: home,
      SECRET_INJECTOR_TEST_LOOPBACK_ENDPOINT: emu.endpoint,
      ...emu.clientEnv(),
    });
    return { emu, roleArn, providerArn, config, env, close: () => emu.close() };
  } catch (err) {
    await emu.close();
    throw err;
  }
}

/**
 * The same pod with target.template on two ExternalSecrets (docs/templates.md): inline templates
 * with Sprig functions, a literal, and a ConfigMap template read from the templates folder every
 * refresh, as a pod's volume would be. For the agent benchmark's "with templates" run.
 */
export async function withTemplates(config: InjectorConfig, dir: string): Promise<InjectorConfig> {
  const templatesPath = join(dir, 'templates');
  await mkdir(join(templatesPath, 'configMap', 'app-templates'), { recursive: true });
  await writeFile(join(templatesPath, 'configMap', 'app-templates', 'database.yml'), 'production:\n  adapter: postgresql\n  username: {{ .user | quote }}\n  password: {{ .password | quote }}\n{{- range $k, $v := . }}\n  # {{ $k }}: {{ len $v }} bytes{{ end }}\n');
  const [db, app, ...rest] = config.externalSecrets;
  return {
    ...config,
    templatesPath,
    externalSecrets: [
      { ...db!, template: { mergePolicy: 'Merge', data: { dsn: 'postgresql://{{ .user }}:{{ .password | urlquery }}@db:5432/shop?sslmode={{ default "require" .ssl_mode }}', 'config.json': '{{ dict "user" .user "tls" (hasKey . "ssl_ca") | toPrettyJson }}' }, templateFrom: [{ configMap: { name: 'app-templates', items: [{ key: 'database.yml', templateAs: 'Values' }] } }] } },
      { ...app!, template: { mergePolicy: 'Replace', data: { 'app.env': '{{ range $k, $v := . }}{{ $k | upper | replace "-" "_" }}={{ $v | b64enc }}\n{{ end }}' }, templateFrom: [{ literal: 'SESSION_KEY_SHA={{ index . "session-key" | sha256sum }}' }] } },
      ...rest,
    ],
  };
}
