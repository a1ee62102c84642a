/**
 * The emulator's TLS material: a throwaway CA and a serving certificate for 127.0.0.1, generated
 * at start. The SDKs hard-code `https` for STS (reference §3.6), so the emulator must speak TLS and
 * clients trust it through NODE_EXTRA_CA_CERTS — nothing in the product's code paths is switched
 * off for tests.
 */
import { webcrypto } from 'node:crypto';
// @peculiar/x509 resolves its algorithm registry through tsyringe, which needs a Reflect metadata
// polyfill loaded first (tsyringe README, "Installation").
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto);

/** PEM strings for the CA (public, given to clients) and the serving pair (server only). */
export interface EmulatorTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** ECDSA P-256 with SHA-256: fast to generate and accepted by Node's TLS stack. */
const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
/** One day is plenty for a process-lifetime CA; a little back-dating absorbs clock skew. */
const VALIDITY_MS = 24 * 60 * 60 * 1000;
const BACKDATE_MS = 5 * 60 * 1000;

function toPem(der: ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/**
 * Generates a fresh CA and a serving certificate with SAN IP 127.0.0.1 and DNS `localhost`, plus
 * `extraHosts` (IPs or DNS names; the end-to-end node adds its bridge address and the production
 * host names `sts-vpc.<region>.aliyuncs.com`, ... that its pods resolve to it).
 * Steps:
 * 1. make the CA key pair and a self-signed CA certificate (basicConstraints CA, keyCertSign);
 * 2. make the server key pair and a leaf signed by the CA (serverAuth, SANs);
 * 3. export the CA and leaf as PEM and the leaf key as PKCS#8 PEM.
 */
export async function createEmulatorTls(extraHosts: readonly string[] = []): Promise<EmulatorTls> {
  const notBefore = new Date(Date.now() - BACKDATE_MS);
  const notAfter = new Date(Date.now() + VALIDITY_MS);
  // 1. the CA
  const caKeys = await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex').replace(/^[89a-f]/, '1'),
    name: 'CN=ack-secret-injector Alibaba Cloud emulator CA',
    notBefore,
    notAfter,
    signingAlgorithm: SIGNING_ALGORITHM,
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  // 2. the serving certificate
  const leafKeys = await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex').replace(/^[89a-f]/, '1'),
    subject: 'CN=127.0.0.1',
    issuer: ca.subject,
    notBefore,
    notAfter,
    signingAlgorithm: SIGNING_ALGORITHM,
    publicKey: leafKeys.publicKey,
    signingKey: caKeys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'ip', value: '127.0.0.1' },
        { type: 'dns', value: 'localhost' },
        ...extraHosts.map((h) => ({ type: /^\d{1,3}(\.\d{1,3}){3}$/.test(h) ? ('ip' as const) : ('dns' as const), value: h })),
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  // 3. PEM
  const keyDer = await webcrypto.subtle.exportKey('pkcs8', leafKeys.privateKey);
  return {
    caPem: ca.toString('pem') + '\n',
    certPem: leaf.toString('pem') + '\n',
    keyPem: toPem(keyDer, 'PRIVATE KEY'),
  };
}
