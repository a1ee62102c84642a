/**
 * A child-process driver of the REAL Alibaba Cloud SDK clients against the emulator, for the
 * emulator's own integration tests. It must run in its own process because Node reads
 * NODE_EXTRA_CA_CERTS (how the SDKs come to trust the emulator's CA) only at start-up.
 *
 * Input (argv[2]): JSON `{endpoint, steps: ProbeStep[]}`. Output (stdout): one JSON line, an array
 * with one `{ok}` or `{error}` per step. Steps share a "current credential":
 * - `oidc`: `@alicloud/credentials` OIDCRoleArnCredentialsProvider (token file, stsEndpoint);
 * - `chain`: RAMRoleARNCredentialsProvider on top of the current provider (cross-account AssumeRole);
 * - `static`: a fixed AK or STS triple;
 * - `getCredential`: resolve the current credential (returns its fields);
 * - `call`: `@alicloud/openapi-client` `callApi` (ACS3, or v1 with `signatureAlgorithm: 'v2'`);
 * - `assumeRoleWithOidcRpc`: the anonymous `doRPCRequest` form (all parameters in the query).
 */
import CredentialsModule, { OIDCRoleArnCredentialsProvider, RAMRoleARNCredentialsProvider, StaticAKCredentialsProvider, StaticSTSCredentialsProvider } from '@alicloud/credentials';
import OpenApiModule, * as $OpenApi from '@alicloud/openapi-client';

// Both packages are CommonJS with `exports.default = <class>`; Node's ESM import hands us
// module.exports, so the class is at `.default` (reference §3.1).
const Credential = CredentialsModule.default;
type Credential = InstanceType<typeof Credential>;
const OpenApi = OpenApiModule.default;

/** One probe step; see the file comment. */
export type ProbeStep =
  | { op: 'oidc'; roleArn: string; oidcProviderArn: string; tokenFile: string; durationSeconds?: number; roleSessionName?: string; policy?: string }
  | { op: 'chain'; roleArn: string; roleSessionName?: string; durationSeconds?: number; externalId?: string }
  | { op: 'static'; accessKeyId: string; accessKeySecret: string; securityToken?: string }
  | { op: 'getCredential' }
  | { op: 'call'; action: string; version: string; query: Record<string, string>; signatureAlgorithm?: 'v2'; tamperSecret?: boolean }
  | { op: 'assumeRoleWithOidcRpc'; query: Record<string, string> };

/** The input document. */
export interface ProbeInput {
  endpoint: string;
  steps: ProbeStep[];
}

/** What a failed step reports: the SDK error's fields the tests assert on. */
export interface ProbeError {
  name: string;
  code: string | undefined;
  statusCode: number | undefined;
  message: string;
  data: unknown;
}

/** One step's outcome. */
export type ProbeResult = { ok: unknown } | { error: ProbeError };

interface ProviderLike {
  getCredentials(): Promise<unknown>;
  getProviderName(): string;
}

/** The current credential the steps share: the provider they build on, and the Credential over it. */
class Session {
  provider: ProviderLike | undefined;
  credential: Credential | undefined;
  readonly endpoint: string;
  constructor(endpoint: string) { this.endpoint = endpoint; }

  use(p: ProviderLike): true {
    this.provider = p;
    this.credential = new Credential(null as never, p as never);
    return true;
  }

  current(op: string): Credential {
    if (this.credential === undefined) throw new Error(`${op}: no current provider`);
    return this.credential;
  }
}

/** `oidc`: AssumeRoleWithOIDC with a token file, as the injector's RRSA path does. */
function oidcProvider(endpoint: string, step: Extract<ProbeStep, { op: 'oidc' }>): ProviderLike {
  let b = OIDCRoleArnCredentialsProvider.builder()
    .withRoleArn(step.roleArn)
    .withOIDCProviderArn(step.oidcProviderArn)
    .withOIDCTokenFilePath(step.tokenFile)
    .withStsEndpoint(endpoint)
    .withRoleSessionName(step.roleSessionName ?? 'emulator-probe');
  if (step.durationSeconds !== undefined) b = b.withDurationSeconds(step.durationSeconds);
  if (step.policy !== undefined) b = b.withPolicy(step.policy);
  return b.build();
}

/** `chain`: AssumeRole on top of `provider` (the cross-account chain). */
function chainProvider(endpoint: string, provider: ProviderLike | undefined, step: Extract<ProbeStep, { op: 'chain' }>): ProviderLike {
  if (provider === undefined) throw new Error('chain: no current provider');
  let b = RAMRoleARNCredentialsProvider.builder()
    .withCredentialsProvider(provider as never)
    .withRoleArn(step.roleArn)
    .withRoleSessionName(step.roleSessionName ?? 'emulator-chain')
    .withStsEndpoint(endpoint);
  if (step.durationSeconds !== undefined) b = b.withDurationSeconds(step.durationSeconds);
  if (step.externalId !== undefined) b = b.withExternalId(step.externalId);
  return b.build();
}

/** `static`: a fixed AccessKey pair, or an STS triple. */
function staticProvider(step: Extract<ProbeStep, { op: 'static' }>): ProviderLike {
  return step.securityToken === undefined
    ? StaticAKCredentialsProvider.builder().withAccessKeyId(step.accessKeyId).withAccessKeySecret(step.accessKeySecret).build()
    : StaticSTSCredentialsProvider.builder().withAccessKeyId(step.accessKeyId).withAccessKeySecret(step.accessKeySecret).withSecurityToken(step.securityToken).build();
}

/** `call`: one signed `callApi` with the current credential (its secret altered when `tamperSecret`). */
async function signedCall(endpoint: string, credential: Credential, step: Extract<ProbeStep, { op: 'call' }>): Promise<unknown> {
  let cred: unknown = credential;
  if (step.tamperSecret === true) {
    const c = await credential.getCredential();
    cred = { getCredential: async () => ({ ...c, accessKeySecret: `${c.accessKeySecret}x` }) };
  }
  const client = new OpenApi(new $OpenApi.Config({ credential: cred as never, endpoint, protocol: 'https', readTimeout: 10000, connectTimeout: 5000, ...(step.signatureAlgorithm === undefined ? {} : { signatureAlgorithm: step.signatureAlgorithm }) }));
  const params = new $OpenApi.Params({ action: step.action, version: step.version, protocol: 'HTTPS', pathname: '/', method: 'POST', authType: 'AK', style: 'RPC', reqBodyType: 'formData', bodyType: 'json' });
  const resp = await client.callApi(params, new $OpenApi.OpenApiRequest({ query: step.query }), {} as never);
  return { statusCode: resp['statusCode'], body: resp['body'] };
}

/** One step's result (`ok` value); throws what the SDK throws. */
async function runStep(session: Session, step: ProbeStep): Promise<unknown> {
  switch (step.op) {
    case 'oidc': return session.use(oidcProvider(session.endpoint, step));
    case 'chain': return session.use(chainProvider(session.endpoint, session.provider, step));
    case 'static': return session.use(staticProvider(step));
    case 'getCredential': {
      const c = await session.current('getCredential').getCredential();
      return { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, securityToken: c.securityToken, providerName: c.providerName };
    }
    case 'call': return signedCall(session.endpoint, session.current('call'), step);
    case 'assumeRoleWithOidcRpc': {
      const client = new OpenApi(new $OpenApi.Config({ endpoint: session.endpoint, protocol: 'https' }));
      const resp = await client.doRPCRequest('AssumeRoleWithOIDC', '2015-04-01', 'HTTPS', 'POST', 'Anonymous', 'json', new $OpenApi.OpenApiRequest({ query: step.query }), {} as never);
      return { statusCode: resp['statusCode'], body: resp['body'] };
    }
  }
}

/** The SDK error's fields the tests assert on. */
function probeError(err: unknown): ProbeError {
  const e = err as { name?: string; code?: unknown; statusCode?: unknown; message?: string; data?: unknown };
  return {
    name: e.name ?? 'Error',
    code: typeof e.code === 'string' ? e.code : undefined,
    statusCode: typeof e.statusCode === 'number' ? e.statusCode : undefined,
    message: e.message ?? String(err),
    data: e.data,
  };
}

/** Runs the steps in order; a failed step is reported and the next one runs. */
async function run(input: ProbeInput): Promise<ProbeResult[]> {
  const session = new Session(input.endpoint);
  const results: ProbeResult[] = [];
  for (const step of input.steps) {
    try {
      results.push({ ok: await runStep(session, step) });
    } catch (err) {
      results.push({ error: probeError(err) });
    }
  }
  return results;
}

const raw = process.argv[2];
if (raw === undefined) {
  process.stderr.write('usage: node test/emulator/sdk-probe.ts \'{"endpoint":"127.0.0.1:PORT","steps":[...]}\'\n');
  process.exitCode = 2;
} else {
  process.stdout.write(`${JSON.stringify(await run(JSON.parse(raw) as ProbeInput))}\n`);
}
