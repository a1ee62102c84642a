/**
 * An HTTP client for the emulator's admin API, for code in another process (the demo, a person's
 * script): `new EmulatorAdmin(url, caPem)` has the same operations as the in-process Emulator.
 * It trusts the emulator's CA explicitly, so it works without NODE_EXTRA_CA_CERTS.
 */
import { request } from 'node:https';
import type * as Api from './admin-api.ts';
import { ADMIN_ROUTES, type AdminErrorBody, type AdminOperation } from './admin-api.ts';
import type { CallCounts } from './call-counts.ts';

/** An admin call the emulator refused; `problems` lists every input problem. */
export class EmulatorAdminError extends Error {
  readonly status: number;
  readonly problems: string[];
  constructor(status: number, body: AdminErrorBody) {
    super(body.error);
    this.name = 'EmulatorAdminError';
    this.status = status;
    this.problems = body.problems;
  }
}

/** The admin API over HTTPS. */
export class EmulatorAdmin implements Api.EmulatorAdminApi {
  readonly #url: URL;
  readonly #ca: string;

  /** `url` is the emulator's `https://127.0.0.1:<port>`; `caPem` its CA. */
  constructor(url: string, caPem: string) {
    this.#url = new URL(url);
    this.#ca = caPem;
  }

  #call<T>(op: AdminOperation, input: unknown): Promise<T> {
    const [method, path] = ADMIN_ROUTES[op];
    const body = method === 'POST' ? JSON.stringify(input ?? {}) : undefined;
    return new Promise<T>((resolve, reject) => {
      const req = request(
        {
          host: this.#url.hostname,
          port: this.#url.port,
          path,
          method,
          ca: this.#ca,
          headers: body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown;
            try {
              parsed = JSON.parse(text);
            } catch {
              reject(new Error(`emulator admin ${op}: HTTP ${res.statusCode ?? 0}, body is not JSON`));
              return;
            }
            if ((res.statusCode ?? 500) >= 400) reject(new EmulatorAdminError(res.statusCode ?? 500, parsed as AdminErrorBody));
            else resolve(parsed as T);
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  defineAccount(input: Api.DefineAccountInput): Promise<{ accountId: string }> { return this.#call('defineAccount', input); }
  defineAccessKey(input: Api.DefineAccessKeyInput): Promise<Api.DefineAccessKeyOutput> { return this.#call('defineAccessKey', input); }
  defineOidcProvider(input: Api.DefineOidcProviderInput): Promise<{ arn: string }> { return this.#call('defineOidcProvider', input); }
  defineRole(input: Api.DefineRoleInput): Promise<{ arn: string; roleId: string }> { return this.#call('defineRole', input); }
  trustIssuer(input: Api.TrustIssuerInput): Promise<{ issuer: string; keys: number }> { return this.#call('trustIssuer', input); }
  mintToken(input: Api.MintTokenInput): Promise<Api.MintTokenOutput> { return this.#call('mintToken', input); }
  seedSecret(input: Api.SeedSecretInput): Promise<Api.SecretVersionOutput> { return this.#call('seedSecret', input); }
  rotateSecret(input: Api.RotateSecretInput): Promise<Api.SecretVersionOutput> { return this.#call('rotateSecret', input); }
  seedParameter(input: Api.SeedParameterInput): Promise<{ version: number }> { return this.#call('seedParameter', input); }
  fault(input: Api.FaultInput): Promise<{ pending: number }> { return this.#call('fault', input); }
  clearFaults(): Promise<{ pending: number }> { return this.#call('clearFaults', undefined); }
  counts(): Promise<CallCounts> { return this.#call('counts', undefined); }
  resetCounts(): Promise<CallCounts> { return this.#call('resetCounts', undefined); }
  stsSettings(input: Api.StsSettingsInput): Promise<Api.StsSettingsOutput> { return this.#call('stsSettings', input); }
  expireCredentials(input: Api.ExpireCredentialsInput): Promise<{ expired: number }> { return this.#call('expireCredentials', input); }
  rateLimits(input: Api.RateLimitsInput): Promise<Api.RateLimitsOutput> { return this.#call('rateLimits', input); }
}
