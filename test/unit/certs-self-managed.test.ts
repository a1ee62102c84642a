import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { mkdtemp, readFile, readdir, rm, stat, writeFile, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../common/log.ts';
import { parseCertificateBundle, parseCertificatePem, isIssuedBy } from '../../certs/certificate-authority.ts';
import {
  conflictError,
  isConflict,
  type CertificateKubeApi,
  type LeaseRecord,
  type SecretRecord,
  type WebhookCaBundles,
} from '../../certs/certificate-kube-api.ts';
import { createLeaseElector } from '../../certs/lease-election.ts';
import { RETAIN_UNTIL_ANNOTATION, RotationAction, SECRET_KEYS } from '../../certs/rotation.ts';
import { createCertificateManager, runCertificateLoop, runSelfManagedCertificates, type CertificateManager, type CertificateManagerOptions, type TickResult } from '../../certs/self-managed.ts';
import { writeServingFiles } from '../../certs/serving-files.ts';
import { readTlsMaterial } from '../../webhook/server/tls-reloader.ts';
import { KubeConfig } from '@kubernetes/client-node';

const DAY = 24 * 60 * 60 * 1000;

/**
 * An in-memory cluster with the apiserver's optimistic concurrency: every write bumps a global
 * resourceVersion, and a write carrying a stale one (or a create of an existing name) is a 409.
 */
class MemoryCluster implements CertificateKubeApi {
  leases = new Map<string, LeaseRecord>();
  secrets = new Map<string, SecretRecord>();
  webhooks = new Map<string, WebhookCaBundles>();
  writes: string[] = [];
  private version = 100;

  private next(): string {
    this.version += 1;
    return String(this.version);
  }

  async getLease(namespace: string, name: string) {
    const l = this.leases.get(`${namespace}/${name}`);
    return l === undefined ? undefined : structuredClone(l);
  }
  async createLease(namespace: string, name: string, lease: LeaseRecord) {
    const key = `${namespace}/${name}`;
    if (this.leases.has(key)) throw conflictError('Lease', name);
    const stored = { ...structuredClone(lease), resourceVersion: this.next() };
    this.leases.set(key, stored);
    this.writes.push(`lease:create:${lease.holderIdentity}`);
    return structuredClone(stored);
  }
  async updateLease(namespace: string, name: string, lease: LeaseRecord) {
    const key = `${namespace}/${name}`;
    const cur = this.leases.get(key);
    if (cur === undefined || cur.resourceVersion !== lease.resourceVersion) throw conflictError('Lease', name);
    const stored = { ...structuredClone(lease), resourceVersion: this.next() };
    this.leases.set(key, stored);
    this.writes.push(`lease:update:${lease.holderIdentity}`);
    return structuredClone(stored);
  }
  async getSecret(namespace: string, name: string) {
    const s = this.secrets.get(`${namespace}/${name}`);
    return s === undefined ? undefined : structuredClone(s);
  }
  async createSecret(namespace: string, name: string, secret: SecretRecord): Promise<SecretRecord> {
    const key = `${namespace}/${name}`;
    if (this.secrets.has(key)) throw conflictError('Secret', name);
    const stored = { ...structuredClone(secret), resourceVersion: this.next() };
    this.secrets.set(key, stored);
    this.writes.push('secret:create');
    return structuredClone(stored);
  }
  async updateSecret(namespace: string, name: string, secret: SecretRecord) {
    const key = `${namespace}/${name}`;
    const cur = this.secrets.get(key);
    if (cur === undefined || cur.resourceVersion !== secret.resourceVersion) throw conflictError('Secret', name);
    const stored = { ...structuredClone(secret), resourceVersion: this.next() };
    this.secrets.set(key, stored);
    this.writes.push('secret:update');
    return structuredClone(stored);
  }
  async getWebhookCaBundles(name: string) {
    const w = this.webhooks.get(name);
    return w === undefined ? undefined : structuredClone(w);
  }
  async setWebhookCaBundles(name: string, resourceVersion: string, caBundlePem: string, webhookCount: number) {
    const cur = this.webhooks.get(name);
    if (cur === undefined || cur.resourceVersion !== resourceVersion) throw conflictError('MutatingWebhookConfiguration', name);
    const caBundles = cur.caBundles.map((b, i) => (i < webhookCount ? caBundlePem : b));
    this.webhooks.set(name, { resourceVersion: this.next(), caBundles });
    this.writes.push('webhook:patch');
  }
}

function capture(): { logger: ReturnType<typeof createLogger>; lines: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({ write(chunk, _enc, cb) { chunks.push(String(chunk)); cb(); } });
  return { logger: createLogger({ name: 'certs-test', level: 'debug' }, stream), lines: () => chunks.join('') };
}

async function setup(identities: string[], overrides: Partial<CertificateManagerOptions> = {}) {
  const cluster = new MemoryCluster();
  cluster.webhooks.set('ack-secret-injector', { resourceVersion: '1', caBundles: ['', ''] });
  const clock = { now: new Date('2026-05-01T00:00:00Z') };
  const log = capture();
  const base = await mkdtemp(join(tmpdir(), 'certs-sm-'));
  const managers = identities.map((identity) =>
    createCertificateManager({
      api: cluster,
      namespace: 'si',
      secretName: 'ack-secret-injector-tls',
      webhookConfigName: 'ack-secret-injector',
      serviceName: 'ack-secret-injector',
      leaseName: 'ack-secret-injector-certs',
      identity,
      outDir: join(base, identity),
      logger: log.logger,
      now: () => clock.now,
      ...overrides,
    }),
  );
  return { cluster, clock, log, base, managers, outDir: (identity: string) => join(base, identity) };
}

const advance = (clock: { now: Date }, ms: number): void => {
  clock.now = new Date(clock.now.getTime() + ms);
};

describe('certs/lease-election: client-go semantics against an in-memory apiserver', () => {
  const mk = (api: MemoryCluster, identity: string) => createLeaseElector({ api, namespace: 'si', name: 'l', identity, leaseDurationSeconds: 15 });
  const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

  it('the first candidate creates the Lease and holds it; a second one is a follower', async () => {
    const api = new MemoryCluster();
    const a = mk(api, 'a');
    const b = mk(api, 'b');
    assert.deepEqual(await a.tryAcquireOrRenew(t(0)), { leader: true, holder: 'a', event: 'created' });
    assert.deepEqual(await b.tryAcquireOrRenew(t(1)), { leader: false, holder: 'a', event: 'held-by-other' });
    const lease = await api.getLease('si', 'l');
    assert.equal(lease?.holderIdentity, 'a');
    assert.equal(lease?.leaseDurationSeconds, 15);
    assert.equal(lease?.leaseTransitions, 0);
  });

  it('renewing moves renewTime and keeps acquireTime and transitions', async () => {
    const api = new MemoryCluster();
    const a = mk(api, 'a');
    await a.tryAcquireOrRenew(t(0));
    assert.equal((await a.tryAcquireOrRenew(t(2))).event, 'renewed');
    const lease = await api.getLease('si', 'l');
    assert.equal(lease?.renewTime?.toISOString(), t(2).toISOString());
    assert.equal(lease?.acquireTime?.toISOString(), t(0).toISOString());
    assert.equal(lease?.leaseTransitions, 0);
  });

  it('a follower takes over only after leaseDuration without renewal, counted from when it observed the record', async () => {
    const api = new MemoryCluster();
    const a = mk(api, 'a');
    const b = mk(api, 'b');
    await a.tryAcquireOrRenew(t(0));
    assert.equal((await b.tryAcquireOrRenew(t(1))).leader, false); // b observes the record at t=1
    assert.equal((await b.tryAcquireOrRenew(t(15))).leader, false, '14s after b observed it: still live');
    const took = await b.tryAcquireOrRenew(t(16));
    assert.deepEqual(took, { leader: true, holder: 'b', event: 'acquired' });
    const lease = await api.getLease('si', 'l');
    assert.equal(lease?.leaseTransitions, 1);
    assert.equal(lease?.acquireTime?.toISOString(), t(16).toISOString());
    assert.equal((await a.tryAcquireOrRenew(t(17))).leader, false, 'the old holder sees it lost the Lease');
  });

  it('of two candidates racing for an expired Lease exactly one wins', async () => {
    const api = new MemoryCluster();
    await mk(api, 'a').tryAcquireOrRenew(t(0));
    const b = mk(api, 'b');
    const c = mk(api, 'c');
    await Promise.all([b.tryAcquireOrRenew(t(1)), c.tryAcquireOrRenew(t(1))]);
    const [rb, rc] = await Promise.all([b.tryAcquireOrRenew(t(20)), c.tryAcquireOrRenew(t(20))]);
    assert.deepEqual([rb.leader, rc.leader].sort(), [false, true]);
    assert.ok([rb.event, rc.event].includes('lost-race'));
    assert.equal((await api.getLease('si', 'l'))?.leaseTransitions, 1);
  });

  it('release empties the holder so a follower takes over at once', async () => {
    const api = new MemoryCluster();
    const a = mk(api, 'a');
    const b = mk(api, 'b');
    await a.tryAcquireOrRenew(t(0));
    await b.tryAcquireOrRenew(t(1));
    await a.release(t(2));
    assert.equal(a.isLeader(), false);
    assert.equal((await api.getLease('si', 'l'))?.holderIdentity, '');
    assert.equal((await b.tryAcquireOrRenew(t(3))).event, 'acquired');
  });

  it('release by a non-holder writes nothing', async () => {
    const api = new MemoryCluster();
    await mk(api, 'a').tryAcquireOrRenew(t(0));
    const b = mk(api, 'b');
    await b.tryAcquireOrRenew(t(1));
    const before = api.writes.length;
    await b.release(t(2));
    assert.equal(api.writes.length, before);
  });
});

describe('certs/self-managed: one writer, every replica syncs files', () => {
  it('the holder creates a kubernetes.io/tls Secret with ca.crt and ca.key and patches caBundle on every webhook', async () => {
    const { cluster, managers: [a], log, base } = await setup(['replica-a']);
    try {
      const r = await a!.tick();
      assert.equal(r.leader, true);
      assert.equal(r.action, RotationAction.CREATE);
      assert.equal(r.secretWritten, true);
      assert.equal(r.caBundlePatched, true);
      const secret = cluster.secrets.get('si/ack-secret-injector-tls')!;
      assert.equal(secret.type, 'kubernetes.io/tls');
      assert.deepEqual(Object.keys(secret.data).sort(), ['ca.crt', 'ca.key', 'tls.crt', 'tls.key']);
      assert.equal(secret.labels['app.kubernetes.io/managed-by'], 'ack-secret-injector');
      assert.ok(RETAIN_UNTIL_ANNOTATION in secret.annotations);
      const webhooks = cluster.webhooks.get('ack-secret-injector')!;
      assert.deepEqual(webhooks.caBundles, [secret.data['ca.crt'], secret.data['ca.crt']]);
      const serving = parseCertificatePem(secret.data['tls.crt']!);
      assert.ok(serving.dnsNames.includes('ack-secret-injector.si.svc'));
      assert.ok(!log.lines().includes('PRIVATE KEY'), 'no key material in the logs');
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  it('a follower never writes the Secret or the webhook but writes the same files as the holder', async () => {
    const { cluster, managers: [a, b], outDir, base } = await setup(['replica-a', 'replica-b']);
    try {
      await a!.tick();
      const writesBefore = cluster.writes.filter((w) => !w.startsWith('lease')).length;
      const rb = await b!.tick();
      assert.equal(rb.leader, false);
      assert.equal(rb.holder, 'replica-a');
      assert.equal(rb.secretWritten, false);
      assert.equal(rb.filesWritten, true);
      assert.equal(cluster.writes.filter((w) => !w.startsWith('lease')).length, writesBefore);
      for (const file of ['tls.crt', 'tls.key']) {
        assert.equal(await readFile(join(outDir('replica-b'), file), 'utf8'), await readFile(join(outDir('replica-a'), file), 'utf8'));
      }
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  it('a steady state rewrites nothing: no Secret write, no patch, no file write', async () => {
    const { cluster, clock, managers: [a], base } = await setup(['replica-a']);
    try {
      await a!.tick();
      const before = cluster.writes.filter((w) => !w.startsWith('lease')).length;
      advance(clock, 2_000);
      const r = await a!.tick();
      assert.equal(r.action, RotationAction.KEEP);
      assert.deepEqual([r.secretWritten, r.caBundlePatched, r.filesWritten], [false, false, false]);
      assert.equal(cluster.writes.filter((w) => !w.startsWith('lease')).length, before);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  it('the holder restores a caBundle that someone changed', async () => {
    const { cluster, clock, managers: [a], base } = await setup(['replica-a']);
    try {
      await a!.tick();
      const good = cluster.webhooks.get('ack-secret-injector')!;
      cluster.webhooks.set('ack-secret-injector', { resourceVersion: '7', caBundles: [good.caBundles[0]!, 'tampered'] });
      advance(clock, 2_000);
      const r = await a!.tick();
      assert.equal(r.caBundlePatched, true);
      assert.deepEqual(cluster.webhooks.get('ack-secret-injector')!.caBundles, good.caBundles);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  it('a CA rotation publishes new CA + old CA to every webhook and new files to every replica', async () => {
    const { cluster, clock, managers: [a, b], outDir, base } = await setup(['replica-a', 'replica-b'], { caLifetimeMs: 30 * DAY, servingLifetimeMs: 9 * DAY });
    try {
      await a!.tick();
      await b!.tick();
      const oldCert = await readFile(join(outDir('replica-b'), 'tls.crt'), 'utf8');
      const oldCa = parseCertificateBundle(cluster.secrets.get('si/ack-secret-injector-tls')!.data['ca.crt']!)[0]!;
      // One tick a day: the holder renews its own Lease each time, so it stays the writer.
      for (let day = 1; day <= 21; day += 1) {
        advance(clock, DAY);
        await a!.tick();
      }
      const secret = cluster.secrets.get('si/ack-secret-injector-tls')!;
      const bundle = parseCertificateBundle(secret.data['ca.crt']!);
      assert.equal(bundle.length, 2, 'new CA + old CA during the overlap');
      assert.equal(bundle[1]!.fingerprint256, oldCa.fingerprint256);
      assert.deepEqual(cluster.webhooks.get('ack-secret-injector')!.caBundles, [secret.data['ca.crt'], secret.data['ca.crt']]);
      const rb = await b!.tick();
      assert.equal(rb.filesWritten, true);
      const newCert = await readFile(join(outDir('replica-b'), 'tls.crt'), 'utf8');
      assert.notEqual(newCert, oldCert);
      assert.equal(isIssuedBy(parseCertificatePem(newCert), bundle[0]!), true);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  it('a follower takes over writing after the holder stops renewing', async () => {
    const { cluster, clock, managers: [a, b], base } = await setup(['replica-a', 'replica-b']);
    try {
      await a!.tick();
      await b!.tick();
      advance(clock, 16_000);
      const rb = await b!.tick();
      assert.equal(rb.leader, true);
      assert.equal((await cluster.getLease('si', 'ack-secret-injector-certs'))?.holderIdentity, 'replica-b');
      cluster.webhooks.set('ack-secret-injector', { resourceVersion: '9', caBundles: ['', '', ''] });
      advance(clock, 2_000);
      assert.equal((await b!.tick()).caBundlePatched, true, 'the new holder keeps caBundle in step, including a webhook added later');
      assert.equal(new Set(cluster.webhooks.get('ack-secret-injector')!.caBundles).size, 1);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  it('a Secret changed between read and write is a lost race, not an error', async () => {
    /** Another writer creates the Secret between our read and our create. */
    class RacingCluster extends MemoryCluster {
      override async createSecret(): Promise<SecretRecord> {
        throw conflictError('Secret', 'ack-secret-injector-tls');
      }
    }
    const { base } = await setup([]);
    try {
      const manager = createCertificateManager({
        api: new RacingCluster(),
        namespace: 'si',
        secretName: 'ack-secret-injector-tls',
        webhookConfigName: 'ack-secret-injector',
        serviceName: 'ack-secret-injector',
        leaseName: 'ack-secret-injector-certs',
        identity: 'replica-x',
        outDir: join(base, 'x'),
        logger: capture().logger,
      });
      const r = await manager.tick();
      assert.equal(r.leader, true);
      assert.equal(r.action, RotationAction.CREATE);
      assert.equal(r.secretWritten, false);
      assert.equal(r.filesWritten, false);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  it('a pre-created Opaque Secret keeps its (immutable) type and foreign metadata when filled in', async () => {
    const { cluster, managers: [a], base } = await setup(['replica-a']);
    try {
      cluster.secrets.set('si/ack-secret-injector-tls', { type: 'Opaque', data: {}, annotations: { owner: 'ops' }, labels: { team: 'platform' }, resourceVersion: '5' });
      const r = await a!.tick();
      assert.equal(r.secretWritten, true);
      const secret = cluster.secrets.get('si/ack-secret-injector-tls')!;
      assert.equal(secret.type, 'Opaque');
      assert.equal(secret.annotations['owner'], 'ops');
      assert.equal(secret.labels['team'], 'platform');
      assert.deepEqual(Object.keys(secret.data).sort(), ['ca.crt', 'ca.key', 'tls.crt', 'tls.key']);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  it('a missing MutatingWebhookConfiguration is logged, not fatal', async () => {
    const { cluster, managers: [a], log, base } = await setup(['replica-a']);
    try {
      cluster.webhooks.clear();
      const r = await a!.tick();
      assert.equal(r.secretWritten, true);
      assert.equal(r.caBundlePatched, false);
      assert.match(log.lines(), /MutatingWebhookConfiguration not found/);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  it('isConflict recognises only the 409 error', () => {
    assert.equal(isConflict(conflictError('Secret', 'x')), true);
    assert.equal(isConflict(new Error('409')), false);
  });

  it('runSelfManagedCertificates rejects bad options, naming each field and value', async () => {
    const { logger } = capture();
    await assert.rejects(
      runSelfManagedCertificates({
        kubeConfig: new KubeConfig(),
        namespace: '',
        secretName: 's',
        webhookConfigName: 'w',
        serviceName: 'svc',
        leaseName: '',
        identity: 'me',
        outDir: '/tmp/x',
        logger,
        signal: AbortSignal.abort(),
        leaseDurationSeconds: 1,
        retryPeriodMs: 2_000,
      }),
      (err: unknown) => {
        const message = (err as Error).message;
        for (const part of ['namespace: ""', 'leaseName: ""', 'leaseDurationSeconds: 1']) assert.ok(message.includes(part), `${part} missing from ${message}`);
        return true;
      },
    );
  });
});

describe('certs/self-managed: the loop (mock timers)', () => {
  /** A manager whose ticks are scripted: each entry is a result or an error to throw. */
  function scripted(script: (TickResult | Error)[]): CertificateManager & { ticks: number; released: number } {
    const state = { ticks: 0, released: 0 };
    return Object.assign(state, {
      async tick(): Promise<TickResult> {
        const next = script[state.ticks] ?? script[script.length - 1]!;
        state.ticks += 1;
        if (next instanceof Error) throw next;
        return next;
      },
      async release(): Promise<void> {
        state.released += 1;
      },
    });
  }
  const idle: TickResult = { leader: true, holder: 'me', secretWritten: false, caBundlePatched: false, filesWritten: false };
  const wrote: TickResult = { ...idle, filesWritten: true, serving: { notAfter: new Date('2027-01-01T00:00:00Z'), subject: 'CN=x' } };
  const flush = async (): Promise<void> => {
    for (let i = 0; i < 10; i += 1) await Promise.resolve();
  };

  it('ticks once per period, survives a failing tick, reports written files, releases the Lease on abort', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const manager = scripted([wrote, new Error('apiserver down'), idle]);
      const controller = new AbortController();
      const { logger, lines } = capture();
      const written: string[] = [];
      const done = runCertificateLoop(manager, { signal: controller.signal, periodMs: 2_000, logger, onFilesWritten: (info) => written.push(info.subject) });
      await flush();
      assert.equal(manager.ticks, 1, 'the first tick runs at once');
      assert.deepEqual(written, ['CN=x']);
      mock.timers.tick(1_999);
      await flush();
      assert.equal(manager.ticks, 1, 'nothing before the period is over');
      mock.timers.tick(1);
      await flush();
      assert.equal(manager.ticks, 2);
      assert.match(lines(), /certificate tick failed; retrying/);
      mock.timers.tick(2_000);
      await flush();
      assert.equal(manager.ticks, 3, 'the loop goes on after a failure');
      controller.abort();
      await done;
      assert.equal(manager.released, 1);
      assert.equal(manager.ticks, 3, 'no tick after the abort');
    } finally {
      mock.timers.reset();
    }
  });

  it('an already aborted signal releases without ticking', async () => {
    const manager = scripted([idle]);
    await runCertificateLoop(manager, { signal: AbortSignal.abort(), periodMs: 2_000, logger: capture().logger });
    assert.deepEqual([manager.ticks, manager.released], [0, 1]);
  });
});

describe('certs/serving-files: atomic writes the server reloads from', () => {
  const pairPromise = (async () => {
    const { cluster, managers: [a], base } = await setup(['p']);
    await a!.tick();
    const s = cluster.secrets.get('si/ack-secret-injector-tls')!;
    await rm(base, { recursive: true, force: true });
    return { certPem: s.data[SECRET_KEYS.servingCert]!, keyPem: s.data[SECRET_KEYS.servingKey]! };
  })();

  it('writes tls.crt (0644) and tls.key (0600) and leaves no temp files', async () => {
    const pair = await pairPromise;
    const dir = await mkdtemp(join(tmpdir(), 'certs-files-'));
    try {
      assert.equal(await writeServingFiles(join(dir, 'out'), pair), true);
      assert.equal(await readFile(join(dir, 'out', 'tls.crt'), 'utf8'), pair.certPem);
      assert.equal(await readFile(join(dir, 'out', 'tls.key'), 'utf8'), pair.keyPem);
      assert.equal((await stat(join(dir, 'out', 'tls.key'))).mode & 0o777, 0o600);
      assert.equal((await stat(join(dir, 'out', 'tls.crt'))).mode & 0o777, 0o644);
      assert.deepEqual((await readdir(join(dir, 'out'))).sort(), ['tls.crt', 'tls.key']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('skips the write when both files already hold the pair', async () => {
    const pair = await pairPromise;
    const dir = await mkdtemp(join(tmpdir(), 'certs-files-'));
    try {
      await writeServingFiles(dir, pair);
      const inode = (await stat(join(dir, 'tls.crt'))).ino;
      assert.equal(await writeServingFiles(dir, pair), false);
      assert.equal((await stat(join(dir, 'tls.crt'))).ino, inode);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('replaces files by rename: a reader holding the old file still reads the old content whole', async () => {
    const pair = await pairPromise;
    const dir = await mkdtemp(join(tmpdir(), 'certs-files-'));
    try {
      await writeFile(join(dir, 'tls.crt'), 'OLD CERT');
      const reader = await open(join(dir, 'tls.crt'), 'r');
      try {
        await writeServingFiles(dir, pair);
        assert.equal(await reader.readFile('utf8'), 'OLD CERT');
      } finally {
        await reader.close();
      }
      assert.equal(await readFile(join(dir, 'tls.crt'), 'utf8'), pair.certPem);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('removes temp files a crashed run left behind', async () => {
    const pair = await pairPromise;
    const dir = await mkdtemp(join(tmpdir(), 'certs-files-'));
    try {
      await writeFile(join(dir, '.tmp-tls.key-deadbeef'), 'half');
      await writeServingFiles(dir, pair);
      assert.deepEqual((await readdir(dir)).sort(), ['tls.crt', 'tls.key']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the server-side reader (webhook/tls-reloader readTlsMaterial) accepts what was written', async () => {
    const pair = await pairPromise;
    const dir = await mkdtemp(join(tmpdir(), 'certs-files-'));
    try {
      await writeServingFiles(dir, pair);
      const material = await readTlsMaterial(dir, new Date('2026-05-02T00:00:00Z'));
      assert.equal(material.cert, pair.certPem);
      assert.equal(material.notAfter.getTime(), parseCertificatePem(pair.certPem).notAfter.getTime());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a folder that cannot be created is an E_WRITE error naming it', async () => {
    const pair = await pairPromise;
    const dir = await mkdtemp(join(tmpdir(), 'certs-files-'));
    try {
      await writeFile(join(dir, 'file'), 'x');
      await assert.rejects(writeServingFiles(join(dir, 'file', 'sub'), pair), (err: unknown) => {
        assert.equal((err as { code?: string }).code, 'E_WRITE');
        assert.ok((err as Error).message.includes(join(dir, 'file', 'sub')));
        return true;
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
