/**
 * The settings' `extraCaPem` (config.extraCaPem): CAs the injector trusts for STS, KMS and OOS in
 * addition to the system roots, for a TLS-inspecting egress proxy or a private endpoint with its
 * own CA. Why process-wide: the SDK's `ca` option REPLACES the trust store (see
 * openapi-client-factory.ts), and the injector is one short-lived program per container, so adding
 * to Node's default CA list (`tls.setDefaultCACertificates`, Node ≥ 24.5) is the one place that
 * covers every client, while a dedicated KMS gateway keeps trusting only its own `kmsCaPem`.
 */
import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { ErrorCode, InjectorError } from '../../common/errors.ts';

const PEM_BLOCK_RE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * The certificates of a PEM bundle; E_CONFIG naming `config.extraCaPem` when it holds none or one
 * does not parse (the message quotes the block number, never the bundle).
 */
export function parseCaBundle(pem: string): string[] {
  const blocks = pem.match(PEM_BLOCK_RE) ?? [];
  if (blocks.length === 0) {
    throw new InjectorError(ErrorCode.CONFIG, 'config.extraCaPem: no "-----BEGIN CERTIFICATE-----" block found; expected a PEM certificate bundle');
  }
  blocks.forEach((b, i) => {
    try {
      new X509Certificate(b);
    } catch (err) {
      throw new InjectorError(ErrorCode.CONFIG, `config.extraCaPem: certificate ${i + 1} of ${blocks.length} does not parse (${(err as Error).message}); expected a PEM certificate bundle`);
    }
  });
  return blocks;
}

/** Adds the bundle's CAs to Node's default trust store (system roots + NODE_EXTRA_CA_CERTS stay). Returns how many were added. */
export function trustExtraCa(pem: string): number {
  const extra = parseCaBundle(pem);
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), ...extra]);
  return extra.length;
}
