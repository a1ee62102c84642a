/**
 * The webhook's own tiny PKI: a self-signed CA and a serving certificate for the webhook Service,
 * both ECDSA P-256, plus PEM parsing and expiry helpers. Used by the self-managed certificate mode
 * (certs/rotation.ts plans, certs/self-managed.ts stores); cert-manager and existing-Secret modes
 * never run this code.
 *
 * Why ECDSA P-256: every TLS stack the kube-apiserver uses accepts it, keys are small, and
 * generation is fast enough to run at start-up (vault-k8s' auto-TLS makes the same choice,
 * helper/cert/source_gen.go).
 */
import { X509Certificate, createPrivateKey, createHash, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API
// loaded first (tsyringe README, "Installation").
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { ErrorCode, InjectorError } from '../common/errors.ts';

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;

/**
 * Certificates start this long before "now", so a node whose clock is slightly behind the
 * signer's does not reject a freshly issued certificate as not yet valid. vault-k8s back-dates its
 * auto-TLS certificates by one minute for the same reason (helper/cert/source_gen.go).
 */
export const CLOCK_SKEW_ALLOWANCE_MS = 60_000;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Default CA lifetime: one year. Short enough that a rotation with overlap is exercised in real
 * life (and a leaked CA key ages out), long enough that the CA rotates far less often than the
 * serving certificate.
 */
export const DEFAULT_CA_LIFETIME_MS = 365 * DAY_MS;

/**
 * Default serving-certificate lifetime: 90 days, cert-manager's default Certificate duration
 * (https://cert-manager.io/docs/usage/certificate/ "duration ... defaults to 90 days").
 */
export const DEFAULT_SERVING_LIFETIME_MS = 90 * DAY_MS;

/** A certificate with its private key, both PEM. The key is a secret: never log `keyPem`. */
export interface CertificateKeyPair {
  certPem: string;
  keyPem: string;
}

/** What the rest of certs/ needs to know about a certificate, read once from its PEM. */
export interface CertificateInfo {
  pem: string;
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  isCa: boolean;
  dnsNames: string[];
  ipAddresses: string[];
  /** SHA-256 of the DER, lower-case hex: a stable id for a CA inside a bundle. */
  fingerprint256: string;
  /** The parsed node:crypto object, for verify()/checkIssued()/checkPrivateKey(). */
  x509: X509Certificate;
}

/** Options for {@link generateCertificateAuthority}. */
export interface CaOptions {
  commonName: string;
  now: Date;
  lifetimeMs?: number;
}

/** Options for {@link generateServingCertificate}. */
export interface ServingOptions {
  ca: CertificateKeyPair;
  serviceName: string;
  namespace: string;
  /** Further DNS names, e.g. a host name for a webhook reached by `url:`. */
  extraDnsNames?: readonly string[];
  /** IP SANs, e.g. 127.0.0.1 for an out-of-cluster webhook in tests. */
  ipAddresses?: readonly string[];
  now: Date;
  lifetimeMs?: number;
}

/**
 * The DNS names the kube-apiserver may use to reach `<service>.<namespace>`: it dials
 * `<svc>.<ns>.svc` for a `service:` clientConfig (Kubernetes docs, "Dynamic Admission Control",
 * contacting the webhook), and the shorter and fully-qualified forms cover in-cluster clients
 * and clusters whose DNS search paths differ.
 */
export function servingDnsNames(serviceName: string, namespace: string): string[] {
  return [
    `${serviceName}.${namespace}.svc`,
    `${serviceName}.${namespace}`,
    serviceName,
    `${serviceName}.${namespace}.svc.cluster.local`,
  ];
}

/**
 * Generates a self-signed CA (basicConstraints CA:true pathLen 0, keyCertSign + cRLSign). The
 * path length 0 means the CA can only sign leaf certificates, never another CA.
 */
export async function generateCertificateAuthority(options: CaOptions): Promise<CertificateKeyPair> {
  const lifetime = checkedLifetime('lifetimeMs', options.lifetimeMs ?? DEFAULT_CA_LIFETIME_MS);
  const keys = await webcrypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerial(),
      name: `CN=${escapeRdn(options.commonName)}`,
      notBefore: new Date(options.now.getTime() - CLOCK_SKEW_ALLOWANCE_MS),
      notAfter: new Date(options.now.getTime() + lifetime),
      keys,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, webcrypto),
      ],
    },
    webcrypto,
  );
  return { certPem: cert.toString('pem') + '\n', keyPem: await exportKeyPem(keys.privateKey) };
}

/**
 * Generates the webhook's serving certificate, signed by `ca`: serverAuth only, digitalSignature
 * key usage (all ECDHE needs), the Service DNS names from {@link servingDnsNames} plus extras.
 * The lifetime is clamped to the CA's notAfter: a leaf that outlives its CA would fail
 * verification anyway, and the clamp keeps rotation planning simple.
 */
export async function generateServingCertificate(options: ServingOptions): Promise<CertificateKeyPair> {
  const problems: string[] = [];
  const lifetime = checkedLifetime('lifetimeMs', options.lifetimeMs ?? DEFAULT_SERVING_LIFETIME_MS);
  for (const ip of options.ipAddresses ?? []) {
    if (isIP(ip) === 0) problems.push(`ipAddresses: ${JSON.stringify(ip)} is not an IPv4 or IPv6 address`);
  }
  for (const name of options.extraDnsNames ?? []) {
    if (!DNS_NAME.test(name)) problems.push(`extraDnsNames: ${JSON.stringify(name)} is not a DNS name (lower-case labels of [a-z0-9-], dot separated, optional leading *.)`);
  }
  if (!DNS_LABEL.test(options.serviceName)) problems.push(`serviceName: ${JSON.stringify(options.serviceName)} is not a DNS label`);
  if (!DNS_LABEL.test(options.namespace)) problems.push(`namespace: ${JSON.stringify(options.namespace)} is not a DNS label`);
  if (problems.length > 0) throw new InjectorError(ErrorCode.CERT, `invalid serving certificate request: ${problems.join('; ')}`);

  const caInfo = parseCertificatePem(options.ca.certPem);
  if (!caInfo.isCa) throw new InjectorError(ErrorCode.CERT, `the issuer certificate ${caInfo.subject} is not a CA`);
  const caKey = await importKeyPem(options.ca.keyPem);
  if (!caInfo.x509.checkPrivateKey(createPrivateKey(options.ca.keyPem))) {
    throw new InjectorError(ErrorCode.CERT, `the CA private key does not match the CA certificate ${caInfo.subject}`);
  }
  const keys = await webcrypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify']);
  const dnsNames = unique([...servingDnsNames(options.serviceName, options.namespace), ...(options.extraDnsNames ?? [])]);
  const notAfter = Math.min(options.now.getTime() + lifetime, caInfo.notAfter.getTime());
  const caCert = new x509.X509Certificate(caInfo.pem);
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      subject: `CN=${escapeRdn(dnsNames[0] ?? options.serviceName)}`,
      issuer: caCert.subject,
      notBefore: new Date(Math.max(options.now.getTime() - CLOCK_SKEW_ALLOWANCE_MS, caInfo.notBefore.getTime())),
      notAfter: new Date(notAfter),
      publicKey: keys.publicKey,
      signingKey: caKey,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
        new x509.SubjectAlternativeNameExtension(
          [
            ...dnsNames.map((value) => ({ type: 'dns' as const, value })),
            ...(options.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
          ],
          false,
        ),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, webcrypto),
        await x509.AuthorityKeyIdentifierExtension.create(caCert, false, webcrypto),
      ],
    },
    webcrypto,
  );
  return { certPem: cert.toString('pem') + '\n', keyPem: await exportKeyPem(keys.privateKey) };
}

/** Parses one PEM certificate; a clear E_CERT error (never the PEM text) when it is not one. */
export function parseCertificatePem(pem: string): CertificateInfo {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch (err) {
    throw new InjectorError(ErrorCode.CERT, 'not a PEM-encoded X.509 certificate', { cause: err });
  }
  const san = cert.subjectAltName ?? '';
  const entries = san === '' ? [] : san.split(', ');
  return {
    pem: cert.toString(),
    subject: cert.subject,
    issuer: cert.issuer,
    serialNumber: cert.serialNumber,
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    isCa: cert.ca,
    dnsNames: entries.filter((e) => e.startsWith('DNS:')).map((e) => e.slice(4)),
    ipAddresses: entries.filter((e) => e.startsWith('IP Address:')).map((e) => e.slice(11)),
    fingerprint256: createHash('sha256').update(cert.raw).digest('hex'),
    x509: cert,
  };
}

/**
 * Splits a PEM bundle (such as a caBundle) into single certificates and parses each one. Text
 * outside the BEGIN/END markers is ignored, as TLS libraries do.
 */
export function parseCertificateBundle(pem: string): CertificateInfo[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => parseCertificatePem(block));
}

/** Joins certificates into one PEM bundle, one certificate per block, newline-terminated. */
export function formatCertificateBundle(certs: readonly CertificateInfo[]): string {
  return certs.map((c) => (c.pem.endsWith('\n') ? c.pem : `${c.pem}\n`)).join('');
}

/** True when `certificate` is no longer valid at `now` (at or past notAfter). */
export function isExpired(certificate: Pick<CertificateInfo, 'notAfter'>, now: Date): boolean {
  return now.getTime() >= certificate.notAfter.getTime();
}

/** Milliseconds left until notAfter (negative once expired). */
export function remainingMs(certificate: Pick<CertificateInfo, 'notAfter'>, now: Date): number {
  return certificate.notAfter.getTime() - now.getTime();
}

/** Share of the validity period used up at `now`: 0 at notBefore, 1 at notAfter. */
export function elapsedFraction(certificate: Pick<CertificateInfo, 'notBefore' | 'notAfter'>, now: Date): number {
  const total = certificate.notAfter.getTime() - certificate.notBefore.getTime();
  if (total <= 0) return 1;
  return (now.getTime() - certificate.notBefore.getTime()) / total;
}

/** True when `leaf` carries a signature made with `ca`'s key and names `ca` as its issuer. */
export function isIssuedBy(leaf: CertificateInfo, ca: CertificateInfo): boolean {
  return leaf.x509.checkIssued(ca.x509) && leaf.x509.verify(ca.x509.publicKey);
}

/** True when `keyPem` is the private key of `certificate`; false for an unparsable key. */
export function keyMatchesCertificate(certificate: CertificateInfo, keyPem: string): boolean {
  try {
    return certificate.x509.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

// RFC 1123 label / name, as Kubernetes validates Service and namespace names.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_NAME = /^(\*\.)?[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

function checkedLifetime(field: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new InjectorError(ErrorCode.CERT, `${field}: ${String(value)} is not accepted; expected a positive number of milliseconds`);
  }
  return value;
}

/**
 * A positive 128-bit serial. RFC 5280 §4.1.2.2 allows at most 20 octets and requires a positive
 * integer; clearing the top bit of the first octet keeps the DER INTEGER positive.
 */
function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return Buffer.from(bytes).toString('hex');
}

// RFC 4514 §2.4: characters that must be escaped inside an attribute value.
function escapeRdn(value: string): string {
  return value.replace(/[,+"\\<>;=]/g, (c) => `\\${c}`);
}

async function exportKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const body = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`;
}

async function importKeyPem(pem: string): Promise<webcrypto.CryptoKey> {
  try {
    const der = createPrivateKey(pem).export({ format: 'der', type: 'pkcs8' });
    return await webcrypto.subtle.importKey('pkcs8', der, ECDSA_P256, false, ['sign']);
  } catch (err) {
    throw new InjectorError(ErrorCode.CERT, 'the CA private key is not a PEM-encoded ECDSA P-256 key', { cause: err });
  }
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
