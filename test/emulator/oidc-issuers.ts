/**
 * OIDC issuers the emulated STS trusts, and the emulator's own issuer. The emulator signs
 * ServiceAccount-style tokens (RS256, `sub` = `system:serviceaccount:<ns>:<sa>`) with its own RSA
 * key, and it can trust other issuers' public keys (a JWKS or PEM) — the end-to-end suite
 * registers the real kube-apiserver's ServiceAccount issuer this way. Real STS fetches keys from
 * `{iss}/.well-known/openid-configuration` (reference §1.4); the emulator is told them instead,
 * because the issuers under test are not reachable over public HTTPS.
 */
import { createPublicKey, generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import { AcsError } from './acs-error.ts';

/** JWS algorithms accepted in OIDC tokens: the RSA and ECDSA families Kubernetes can sign with. */
const HASH_BY_ALG: Readonly<Record<string, { hash: string; ec: boolean }>> = {
  RS256: { hash: 'sha256', ec: false },
  RS384: { hash: 'sha384', ec: false },
  RS512: { hash: 'sha512', ec: false },
  ES256: { hash: 'sha256', ec: true },
  ES384: { hash: 'sha384', ec: true },
};

/** A verification key of a trusted issuer. `kid` undefined matches any token `kid`. */
interface TrustedKey {
  kid: string | undefined;
  key: KeyObject;
}

/** The claims the emulator reads from an OIDC token. */
export interface OidcClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number | undefined;
  nbf: number | undefined;
}

/** Options for minting a ServiceAccount-style token with the emulator's own issuer. */
export interface MintTokenOptions {
  namespace: string;
  serviceAccount: string;
  /** Default `sts.aliyuncs.com`, the RRSA client ID (reference §1.1). */
  audience?: string | string[];
  /** Lifetime from now; negative makes an already-expired token. Default 3600. */
  expiresInSeconds?: number;
  /** `nbf` offset from now (positive = not valid yet). Default 0. */
  notBeforeSeconds?: number;
  /** Overrides `iss` (the token is still signed with the emulator's key). */
  issuer?: string;
  /** Pod name for the `kubernetes.io` claim block. */
  podName?: string;
}

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

function invalid(message: string): AcsError {
  return new AcsError(401, 'AuthenticationFail.OIDCToken.Invalid', message);
}

/** Keeps the trusted issuers and signs and verifies tokens. `now` is injectable for tests. */
export class OidcIssuers {
  /** The emulator's own issuer URL (its `/__emulator/oidc` path). */
  readonly issuer: string;
  readonly #privateKey: KeyObject;
  readonly #publicKey: KeyObject;
  readonly #kid: string;
  readonly #trusted = new Map<string, TrustedKey[]>();
  readonly #now: () => number;

  constructor(issuer: string, now: () => number = Date.now) {
    this.issuer = issuer;
    this.#now = now;
    // RSA 2048 is what kube-apiserver's service-account signing key uses by default (kubeadm).
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.#privateKey = pair.privateKey;
    this.#publicKey = pair.publicKey;
    this.#kid = randomUUID();
    this.#trusted.set(issuer, [{ kid: this.#kid, key: this.#publicKey }]);
  }

  /** The emulator issuer's JWKS, served at `<issuer>/keys` for discovery. */
  jwks(): { keys: Record<string, unknown>[] } {
    return { keys: [{ ...this.#publicKey.export({ format: 'jwk' }), kid: this.#kid, alg: 'RS256', use: 'sig' }] };
  }

  /**
   * Trusts `issuer`'s public keys, replacing any earlier registration. `jwks` is a JWK Set;
   * `publicKeyPem` is one or more PEM public keys or certificates (SPKI, PKCS#1 or X.509).
   */
  trust(issuer: string, keys: { jwks?: { keys: unknown[] }; publicKeyPem?: string | string[] }): number {
    const list: TrustedKey[] = [];
    for (const [i, jwk] of (keys.jwks?.keys ?? []).entries()) {
      if (typeof jwk !== 'object' || jwk === null) throw new Error(`jwks.keys[${i}]: must be a JWK object`);
      const j = jwk as Record<string, unknown>;
      try {
        list.push({ kid: typeof j['kid'] === 'string' ? j['kid'] : undefined, key: createPublicKey({ key: j as never, format: 'jwk' }) });
      } catch (err) {
        throw new Error(`jwks.keys[${i}]: not a usable public JWK (${(err as Error).message})`);
      }
    }
    const pems = keys.publicKeyPem === undefined ? [] : Array.isArray(keys.publicKeyPem) ? keys.publicKeyPem : [keys.publicKeyPem];
    for (const [i, pem] of pems.entries()) {
      // A PEM file may hold several keys (kube-apiserver accepts a bundle); split on the armour.
      const blocks = pem.match(/-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----/g) ?? [];
      if (blocks.length === 0) throw new Error(`publicKeyPem[${i}]: no PEM block found (accepted: PUBLIC KEY, RSA PUBLIC KEY, CERTIFICATE)`);
      for (const block of blocks) {
        try {
          list.push({ kid: undefined, key: createPublicKey(block) });
        } catch (err) {
          throw new Error(`publicKeyPem[${i}]: not a usable public key (${(err as Error).message})`);
        }
      }
    }
    if (list.length === 0) throw new Error('trust: give jwks.keys or publicKeyPem (at least one key)');
    this.#trusted.set(issuer, list);
    return list.length;
  }

  /** Issuer URLs whose keys are known. */
  trustedIssuers(): string[] {
    return [...this.#trusted.keys()];
  }

  /** Mints an RS256 ServiceAccount-style token signed by the emulator's own key. */
  mint(o: MintTokenOptions): { token: string; claims: Record<string, unknown> } {
    const now = Math.floor(this.#now() / 1000);
    const claims: Record<string, unknown> = {
      iss: o.issuer ?? this.issuer,
      sub: `system:serviceaccount:${o.namespace}:${o.serviceAccount}`,
      aud: Array.isArray(o.audience) ? o.audience : [o.audience ?? 'sts.aliyuncs.com'],
      exp: now + (o.expiresInSeconds ?? 3600),
      iat: now,
      nbf: now + (o.notBeforeSeconds ?? 0),
      jti: randomUUID(),
      'kubernetes.io': {
        namespace: o.namespace,
        serviceaccount: { name: o.serviceAccount, uid: randomUUID() },
        ...(o.podName === undefined ? {} : { pod: { name: o.podName, uid: randomUUID() } }),
      },
    };
    const input = `${b64url(JSON.stringify({ alg: 'RS256', kid: this.#kid, typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
    const sig = sign('sha256', Buffer.from(input), this.#privateKey);
    return { token: `${input}.${b64url(sig)}`, claims };
  }

  /**
   * Verifies a token for a provider, in the order STS reports problems (reference §2.2):
   * 1. structure: three base64url parts with JSON header and payload (`…OIDCToken.Invalid`);
   * 2. algorithm: RS/ES family only (`…Invalid`);
   * 3. issuer equals the provider's issuer URL (`…IssuerNotMatch`);
   * 4. keys for the issuer are known (`…IssuerConfigurationBroken`);
   * 5. signature (`…InvalidSignature`);
   * 6. expiry and not-before (`…Expired` / `…Invalid`);
   * 7. audience is one of the provider's client IDs (`…AudienceNotMatch`).
   */
  verify(token: string, provider: { issuerUrl: string; clientIds: readonly string[] }): OidcClaims {
    // 1. structure
    const parts = token.split('.');
    if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p)) || parts[0] === '' || parts[1] === '') {
      throw invalid('The OIDC token is not a JWT: expected three base64url parts separated by dots.');
    }
    let header: Record<string, unknown>;
    let payload: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(parts[0] as string, 'base64url').toString('utf8')) as Record<string, unknown>;
      payload = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      throw invalid('The OIDC token could not be parsed: header or payload is not base64url-encoded JSON.');
    }
    if (typeof header !== 'object' || header === null || typeof payload !== 'object' || payload === null) throw invalid('The OIDC token header and payload must be JSON objects.');
    // 2. algorithm
    const alg = header['alg'];
    const algInfo = typeof alg === 'string' ? HASH_BY_ALG[alg] : undefined;
    if (algInfo === undefined) throw invalid(`The OIDC token algorithm "${String(alg)}" is not supported (accepted: ${Object.keys(HASH_BY_ALG).join(', ')}).`);
    // 3. issuer
    const iss = payload['iss'];
    if (typeof iss !== 'string' || iss !== provider.issuerUrl) {
      throw new AcsError(401, 'AuthenticationFail.OIDCToken.IssuerNotMatch', `The issuer in the OIDC Token doesn't match the OIDC Provider registered. token iss="${String(iss)}", provider issuer="${provider.issuerUrl}".`);
    }
    // 4. keys
    const keys = this.#trusted.get(iss);
    if (keys === undefined) {
      throw new AcsError(401, 'AuthenticationFail.OIDCToken.IssuerConfigurationBroken', `The public keys of issuer "${iss}" could not be obtained.`);
    }
    // 5. signature
    const kid = typeof header['kid'] === 'string' ? header['kid'] : undefined;
    const candidates = keys.filter((k) => k.kid === undefined || kid === undefined || k.kid === kid);
    const data = Buffer.from(`${parts[0]}.${parts[1]}`);
    const sig = Buffer.from(parts[2] as string, 'base64url');
    const good = candidates.some((k) => {
      try {
        return verify(algInfo.hash, data, algInfo.ec ? { key: k.key, dsaEncoding: 'ieee-p1363' } : k.key, sig);
      } catch {
        return false;
      }
    });
    if (!good) throw new AcsError(401, 'AuthenticationFail.OIDCToken.InvalidSignature', 'OIDC token validate failed: invalid signature.');
    // 6. time
    const now = Math.floor(this.#now() / 1000);
    const exp = payload['exp'];
    const nbf = payload['nbf'];
    const iat = payload['iat'];
    if (typeof exp !== 'number') throw invalid('The OIDC token has no numeric "exp" claim.');
    if (exp <= now) throw new AcsError(401, 'AuthenticationFail.OIDCToken.Expired', 'This JsonWebToken is expired.');
    if (typeof nbf === 'number' && nbf > now) throw invalid(`The OIDC token is not valid yet (nbf ${new Date(nbf * 1000).toISOString()}).`);
    // 7. audience
    const audRaw = payload['aud'];
    const aud = typeof audRaw === 'string' ? [audRaw] : Array.isArray(audRaw) ? audRaw.filter((a): a is string => typeof a === 'string') : [];
    if (!aud.some((a) => provider.clientIds.includes(a))) {
      throw new AcsError(401, 'AuthenticationFail.OIDCToken.AudienceNotMatch', `Invalid audience. token aud=${JSON.stringify(aud)}, provider client IDs=${JSON.stringify(provider.clientIds)}.`);
    }
    const sub = payload['sub'];
    if (typeof sub !== 'string' || sub === '') throw invalid('The OIDC token has no "sub" claim.');
    return { iss, sub, aud, exp, iat: typeof iat === 'number' ? iat : undefined, nbf: typeof nbf === 'number' ? nbf : undefined };
  }
}
