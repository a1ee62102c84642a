/**
 * A throw-away CA and a serving certificate for 127.0.0.1, made with the project's own certificate
 * code (certs/certificate-authority.ts, the self-managed mode's generator) and written with its
 * own file writer (certs/serving-files.ts), so the benchmark server loads TLS exactly as the
 * product does: from `tls.crt`/`tls.key` in a watched folder.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateCertificateAuthority, generateServingCertificate } from '../certs/certificate-authority.ts';
import { writeServingFiles } from '../certs/serving-files.ts';

/** Where the material went: the folder for the server, the CA file for the client. */
export interface BenchCertificate {
  tlsDir: string;
  caFile: string;
}

/**
 * Generates the pair and writes it under `dir`: `<dir>/tls/{tls.crt,tls.key}` and `<dir>/ca.pem`.
 * ECDSA P-256, as the product generates, so the handshake cost matches production.
 */
export async function writeBenchCertificate(dir: string, now: Date = new Date()): Promise<BenchCertificate> {
  const ca = await generateCertificateAuthority({ commonName: 'ack-secret-injector-bench-ca', now });
  const serving = await generateServingCertificate({ ca, serviceName: 'ack-secret-injector', namespace: 'bench', ipAddresses: ['127.0.0.1'], now });
  const tlsDir = join(dir, 'tls');
  await writeServingFiles(tlsDir, serving);
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, ca.certPem);
  return { tlsDir, caFile };
}
