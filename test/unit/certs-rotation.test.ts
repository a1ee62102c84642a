import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  generateCertificateAuthority,
  isIssuedBy,
  parseCertificateBundle,
  parseCertificatePem,
} from '../../certs/certificate-authority.ts';
import {
  RotationAction,
  executeRotation,
  formatRetainUntil,
  parseRetainUntil,
  planRotation,
  rotate,
  type CertificateState,
  type RotationPolicy,
} from '../../certs/rotation.ts';

const DAY = 24 * 60 * 60 * 1000;
const T0 = new Date('2026-01-01T00:00:00Z');
const at = (days: number): Date => new Date(T0.getTime() + days * DAY);

// CA 300 days (rotates after day 200), serving 90 days (renews after day 60).
const POLICY: RotationPolicy = { serviceName: 'injector', namespace: 'si', caLifetimeMs: 300 * DAY, servingLifetimeMs: 90 * DAY };

/** The history every scenario below starts from, built once with the real generator. */
async function history() {
  const created = await rotate(null, POLICY, at(0));
  const renewedDay150 = await rotate(created.state, POLICY, at(150));
  const rotatedDay205 = await rotate(renewedDay150.state, POLICY, at(205));
  return { created, renewedDay150, rotatedDay205 };
}

describe('certs/rotation: planning table', async () => {
  const h = await history();
  const caOf = (s: CertificateState) => parseCertificateBundle(s.caBundlePem ?? '')[0];

  const cases: { name: string; state: CertificateState | null; now: Date; policy?: RotationPolicy; action: RotationAction; reason: RegExp; retained: number; dropped: number }[] = [
    { name: 'fresh install (no Secret) creates CA and serving certificate', state: null, now: at(0), action: RotationAction.CREATE, reason: /no CA yet/, retained: 0, dropped: 0 },
    { name: 'empty Secret creates CA and serving certificate', state: {}, now: at(0), action: RotationAction.CREATE, reason: /no CA yet/, retained: 0, dropped: 0 },
    { name: 'mid-life (day 30) keeps everything', state: h.created.state, now: at(30), action: RotationAction.KEEP, reason: /certificates are current/, retained: 0, dropped: 0 },
    { name: 'serving certificate just before 2/3 of its life (day 59) is kept', state: h.created.state, now: at(59), action: RotationAction.KEEP, reason: /current/, retained: 0, dropped: 0 },
    { name: 'serving certificate past 2/3 of its life (day 61) renews the serving certificate only', state: h.created.state, now: at(61), action: RotationAction.RENEW_SERVING, reason: /serving certificate is past 2\/3/, retained: 0, dropped: 0 },
    { name: 'expired serving certificate (day 95) renews the serving certificate only', state: h.created.state, now: at(95), action: RotationAction.RENEW_SERVING, reason: /serving certificate expired/, retained: 0, dropped: 0 },
    { name: 'a new wanted SAN renews the serving certificate', state: h.created.state, now: at(1), policy: { ...POLICY, extraDnsNames: ['hook.example.com'] }, action: RotationAction.RENEW_SERVING, reason: /lacks SANs hook\.example\.com/, retained: 0, dropped: 0 },
    { name: 'a new wanted IPv6 SAN renews the serving certificate', state: h.created.state, now: at(1), policy: { ...POLICY, ipAddresses: ['::1'] }, action: RotationAction.RENEW_SERVING, reason: /lacks SANs ::1/, retained: 0, dropped: 0 },
    { name: 'a serving key that does not match renews the serving certificate', state: { ...h.created.state, servingKeyPem: h.created.state.caKeyPem }, now: at(1), action: RotationAction.RENEW_SERVING, reason: /tls\.key does not match/, retained: 0, dropped: 0 },
    { name: 'a serving certificate from another CA renews the serving certificate', state: { ...h.rotatedDay205.state, servingCertPem: h.renewedDay150.state.servingCertPem, servingKeyPem: h.renewedDay150.state.servingKeyPem }, now: at(206), action: RotationAction.RENEW_SERVING, reason: /not issued by the current CA/, retained: 1, dropped: 0 },
    { name: 'CA past 2/3 of its life (day 205) rotates the CA and keeps the old one for the overlap', state: h.renewedDay150.state, now: at(205), action: RotationAction.ROTATE_CA, reason: /CA .* is past 2\/3/, retained: 1, dropped: 0 },
    { name: 'during the overlap (day 230) everything is kept and the old CA stays', state: h.rotatedDay205.state, now: at(230), action: RotationAction.KEEP, reason: /current/, retained: 1, dropped: 0 },
    { name: 'after the old serving certificate expired (day 241) the old CA is dropped', state: h.rotatedDay205.state, now: at(241), action: RotationAction.PRUNE_BUNDLE, reason: /overlap ended/, retained: 0, dropped: 1 },
    { name: 'an expired CA (day 301) is replaced and not retained', state: h.renewedDay150.state, now: at(301), action: RotationAction.ROTATE_CA, reason: /expired at/, retained: 0, dropped: 1 },
    { name: 'a ca.key matching nothing in ca.crt rotates the CA, keeping the old one until it expires', state: { ...h.created.state, caKeyPem: h.created.state.servingKeyPem }, now: at(1), action: RotationAction.ROTATE_CA, reason: /no certificate in ca\.crt matches ca\.key/, retained: 1, dropped: 0 },
    { name: 'an unparsable ca.crt starts over', state: { ...h.created.state, caBundlePem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' }, now: at(1), action: RotationAction.CREATE, reason: /does not parse/, retained: 0, dropped: 0 },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const plan = planRotation(c.state, c.policy ?? POLICY, c.now);
      assert.equal(plan.action, c.action, plan.reasons.join('; '));
      assert.ok(plan.reasons.some((r) => c.reason.test(r)), `no reason matching ${c.reason} in ${JSON.stringify(plan.reasons)}`);
      assert.equal(plan.retained.length, c.retained, 'retained CAs');
      assert.equal(plan.dropped.length, c.dropped, 'dropped CAs');
      assert.ok(plan.nextCheckAt.getTime() > c.now.getTime(), 'the next check lies in the future');
    });
  }

  it('keeping changes nothing, so the Secret is not rewritten', async () => {
    const kept = await rotate(h.created.state, POLICY, at(30));
    assert.equal(kept.changed, false);
    assert.deepEqual(kept.state, h.created.state);
  });

  it('a fresh install has a one-CA bundle and a serving certificate issued by it', () => {
    const bundle = parseCertificateBundle(h.created.state.caBundlePem);
    assert.equal(bundle.length, 1);
    assert.equal(isIssuedBy(parseCertificatePem(h.created.state.servingCertPem), bundle[0]!), true);
    assert.equal(h.created.changed, true);
  });

  it('renewing the serving certificate keeps the same CA and bundle', () => {
    assert.equal(h.renewedDay150.plan.action, RotationAction.RENEW_SERVING);
    assert.equal(h.renewedDay150.state.caBundlePem, h.created.state.caBundlePem);
    assert.equal(h.renewedDay150.state.caKeyPem, h.created.state.caKeyPem);
    assert.notEqual(h.renewedDay150.state.servingCertPem, h.created.state.servingCertPem);
    assert.equal(isIssuedBy(parseCertificatePem(h.renewedDay150.state.servingCertPem), caOf(h.created.state)!), true);
  });

  it('rotating the CA yields bundle = new CA + old CA, and both old and new serving certificates verify against it', () => {
    const bundle = parseCertificateBundle(h.rotatedDay205.state.caBundlePem);
    assert.equal(bundle.length, 2);
    const [newCa, oldCa] = bundle;
    assert.equal(oldCa!.fingerprint256, caOf(h.renewedDay150.state)!.fingerprint256, 'the old CA is second');
    assert.notEqual(newCa!.fingerprint256, oldCa!.fingerprint256);
    const newServing = parseCertificatePem(h.rotatedDay205.state.servingCertPem);
    const oldServing = parseCertificatePem(h.renewedDay150.state.servingCertPem);
    assert.equal(isIssuedBy(newServing, newCa!), true, 'new serving certificate chains to the new CA');
    assert.equal(isIssuedBy(oldServing, oldCa!), true, 'a replica still serving the old certificate stays trusted');
    assert.equal(isIssuedBy(oldServing, newCa!), false);
  });

  it('the old CA is retained exactly until the old serving certificate expires', () => {
    const oldFingerprint = caOf(h.renewedDay150.state)!.fingerprint256;
    const oldServingExpiry = parseCertificatePem(h.renewedDay150.state.servingCertPem).notAfter;
    assert.deepEqual(h.rotatedDay205.state.retainUntil, { [oldFingerprint]: oldServingExpiry.toISOString() });
  });

  it('pruning after the overlap leaves only the new CA and keeps the serving certificate', async () => {
    const pruned = await rotate(h.rotatedDay205.state, POLICY, at(241));
    assert.equal(pruned.changed, true);
    assert.deepEqual(parseCertificateBundle(pruned.state.caBundlePem).map((c) => c.fingerprint256), [caOf(h.rotatedDay205.state)!.fingerprint256]);
    assert.equal(pruned.state.servingCertPem, h.rotatedDay205.state.servingCertPem);
    assert.deepEqual(pruned.state.retainUntil, {});
  });

  it('IPv4 and compressed IPv6 SANs are recognised in the issued certificate, so they never cause a renewal loop', async () => {
    const policy: RotationPolicy = { ...POLICY, ipAddresses: ['fd00::abc', '10.0.0.1', '2001:db8:0:0:1::1'] };
    const issued = await rotate(null, policy, at(0));
    assert.deepEqual(parseCertificatePem(issued.state.servingCertPem).ipAddresses, ['FD00:0:0:0:0:0:0:ABC', '10.0.0.1', '2001:DB8:0:0:1:0:0:1']);
    assert.equal(planRotation(issued.state, policy, at(1)).action, RotationAction.KEEP);
  });

  it('an expired foreign CA with no retain record is dropped while the current one stays', async () => {
    const stale = await generateCertificateAuthority({ commonName: 'stale', now: at(-400), lifetimeMs: 365 * DAY });
    const state: CertificateState = { ...h.created.state, caBundlePem: h.created.state.caBundlePem + stale.certPem, retainUntil: {} };
    const plan = planRotation(state, POLICY, at(10));
    assert.equal(plan.action, RotationAction.PRUNE_BUNDLE);
    assert.match(plan.dropped[0]?.reason ?? '', /expired at 2025-11-27T00:00:00.000Z/);
    const result = await executeRotation(state, POLICY, plan, at(10));
    assert.equal(result.state.caBundlePem, h.created.state.caBundlePem);
  });

  it('a still-valid foreign CA with no retain record stays until its own expiry', async () => {
    const other = await generateCertificateAuthority({ commonName: 'other', now: at(0), lifetimeMs: 20 * DAY });
    const state: CertificateState = { ...h.created.state, caBundlePem: h.created.state.caBundlePem + other.certPem, retainUntil: {} };
    const plan = planRotation(state, POLICY, at(10));
    assert.equal(plan.retained.length, 1);
    assert.equal(plan.retained[0]?.until.toISOString(), at(20).toISOString());
    assert.equal(plan.nextCheckAt.toISOString(), at(20).toISOString(), 'the next check is when that CA leaves the bundle');
  });
});

describe('certs/rotation: retain-until annotation', () => {
  const cases: { name: string; input: string | undefined; expected: Record<string, string> }[] = [
    { name: 'absent annotation means nothing recorded', input: undefined, expected: {} },
    { name: 'malformed JSON means nothing recorded', input: '{not json', expected: {} },
    { name: 'a JSON array means nothing recorded', input: '["a"]', expected: {} },
    { name: 'non-string values are ignored', input: '{"aa":"2026-01-01T00:00:00.000Z","bb":5}', expected: { aa: '2026-01-01T00:00:00.000Z' } },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(parseRetainUntil(c.input), c.expected));

  it('formats with sorted keys so equal records give equal annotations', () => {
    assert.equal(formatRetainUntil({ b: '2', a: '1' }), '{"a":"1","b":"2"}');
  });
});
