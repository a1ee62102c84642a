/**
 * The init → agent handoff (injector/handoff.ts): written private and atomically, read once and
 * deleted, and every damaged or foreign file ignored with a reason (the agent then starts
 * normally). Also the credential side: a seeded source reuses init's credentials until their
 * renewal point and renewals are spread by the pod's phase (injector/cloud/credentials.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprintFiles, HANDOFF_MAX_AGE_MS, parseHandoff, takeHandoff, writeHandoff, type Handoff } from '../../injector/handoff.ts';
import { CachedCredentialSource, renewalAt } from '../../injector/cloud/credentials.ts';

const NOW = 1_800_000_000_000;
const creds = { accessKeyId: 'STS.id', accessKeySecret: 'sts-secret', securityToken: 'sts-token', expiresAt: NOW + 3600_000 };
const handoff: Handoff = {
  version: 1, writtenAt: NOW,
  credentials: { pod: { credentials: creds, obtainedAt: NOW - 1000 } },
  folders: { db: { fetchedAt: NOW - 500, fingerprint: fingerprintFiles(new Map([['password', new TextEncoder().encode('x')]])) } },
};

test('handoff: written 0600 and atomically, read back equal, then deleted (read once)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'handoff-'));
  try {
    const path = join(dir, 'handoff.json');
    await writeHandoff(path, handoff);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.deepEqual(await takeHandoff(path, NOW + 10), { handoff });
    assert.deepEqual(await takeHandoff(path, NOW + 20), { reason: 'absent', detail: 'no handoff file' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

const bad: Array<{ name: string; text: string; now?: number; want: RegExp }> = [
  { name: 'truncated JSON', text: JSON.stringify(handoff).slice(0, 40), want: /not JSON/ },
  { name: 'an array', text: '[]', want: /not a JSON object/ },
  { name: 'another format version', text: JSON.stringify({ ...handoff, version: 2 }), want: /version 2/ },
  { name: 'older than a day', text: JSON.stringify(handoff), now: NOW + HANDOFF_MAX_AGE_MS + 1, want: /older than a day/ },
  { name: 'credentials without a security token', text: JSON.stringify({ ...handoff, credentials: { pod: { credentials: { ...creds, securityToken: undefined }, obtainedAt: NOW } } }), want: /profile "pod" are malformed/ },
  { name: 'a fingerprint that is not SHA-256 hex', text: JSON.stringify({ ...handoff, folders: { db: { fetchedAt: NOW, fingerprint: 'abc' } } }), want: /folder "db" is malformed/ },
];
for (const c of bad) {
  test(`handoff: ${c.name} is unusable, with a reason that quotes no content`, async () => {
    const got = parseHandoff(c.text, c.now ?? NOW);
    assert.equal(typeof got, 'string');
    assert.match(got as string, c.want);
    assert.doesNotMatch(got as string, /sts-secret|sts-token/);
    const dir = await mkdtemp(join(tmpdir(), 'handoff-'));
    try {
      await writeFile(join(dir, 'h.json'), c.text);
      const read = await takeHandoff(join(dir, 'h.json'), c.now ?? NOW);
      assert.ok('reason' in read && read.reason === 'unusable');
      await assert.rejects(readFile(join(dir, 'h.json')), /ENOENT/, 'a bad handoff is deleted too');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

test('fingerprint: depends on names and contents, not on insertion order; no two sets share an encoding', () => {
  const e = (s: string): Uint8Array => new TextEncoder().encode(s);
  const a = fingerprintFiles(new Map([['a', e('1')], ['b', e('2')]]));
  assert.equal(a, fingerprintFiles(new Map([['b', e('2')], ['a', e('1')]])));
  assert.notEqual(a, fingerprintFiles(new Map([['a', e('1')], ['b', e('3')]])));
  assert.notEqual(fingerprintFiles(new Map([['a', e('bc')]])), fingerprintFiles(new Map([['ab', e('c')]])));
});

test('renewalAt: the plain margin without a phase; spread over one more margin with one', () => {
  const hour = 3600_000;
  const cases = [
    { name: '1 h credentials, no phase: 12 min before expiry (20 %)', phase: undefined, want: hour - 12 * 60_000 },
    { name: '1 h credentials, phase 1: 24 min before expiry', phase: 1, want: hour - 24 * 60_000 },
    { name: '1 h credentials, phase 0.5: 18 min before expiry', phase: 0.5, want: hour - 18 * 60_000 },
  ];
  for (const c of cases) assert.equal(renewalAt(0, hour, c.phase), c.want, c.name);
  assert.equal(renewalAt(0, 12 * hour), 12 * hour - 15 * 60_000, '12 h credentials: the 15 min cap');
});

test('a seeded source reuses init\'s credentials until the renewal point, then exchanges again', async () => {
  let now = NOW;
  let exchanges = 0;
  const source = new CachedCredentialSource({ providerName: 'oidc_role_arn', now: () => now, phase: 0.5, refresh: async () => { exchanges++; return { ...creds, accessKeyId: 'STS.new', expiresAt: now + 3600_000 }; } });
  assert.equal(source.seed({ credentials: creds, obtainedAt: NOW - 1000 }), true);
  assert.equal((await source.get()).accessKeyId, 'STS.id');
  now = renewalAt(NOW - 1000, creds.expiresAt, 0.5) - 1;
  assert.equal((await source.get()).accessKeyId, 'STS.id');
  assert.equal(exchanges, 0);
  now += 1;
  assert.equal((await source.get()).accessKeyId, 'STS.new');
  assert.equal(exchanges, 1);
  assert.deepEqual(source.held()?.obtainedAt, now);
});

test('seed refuses credentials past their renewal point or without an expiry', () => {
  const source = new CachedCredentialSource({ providerName: 'oidc_role_arn', now: () => NOW, refresh: async () => creds });
  assert.equal(source.seed({ credentials: { ...creds, expiresAt: NOW + 60_000 }, obtainedAt: NOW - 3540_000 }), false, 'a minute left of an hour');
  const { expiresAt: _e, ...noExpiry } = creds;
  assert.equal(source.seed({ credentials: noExpiry, obtainedAt: NOW }), false);
  assert.equal(source.held(), undefined);
});
