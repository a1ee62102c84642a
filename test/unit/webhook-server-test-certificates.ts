/**
 * Test certificates for the HTTPS and reload tests: a throw-away CA and a serving certificate for
 * 127.0.0.1, generated in-process with @peculiar/x509 on WebCrypto (ECDSA P-256).
 */
import 'reflect-metadata';
import { webcrypto, type webcrypto as WebCrypto } from 'node:crypto';
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface TestPair {
  certPem: string;
  keyPem: string;
  /** The CA that signed it, for the client's `ca` option. */
  caPem: string;
  serial: string;
}

async function keyPem(key: WebCrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/** A CA plus a leaf for `127.0.0.1` with the given serial and validity. */
export async function makeServingPair(options: { serial: string; notBefore?: Date; notAfter?: Date; cn?: string }): Promise<TestPair> {
  const notBefore = options.notBefore ?? new Date(Date.now() - 60_000);
  const notAfter = options.notAfter ?? new Date(Date.now() + 24 * 3600_000);
  const caKeys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: `7f${options.serial}`,
    name: `CN=test-ca-${options.serial}`,
    notBefore,
    notAfter,
    signingAlgorithm: ALG,
    keys: caKeys,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  const leafKeys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: options.serial,
    subject: `CN=${options.cn ?? 'ack-secret-injector.test.svc'}`,
    issuer: ca.subject,
    notBefore,
    notAfter,
    signingAlgorithm: ALG,
    publicKey: leafKeys.publicKey,
    signingKey: caKeys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }, { type: 'dns', value: 'localhost' }]),
    ],
  });
  return { certPem: leaf.toString('pem'), keyPem: await keyPem(leafKeys.privateKey), caPem: ca.toString('pem'), serial: options.serial };
}

/**
 * Writes `files` into `dir` the way the kubelet updates a Secret volume (atomic_writer.go):
 * 1. a new timestamped folder with the files; 2. a `..data_tmp` symlink to it; 3. rename it over
 * `..data`; 4. visible names are symlinks through `..data` (created once).
 */
export async function kubeletWrite(dir: string, files: Record<string, string>, generation: number): Promise<void> {
  const ts = `..2026_01_01_00_00_${String(generation).padStart(2, '0')}.${generation}`;
  // 1.
  await mkdir(join(dir, ts), { recursive: true });
  for (const [name, body] of Object.entries(files)) await writeFile(join(dir, ts, name), body);
  // 2. + 3.
  await rm(join(dir, '..data_tmp'), { force: true });
  await symlink(ts, join(dir, '..data_tmp'));
  await rename(join(dir, '..data_tmp'), join(dir, '..data'));
  // 4.
  for (const name of Object.keys(files)) {
    await symlink(join('..data', name), join(dir, name)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  }
}
