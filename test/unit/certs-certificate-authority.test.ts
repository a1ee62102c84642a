import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { X509Certificate } from 'node:crypto';
import 'reflect-metadata';
import * as px509 from '@peculiar/x509';
import {
  CLOCK_SKEW_ALLOWANCE_MS,
  elapsedFraction,
  formatCertificateBundle,
  generateCertificateAuthority,
  generateServingCertificate,
  isExpired,
  isIssuedBy,
  keyMatchesCertificate,
  parseCertificateBundle,
  parseCertificatePem,
  remainingMs,
  servingDnsNames,
} from '../../certs/certificate-authority.ts';
import { ErrorCode, InjectorError } from '../../common/errors.ts';

const NOW = new Date('2026-03-01T12:00:00Z');
const DAY = 24 * 60 * 60 * 1000;

describe('certs/certificate-authority: generation', async () => {
  const ca = await generateCertificateAuthority({ commonName: 'injector test CA', now: NOW, lifetimeMs: 100 * DAY });
  const serving = await generateServingCertificate({
    ca,
    serviceName: 'ack-secret-injector',
    namespace: 'secret-injector',
    extraDnsNames: ['webhook.example.com'],
    ipAddresses: ['127.0.0.1', '::1'],
    now: NOW,
    lifetimeMs: 30 * DAY,
  });
  const caX509 = new X509Certificate(ca.certPem);
  const leafX509 = new X509Certificate(serving.certPem);

  const cases: { name: string; check: () => void }[] = [
    { name: 'the CA is marked CA:TRUE and self-signed', check: () => {
      assert.equal(caX509.ca, true);
      assert.equal(caX509.subject, 'CN=injector test CA');
      assert.equal(caX509.issuer, caX509.subject);
      assert.equal(caX509.verify(caX509.publicKey), true);
    } },
    { name: 'the CA has critical basicConstraints pathlen 0 and only keyCertSign/cRLSign usage', check: () => {
      const parsed = new px509.X509Certificate(ca.certPem);
      const bc = parsed.getExtension(px509.BasicConstraintsExtension);
      assert.equal(bc?.ca, true);
      assert.equal(bc?.pathLength, 0);
      assert.equal(bc?.critical, true);
      const ku = parsed.getExtension(px509.KeyUsagesExtension);
      assert.equal(ku?.usages, px509.KeyUsageFlags.keyCertSign | px509.KeyUsageFlags.cRLSign);
      assert.equal(ku?.critical, true);
    } },
    { name: 'the serving certificate has CA:FALSE and digitalSignature usage only', check: () => {
      const parsed = new px509.X509Certificate(serving.certPem);
      assert.equal(parsed.getExtension(px509.BasicConstraintsExtension)?.ca, false);
      assert.equal(parsed.getExtension(px509.KeyUsagesExtension)?.usages, px509.KeyUsageFlags.digitalSignature);
      assert.equal(leafX509.ca, false);
    } },
    { name: 'the serving certificate chain verifies with node:crypto X509Certificate.verify', check: () => {
      assert.equal(leafX509.verify(caX509.publicKey), true);
      assert.equal(leafX509.checkIssued(caX509), true);
      assert.equal(isIssuedBy(parseCertificatePem(serving.certPem), parseCertificatePem(ca.certPem)), true);
    } },
    { name: 'the serving certificate carries all four Service DNS names, extras and IP SANs', check: () => {
      const info = parseCertificatePem(serving.certPem);
      assert.deepEqual(info.dnsNames, [
        'ack-secret-injector.secret-injector.svc',
        'ack-secret-injector.secret-injector',
        'ack-secret-injector',
        'ack-secret-injector.secret-injector.svc.cluster.local',
        'webhook.example.com',
      ]);
      assert.deepEqual(info.ipAddresses, ['127.0.0.1', '0:0:0:0:0:0:0:1']);
      assert.equal(leafX509.checkHost('ack-secret-injector.secret-injector.svc'), 'ack-secret-injector.secret-injector.svc');
      assert.equal(leafX509.checkIP('127.0.0.1'), '127.0.0.1');
    } },
    { name: 'the serving certificate is for server authentication only', check: () => {
      assert.deepEqual(leafX509.keyUsage, ['1.3.6.1.5.5.7.3.1']);
      assert.equal(leafX509.ca, false);
    } },
    { name: 'lifetimes start one skew allowance before now and end at now + lifetime', check: () => {
      const caInfo = parseCertificatePem(ca.certPem);
      const leafInfo = parseCertificatePem(serving.certPem);
      assert.equal(caInfo.notBefore.getTime(), NOW.getTime() - CLOCK_SKEW_ALLOWANCE_MS);
      assert.equal(caInfo.notAfter.getTime(), NOW.getTime() + 100 * DAY);
      assert.equal(leafInfo.notAfter.getTime(), NOW.getTime() + 30 * DAY);
    } },
    { name: 'each private key matches its own certificate and not the other one', check: () => {
      assert.equal(keyMatchesCertificate(parseCertificatePem(ca.certPem), ca.keyPem), true);
      assert.equal(keyMatchesCertificate(parseCertificatePem(serving.certPem), serving.keyPem), true);
      assert.equal(keyMatchesCertificate(parseCertificatePem(serving.certPem), ca.keyPem), false);
      assert.equal(keyMatchesCertificate(parseCertificatePem(serving.certPem), 'not a key'), false);
      assert.match(serving.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
    } },
  ];
  for (const c of cases) it(c.name, c.check);

  it('clamps a serving certificate that would outlive its CA to the CA expiry', async () => {
    const long = await generateServingCertificate({ ca, serviceName: 'svc', namespace: 'ns', now: NOW, lifetimeMs: 1000 * DAY });
    assert.equal(parseCertificatePem(long.certPem).notAfter.getTime(), parseCertificatePem(ca.certPem).notAfter.getTime());
  });

  it('rejects a serving certificate signed by a key that is not the CA key', async () => {
    await assert.rejects(
      generateServingCertificate({ ca: { certPem: ca.certPem, keyPem: serving.keyPem }, serviceName: 'svc', namespace: 'ns', now: NOW }),
      (err: unknown) => err instanceof InjectorError && err.code === ErrorCode.CERT && /does not match/.test(err.message),
    );
  });

  it('rejects a non-CA certificate as issuer', async () => {
    await assert.rejects(
      generateServingCertificate({ ca: serving, serviceName: 'svc', namespace: 'ns', now: NOW }),
      (err: unknown) => err instanceof InjectorError && /is not a CA/.test(err.message),
    );
  });
});

describe('certs/certificate-authority: bad input reports every problem at once', () => {
  it('names each bad field, value and what is accepted', async () => {
    const ca = await generateCertificateAuthority({ commonName: 'x', now: NOW });
    await assert.rejects(
      generateServingCertificate({ ca, serviceName: 'Bad_Name', namespace: 'ns!', extraDnsNames: ['ok.example', 'UPPER.example'], ipAddresses: ['300.1.1.1'], now: NOW }),
      (err: unknown) => {
        assert.ok(err instanceof InjectorError);
        assert.equal(err.code, ErrorCode.CERT);
        for (const part of ['ipAddresses: "300.1.1.1"', 'extraDnsNames: "UPPER.example"', 'serviceName: "Bad_Name"', 'namespace: "ns!"']) {
          assert.ok(err.message.includes(part), `${part} missing from: ${err.message}`);
        }
        assert.ok(!err.message.includes('"ok.example"'));
        return true;
      },
    );
  });

  it('rejects a non-positive lifetime naming the field', async () => {
    await assert.rejects(generateCertificateAuthority({ commonName: 'x', now: NOW, lifetimeMs: 0 }), /lifetimeMs: 0 is not accepted/);
  });

  it('rejects text that is not a certificate without echoing it', () => {
    assert.throws(() => parseCertificatePem('-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n'), (err: unknown) => {
      assert.ok(err instanceof InjectorError);
      assert.equal(err.message, 'not a PEM-encoded X.509 certificate');
      return true;
    });
  });
});

describe('certs/certificate-authority: PEM bundles and expiry helpers', async () => {
  const a = await generateCertificateAuthority({ commonName: 'A', now: NOW, lifetimeMs: 10 * DAY });
  const b = await generateCertificateAuthority({ commonName: 'B', now: NOW, lifetimeMs: 20 * DAY });
  const cases: { name: string; check: () => void }[] = [
    { name: 'a bundle splits into its certificates in order, ignoring text around them', check: () => {
      const parsed = parseCertificateBundle(`# trust\n${a.certPem}junk\n${b.certPem}`);
      assert.deepEqual(parsed.map((c) => c.subject), ['CN=A', 'CN=B']);
    } },
    { name: 'formatting then parsing a bundle round-trips fingerprints', check: () => {
      const parsed = parseCertificateBundle(a.certPem + b.certPem);
      assert.deepEqual(parseCertificateBundle(formatCertificateBundle(parsed)).map((c) => c.fingerprint256), parsed.map((c) => c.fingerprint256));
      assert.match(parsed[0]?.fingerprint256 ?? '', /^[0-9a-f]{64}$/);
    } },
    { name: 'an empty bundle parses to no certificates', check: () => assert.deepEqual(parseCertificateBundle(''), []) },
    { name: 'isExpired is false before notAfter and true at it', check: () => {
      const info = parseCertificatePem(a.certPem);
      assert.equal(isExpired(info, new Date(info.notAfter.getTime() - 1)), false);
      assert.equal(isExpired(info, info.notAfter), true);
    } },
    { name: 'remainingMs and elapsedFraction measure the validity window', check: () => {
      const info = parseCertificatePem(b.certPem);
      assert.equal(remainingMs(info, NOW), 20 * DAY);
      assert.equal(elapsedFraction(info, info.notBefore), 0);
      assert.equal(elapsedFraction(info, info.notAfter), 1);
    } },
    { name: 'servingDnsNames lists svc, short, bare and cluster.local forms', check: () => {
      assert.deepEqual(servingDnsNames('s', 'n'), ['s.n.svc', 's.n', 's', 's.n.svc.cluster.local']);
    } },
  ];
  for (const c of cases) it(c.name, c.check);
});
