/**
 * The throw-away PKI of the test control plane: a CA, certificates it signs (kube-apiserver serving
 * cert, the admin client cert, and any serving cert a test needs, e.g. for the local webhook), and
 * the ServiceAccount token signing key.
 *
 * Built in-process with WebCrypto + @peculiar/x509, so no openssl binary is needed and a control
 * plane starts in milliseconds of crypto work. TLS keys are ECDSA P-256 (fast to generate; Go's
 * crypto/tls and Node both accept them); the ServiceAccount key is RSA 2048 so minted tokens are
 * RS256 like on real clusters (ACK's RRSA OIDC providers verify RS256; RFC 7518 §3.1).
 */
import { webcrypto } from 'node:crypto';
// @peculiar/x509 resolves its algorithm registry through tsyringe, which needs the Reflect metadata
// polyfill loaded first (tsyringe README, "Installation").
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

/** The WebCrypto provider type @peculiar/x509 expects (Node's webcrypto implements it). */
type X509Crypto = NonNullable<Parameters<typeof x509.X509CertificateGenerator.create>[1]>;
const crypto = webcrypto as unknown as X509Crypto;

/** ECDSA P-256 with SHA-256: the algorithm for every TLS key and certificate signature here. */
const EC_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/**
 * Certificates are valid from one hour ago (tolerates clock skew between test processes) for two
 * days — a control plane lives for one test run.
 */
const NOT_BEFORE_SKEW_MS = 60 * 60 * 1000;
const VALIDITY_MS = 2 * 24 * 60 * 60 * 1000;

/** A certificate and its private key, both PEM (the key as PKCS#8 "PRIVATE KEY"). */
export interface CertificateKeyPair {
  readonly certPem: string;
  readonly keyPem: string;
}

/** The test CA: its PEM, and a function that issues certificates signed by it. */
export interface TestCertificateAuthority {
  readonly certPem: string;
  /** Issue a leaf certificate; see {@link LeafOptions}. */
  issue(options: LeafOptions): Promise<CertificateKeyPair>;
}

/** What a leaf certificate is for. Go ignores the CN for host checks, so SANs are mandatory for servers. */
export interface LeafOptions {
  /** Subject common name (for a client cert: the Kubernetes user name). */
  readonly commonName: string;
  /** Subject organizations (for a client cert: the Kubernetes groups, e.g. `system:masters`). */
  readonly organizations?: readonly string[];
  /** SAN entries; values that parse as IPv4/IPv6 become IP SANs, everything else DNS SANs. */
  readonly hosts?: readonly string[];
  /** `server` → serverAuth EKU, `client` → clientAuth EKU. */
  readonly usage: 'server' | 'client';
}

async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

function randomSerial(): string {
  // Positive 16-byte serial (RFC 5280 §4.1.2.2: positive, at most 20 octets): clear the top bit.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

function isIpAddress(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}

/** Escape a value for an RFC 4514 distinguished-name string (`,`, `+`, `"`, `\`, `<`, `>`, `;`, `=`). */
function escapeDnValue(value: string): string {
  return value.replace(/[,+"\\<>;=]/g, (c) => `\\${c}`);
}

/** Create a fresh self-signed CA (CA:TRUE, keyCertSign|cRLSign) that lives in memory only. */
export async function createCertificateAuthority(commonName = 'ack-secret-injector-e2e-ca'): Promise<TestCertificateAuthority> {
  const now = Date.now();
  const caKeys = await crypto.subtle.generateKey(EC_ALGORITHM, true, ['sign', 'verify']);
  const caCert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerial(),
      name: `CN=${escapeDnValue(commonName)}`,
      notBefore: new Date(now - NOT_BEFORE_SKEW_MS),
      notAfter: new Date(now + VALIDITY_MS),
      keys: caKeys,
      signingAlgorithm: EC_ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  const authorityKeyId = await x509.AuthorityKeyIdentifierExtension.create(caCert, false, crypto);

  return {
    certPem: caCert.toString('pem'),
    async issue(options: LeafOptions): Promise<CertificateKeyPair> {
      const keys = await crypto.subtle.generateKey(EC_ALGORITHM, true, ['sign', 'verify']);
      const subject = [
        `CN=${escapeDnValue(options.commonName)}`,
        ...(options.organizations ?? []).map((o) => `O=${escapeDnValue(o)}`),
      ].join(', ');
      const hosts = options.hosts ?? [];
      const extensions: x509.Extension[] = [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension(
          [options.usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth],
          false,
        ),
        authorityKeyId,
      ];
      if (hosts.length > 0) {
        extensions.push(
          new x509.SubjectAlternativeNameExtension(
            hosts.map((h) => ({ type: isIpAddress(h) ? ('ip' as const) : ('dns' as const), value: h })),
            false,
          ),
        );
      }
      const issued = Date.now();
      const cert = await x509.X509CertificateGenerator.create(
        {
          serialNumber: randomSerial(),
          subject,
          issuer: caCert.subject,
          notBefore: new Date(issued - NOT_BEFORE_SKEW_MS),
          notAfter: new Date(issued + VALIDITY_MS),
          publicKey: keys.publicKey,
          signingKey: caKeys.privateKey,
          signingAlgorithm: EC_ALGORITHM,
          extensions,
        },
        crypto,
      );
      return { certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
    },
  };
}

/** The ServiceAccount token signing key pair: PKCS#8 private key PEM and SPKI public key PEM. */
export interface ServiceAccountKeyPair {
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

/**
 * Generate the RSA 2048 key the apiserver signs ServiceAccount tokens with
 * (`--service-account-signing-key-file`) and verifies them with (`--service-account-key-file`).
 * RSA makes the tokens RS256, as on ACK and most clusters.
 */
export async function createServiceAccountKeyPair(): Promise<ServiceAccountKeyPair> {
  const keys = await crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  );
  return {
    privateKeyPem: await privateKeyPem(keys.privateKey),
    publicKeyPem: x509.PemConverter.encode(await crypto.subtle.exportKey('spki', keys.publicKey), 'PUBLIC KEY'),
  };
}
