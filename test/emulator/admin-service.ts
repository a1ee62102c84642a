/**
 * The admin operations, implemented once over the CloudState. Input arrives as untrusted JSON
 * (from HTTP) or typed objects (in process); both are validated the same way and every problem is
 * reported together, each naming the field, the value and what is accepted.
 */
import type * as Api from './admin-api.ts';
import type { CallCounts } from './call-counts.ts';
import type { CloudState } from './cloud-state.ts';
import { FAULT_KINDS, faultDefaults, type FaultKind } from './faults.ts';
import { policyProblems, type PolicyDocument } from './policy.ts';
import { ACCOUNT_ID } from './ram-directory.ts';
import { MAX_DURATION_SECONDS } from './sts-actions.ts';
import { productOf } from './routes.ts';
import type { RateLimit } from './rate-limits.ts';

/** Thrown for invalid admin input; the router answers 400 with `problems`. */
export class AdminInputError extends Error {
  readonly problems: string[];
  constructor(operation: string, problems: string[]) {
    super(`${operation}: invalid input: ${problems.join('; ')}`);
    this.name = 'AdminInputError';
    this.problems = problems;
  }
}

/** Collects problems while reading fields of an untrusted object. */
class Fields {
  readonly problems: string[] = [];
  readonly #o: Record<string, unknown>;
  constructor(input: unknown) {
    if (input === undefined || input === null) this.#o = {};
    else if (typeof input !== 'object' || Array.isArray(input)) {
      this.problems.push(`body: must be a JSON object, got ${JSON.stringify(input)}`);
      this.#o = {};
    } else this.#o = input as Record<string, unknown>;
  }
  #bad(name: string, accepted: string): undefined {
    this.problems.push(`${name}: ${JSON.stringify(this.#o[name])} is invalid (accepted: ${accepted})`);
    return undefined;
  }
  str(name: string, o: { required?: boolean; pattern?: RegExp; accepted?: string } = {}): string | undefined {
    const v = this.#o[name];
    if (v === undefined) {
      if (o.required === true) this.problems.push(`${name}: is required (${o.accepted ?? 'a non-empty string'})`);
      return undefined;
    }
    if (typeof v !== 'string' || v === '' || (o.pattern !== undefined && !o.pattern.test(v))) return this.#bad(name, o.accepted ?? 'a non-empty string');
    return v;
  }
  strList(name: string): string[] | undefined {
    const v = this.#o[name];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x !== '')) return this.#bad(name, 'a list of non-empty strings');
    return v as string[];
  }
  strOrList(name: string): string | string[] | undefined {
    const v = this.#o[name];
    if (typeof v === 'string') return this.str(name);
    return this.strList(name);
  }
  int(name: string, min: number, max: number, nullable = false): number | null | undefined {
    const v = this.#o[name];
    if (v === undefined) return undefined;
    if (v === null && nullable) return null;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) return this.#bad(name, `an integer from ${min} to ${max}${nullable ? ', or null to unset' : ''}`);
    return v;
  }
  policy(name: string, kind: 'trust' | 'permission', required: boolean): PolicyDocument | undefined {
    const v = this.#o[name];
    if (v === undefined) {
      if (required) this.problems.push(`${name}: is required (a RAM policy document)`);
      return undefined;
    }
    const p = policyProblems(v, kind, name);
    this.problems.push(...p);
    return p.length === 0 ? (v as PolicyDocument) : undefined;
  }
  policies(name: string): PolicyDocument[] {
    const v = this.#o[name];
    if (v === undefined) return [];
    if (!Array.isArray(v)) {
      this.#bad(name, 'a list of RAM permission policy documents');
      return [];
    }
    const out: PolicyDocument[] = [];
    v.forEach((doc, i) => {
      const p = policyProblems(doc, 'permission', `${name}[${i}]`);
      this.problems.push(...p);
      if (p.length === 0) out.push(doc as PolicyDocument);
    });
    return out;
  }
  raw(name: string): unknown {
    return this.#o[name];
  }
  done(operation: string): void {
    if (this.problems.length > 0) throw new AdminInputError(operation, this.problems);
  }
}

const ACCOUNT = { pattern: ACCOUNT_ID, accepted: 'a numeric account id such as 1234567890123456' } as const;
/** RAM names: letters, digits, `.`, `-` (roles), plus `_` for providers, 1–64/128 (RAM docs). */
const RAM_NAME = { pattern: /^[A-Za-z0-9._-]{1,128}$/, accepted: '1-128 characters of letters, digits and . _ -' } as const;
const HTTPS_URL = { pattern: /^https:\/\/[^\s]+$/, accepted: 'an https:// URL' } as const;
const BASE64 = { pattern: /^[A-Za-z0-9+/]*={0,2}$/, accepted: 'standard base64' } as const;
/** Kubernetes namespace and ServiceAccount names are DNS labels/subdomains (RFC 1123). */
const K8S_NAME = { pattern: /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, accepted: 'a Kubernetes name (RFC 1123 lower-case)' } as const;

/** Implements EmulatorAdminApi on a CloudState. */
export class AdminService implements Api.EmulatorAdminApi {
  readonly #s: CloudState;

  constructor(state: CloudState) {
    this.#s = state;
  }

  async defineAccount(input: Api.DefineAccountInput): Promise<{ accountId: string }> {
    const f = new Fields(input);
    const accountId = f.str('accountId', { required: true, ...ACCOUNT });
    f.done('defineAccount');
    this.#s.ram.defineAccount(accountId as string);
    return { accountId: accountId as string };
  }

  async defineAccessKey(input: Api.DefineAccessKeyInput): Promise<Api.DefineAccessKeyOutput> {
    const f = new Fields(input);
    const accountId = f.str('accountId', ACCOUNT) ?? this.#s.defaultAccountId;
    const userName = f.str('userName', RAM_NAME);
    const policies = f.policies('policies');
    f.done('defineAccessKey');
    const k = this.#s.ram.defineAccessKey(accountId, userName, policies);
    return { accessKeyId: k.accessKeyId, accessKeySecret: k.accessKeySecret, principalArn: k.principalArn };
  }

  async defineOidcProvider(input: Api.DefineOidcProviderInput): Promise<{ arn: string }> {
    const f = new Fields(input);
    const accountId = f.str('accountId', ACCOUNT) ?? this.#s.defaultAccountId;
    const name = f.str('name', { required: true, ...RAM_NAME });
    const issuerUrl = f.str('issuerUrl', { required: true, ...HTTPS_URL });
    const clientIds = f.strList('clientIds') ?? ['sts.aliyuncs.com'];
    f.done('defineOidcProvider');
    return { arn: this.#s.ram.defineOidcProvider(accountId, name as string, issuerUrl as string, clientIds).arn };
  }

  async defineRole(input: Api.DefineRoleInput): Promise<{ arn: string; roleId: string }> {
    const f = new Fields(input);
    const accountId = f.str('accountId', ACCOUNT) ?? this.#s.defaultAccountId;
    const name = f.str('name', { required: true, pattern: /^[A-Za-z0-9.-]{1,64}$/, accepted: '1-64 characters of letters, digits, . and -' });
    const trustPolicy = f.policy('trustPolicy', 'trust', true);
    const policies = f.policies('policies');
    // RAM MaxSessionDuration: 3600..43200 (RAM CreateRole docs).
    const max = f.int('maxSessionDuration', 3600, MAX_DURATION_SECONDS) ?? 3600;
    f.done('defineRole');
    const r = this.#s.ram.defineRole(accountId, name as string, trustPolicy as PolicyDocument, policies, max as number);
    return { arn: r.arn, roleId: r.roleId };
  }

  async trustIssuer(input: Api.TrustIssuerInput): Promise<{ issuer: string; keys: number }> {
    const f = new Fields(input);
    const issuer = f.str('issuer', { required: true, accepted: 'the issuer URL exactly as in the tokens\' iss claim' });
    const jwks = f.raw('jwks');
    const pem = f.strOrList('publicKeyPem');
    if (jwks !== undefined && (typeof jwks !== 'object' || jwks === null || !Array.isArray((jwks as { keys?: unknown }).keys))) f.problems.push(`jwks: must be a JWK Set {"keys":[...]}, got ${JSON.stringify(jwks)}`);
    if (jwks === undefined && pem === undefined) f.problems.push('jwks/publicKeyPem: give at least one (a JWK Set or PEM public keys/certificates)');
    f.done('trustIssuer');
    try {
      const keys = this.#s.issuers.trust(issuer as string, {
        ...(jwks === undefined ? {} : { jwks: jwks as { keys: unknown[] } }),
        ...(pem === undefined ? {} : { publicKeyPem: pem }),
      });
      return { issuer: issuer as string, keys };
    } catch (err) {
      throw new AdminInputError('trustIssuer', [(err as Error).message]);
    }
  }

  async mintToken(input: Api.MintTokenInput): Promise<Api.MintTokenOutput> {
    const f = new Fields(input);
    const namespace = f.str('namespace', { required: true, ...K8S_NAME });
    const serviceAccount = f.str('serviceAccount', { required: true, ...K8S_NAME });
    const audience = f.strOrList('audience');
    // Bounds only guard against nonsense (±10 years); negative lifetimes mint expired tokens on purpose.
    const expiresInSeconds = f.int('expiresInSeconds', -10 * 365 * 86400, 10 * 365 * 86400);
    const notBeforeSeconds = f.int('notBeforeSeconds', -10 * 365 * 86400, 10 * 365 * 86400);
    const issuer = f.str('issuer');
    const podName = f.str('podName', K8S_NAME);
    f.done('mintToken');
    return this.#s.issuers.mint({
      namespace: namespace as string,
      serviceAccount: serviceAccount as string,
      ...(audience === undefined ? {} : { audience }),
      ...(typeof expiresInSeconds === 'number' ? { expiresInSeconds } : {}),
      ...(typeof notBeforeSeconds === 'number' ? { notBeforeSeconds } : {}),
      ...(issuer === undefined ? {} : { issuer }),
      ...(podName === undefined ? {} : { podName }),
    });
  }

  #secretValue(f: Fields): { value?: string; binaryBase64?: string; versionId?: string } {
    const value = f.raw('value');
    if (value !== undefined && typeof value !== 'string') f.problems.push(`value: must be a string, got ${JSON.stringify(value)}`);
    const binaryBase64 = f.str('binaryBase64', BASE64);
    const versionId = f.str('versionId', { pattern: /^[A-Za-z0-9._-]{1,64}$/, accepted: '1-64 characters of letters, digits and . _ -' });
    if ((value === undefined) === (f.raw('binaryBase64') === undefined)) f.problems.push('value/binaryBase64: give exactly one (text data, or binary data as base64)');
    return {
      ...(typeof value === 'string' ? { value } : {}),
      ...(binaryBase64 === undefined ? {} : { binaryBase64 }),
      ...(versionId === undefined ? {} : { versionId }),
    };
  }

  async seedSecret(input: Api.SeedSecretInput): Promise<Api.SecretVersionOutput> {
    const f = new Fields(input);
    const accountId = f.str('accountId', ACCOUNT) ?? this.#s.defaultAccountId;
    const name = f.str('name', { required: true, pattern: /^[A-Za-z0-9/_+=.@-]{1,192}$/, accepted: '1-192 characters of letters, digits and / _ + = . @ - (KMS secret names)' });
    const value = this.#secretValue(f);
    const stages = f.strList('stages') ?? [];
    f.done('seedSecret');
    this.#s.ram.defineAccount(accountId);
    const v = this.#s.secrets.seed(accountId, name as string, value, stages);
    return { versionId: v.versionId, stages: [...v.stages] };
  }

  async rotateSecret(input: Api.RotateSecretInput): Promise<Api.SecretVersionOutput> {
    const f = new Fields(input);
    const accountId = f.str('accountId', ACCOUNT) ?? this.#s.defaultAccountId;
    const name = f.str('name', { required: true });
    const value = this.#secretValue(f);
    f.done('rotateSecret');
    try {
      const v = this.#s.secrets.rotate(accountId, name as string, value);
      return { versionId: v.versionId, stages: [...v.stages] };
    } catch (err) {
      throw new AdminInputError('rotateSecret', [(err as Error).message]);
    }
  }

  async seedParameter(input: Api.SeedParameterInput): Promise<{ version: number }> {
    const f = new Fields(input);
    const accountId = f.str('accountId', ACCOUNT) ?? this.#s.defaultAccountId;
    // OOS names: ≤180 of letters, digits, - _ and / paths (reference §5).
    const name = f.str('name', { required: true, pattern: /^(?!(ALIYUN|ACS|ALIBABA|ALICLOUD|OOS))[A-Za-z0-9/_-]{1,180}$/i, accepted: '1-180 characters of letters, digits, / _ -, not starting with ALIYUN, ACS, ALIBABA, ALICLOUD or OOS' });
    const value = f.raw('value');
    if (typeof value !== 'string') f.problems.push(`value: is required (a string), got ${JSON.stringify(value)}`);
    const description = f.raw('description');
    if (description !== undefined && typeof description !== 'string') f.problems.push(`description: must be a string, got ${JSON.stringify(description)}`);
    f.done('seedParameter');
    this.#s.ram.defineAccount(accountId);
    try {
      return { version: this.#s.parameters.put(accountId, name as string, value as string, (description as string | undefined) ?? '') };
    } catch (err) {
      throw new AdminInputError('seedParameter', [(err as Error).message]);
    }
  }

  async fault(input: Api.FaultInput): Promise<{ pending: number }> {
    const f = new Fields(input);
    const action = f.str('action', { required: true, pattern: /^(\*|[A-Za-z]+)$/, accepted: 'an API action name such as GetSecretValue, or "*"' });
    const kind = f.str('kind', { required: true, pattern: new RegExp(`^(${FAULT_KINDS.join('|')})$`), accepted: FAULT_KINDS.join(', ') }) as FaultKind | undefined;
    // A million calls is "for the rest of the test"; the bound only rejects nonsense.
    const count = f.int('count', 1, 1_000_000) ?? 1;
    const status = f.int('status', 400, 599);
    const code = f.str('code');
    const message = f.str('message');
    // Up to 10 minutes: longer than any client timeout the project configures.
    const latencyMs = f.int('latencyMs', 0, 600_000);
    if (kind === 'latency' && latencyMs === undefined) f.problems.push('latencyMs: is required for kind "latency" (an integer from 0 to 600000)');
    f.done('fault');
    const d = faultDefaults(kind as FaultKind, action === '*' ? undefined : productOf(action as string));
    this.#s.faults.add({
      action: action as string,
      kind: kind as FaultKind,
      remaining: count as number,
      status: (status as number | undefined) ?? d.status,
      code: code ?? d.code,
      message: message ?? d.message,
      latencyMs: (latencyMs as number | undefined) ?? 0,
    });
    return { pending: this.#s.faults.list().length };
  }

  async clearFaults(): Promise<{ pending: number }> {
    this.#s.faults.clear();
    return { pending: 0 };
  }

  async counts(): Promise<CallCounts> {
    return this.#s.counts.snapshot();
  }

  /** Resets the counters and returns what they held. */
  async resetCounts(): Promise<CallCounts> {
    const before = this.#s.counts.snapshot();
    this.#s.counts.reset();
    return before;
  }

  async stsSettings(input: Api.StsSettingsInput): Promise<Api.StsSettingsOutput> {
    const f = new Fields(input);
    const lifetime = f.int('credentialLifetimeSeconds', 1, MAX_DURATION_SECONDS, true);
    const chained = f.int('chainedMaxDurationSeconds', 900, MAX_DURATION_SECONDS, true);
    f.done('stsSettings');
    if (lifetime !== undefined) this.#s.settings.credentialLifetimeSeconds = lifetime ?? undefined;
    if (chained !== undefined) this.#s.settings.chainedMaxDurationSeconds = chained ?? undefined;
    return {
      credentialLifetimeSeconds: this.#s.settings.credentialLifetimeSeconds ?? null,
      chainedMaxDurationSeconds: this.#s.settings.chainedMaxDurationSeconds ?? null,
    };
  }

  /**
   * Changes the rate limits (rate-limits.ts): every problem of the input is reported together;
   * nothing changes unless all of it is valid.
   */
  async rateLimits(input: Api.RateLimitsInput): Promise<Api.RateLimitsOutput> {
    const f = new Fields(input);
    const enabled = f.raw('enabled');
    if (enabled !== undefined && typeof enabled !== 'boolean') f.problems.push(`enabled: ${JSON.stringify(enabled)} is invalid (accepted: true or false)`);
    const raw = f.raw('limits');
    const changes: Array<[string, RateLimit | null]> = [];
    if (raw !== undefined && (typeof raw !== 'object' || raw === null || Array.isArray(raw))) f.problems.push('limits: must be an object of API action → {limit, periodSeconds, burst?} or null');
    else if (raw !== undefined) {
      for (const [action, v] of Object.entries(raw as Record<string, unknown>)) {
        if (productOf(action) === undefined) { f.problems.push(`limits.${action}: not an emulated API action (accepted: AssumeRoleWithOIDC, AssumeRole, GetSecretValue, GetSecretParameter)`); continue; }
        if (v === null) { changes.push([action, null]); continue; }
        const l = new Fields(v);
        // Bounds reject nonsense only: up to a million calls per period of up to a day.
        const limit = l.int('limit', 1, 1_000_000);
        const periodSeconds = l.int('periodSeconds', 1, 86_400);
        const burst = l.int('burst', 1, 1_000_000);
        if (l.raw('limit') === undefined) l.problems.push('limit: is required (an integer from 1 to 1000000)');
        if (l.raw('periodSeconds') === undefined) l.problems.push('periodSeconds: is required (an integer from 1 to 86400)');
        f.problems.push(...l.problems.map((p) => `limits.${action}.${p}`));
        if (typeof limit === 'number' && typeof periodSeconds === 'number') changes.push([action, { limit, periodSeconds, burst: typeof burst === 'number' ? burst : limit }]);
      }
    }
    f.done('rateLimits');
    if (typeof enabled === 'boolean') this.#s.rateLimits.setEnabled(enabled);
    for (const [action, l] of changes) this.#s.rateLimits.set(action, l);
    return { enabled: this.#s.rateLimits.enabled, limits: this.#s.rateLimits.table() };
  }

  async expireCredentials(input: Api.ExpireCredentialsInput): Promise<{ expired: number }> {
    const f = new Fields(input);
    const accessKeyId = f.str('accessKeyId');
    const roleArn = f.str('roleArn');
    f.done('expireCredentials');
    return { expired: this.#s.sessions.expire({ ...(accessKeyId === undefined ? {} : { accessKeyId }), ...(roleArn === undefined ? {} : { roleArn }) }, this.#s.now()) };
  }
}
