// settings.extraCaPem on the injector side (injector/cloud/extra-ca.ts): the bundle is checked,
// and once trusted a server whose CA is only in that bundle is reachable over https while the
// system roots stay trusted. This file runs in its own process (node --test), so changing the
// process-wide default CA list here touches no other test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { hasCode } from '../../common/errors.ts';
import { parseCaBundle, trustExtraCa } from '../../injector/cloud/extra-ca.ts';
import { createEmulatorTls } from '../emulator/tls.ts';

test('parseCaBundle accepts PEM bundles and names the problem of anything else', async (t) => {
  const a = await createEmulatorTls();
  const b = await createEmulatorTls();
  const ok: { name: string; pem: string; count: number }[] = [
    { name: 'one CA', pem: a.caPem, count: 1 },
    { name: 'two CAs with text around them', pem: `# proxy\n${a.caPem}\n# private endpoint\n${b.caPem}`, count: 2 },
  ];
  for (const c of ok) await t.test(c.name, () => assert.equal(parseCaBundle(c.pem).length, c.count));
  const bad: { name: string; pem: string; problem: RegExp }[] = [
    { name: 'no PEM block', pem: 'my-proxy-ca', problem: /config.extraCaPem: no "-----BEGIN CERTIFICATE-----" block found/ },
    { name: 'a block that does not parse', pem: `${a.caPem}-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n`, problem: /config.extraCaPem: certificate 2 of 2 does not parse/ },
  ];
  for (const c of bad) await t.test(c.name, () => assert.throws(() => parseCaBundle(c.pem), (err: unknown) => hasCode(err, 'E_CONFIG') && c.problem.test(err.message)));
});

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    https.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(String(res.statusCode)));
    }).on('error', (err: NodeJS.ErrnoException) => reject(err));
  });
}

test('after trustExtraCa a server signed by the extra CA is trusted and the system roots are kept', async () => {
  const material = await createEmulatorTls();
  const server = https.createServer({ cert: material.certPem, key: material.keyPem }, (_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  try {
    const fingerprints = (): Set<string> => new Set(tls.getCACertificates('default').map((pem) => new X509Certificate(pem).fingerprint256));
    const before = fingerprints();
    await assert.rejects(get(port), (err: NodeJS.ErrnoException) => /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|unable to (get|verify)/i.test(`${err.code} ${err.message}`));
    assert.equal(trustExtraCa(material.caPem), 1);
    assert.equal(await get(port), '200');
    const after = fingerprints();
    assert.equal([...before].filter((f) => !after.has(f)).length, 0, 'the default roots stay trusted');
    assert.ok(after.has(new X509Certificate(material.caPem).fingerprint256), 'the extra CA is in the default list');
  } finally {
    server.close();
  }
});
