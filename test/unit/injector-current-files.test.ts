import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileSet } from '../../injector/files/atomic-writer.ts';
import { readCurrentFiles } from '../../injector/files/current-files.ts';
import { folderWriter } from '../../injector/files/folder-writer.ts';
import { Writable } from 'node:stream';
import { ErrorCode, InjectorError } from '../../common/errors.ts';
import { createLogger } from '../../common/log.ts';
import type { PlannedExternalSecret } from '../../contract/injector-config-schema.ts';
import { createInjectorMetrics } from '../../injector/injector-metrics.ts';
import { RateLimiter } from '../../injector/cloud/rate-limit.ts';
import { refreshOnce } from '../../injector/refresh.ts';
import type { FetchRequest } from '../../injector/rules/fetch-types.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

test('readCurrentFiles returns the visible set the atomic writer produced, skipping its internals', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'inj-current-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const dir = join(root, 'db');
  const files = new Map([['user', new TextEncoder().encode('u')], ['bin', new Uint8Array([0, 255])]]);
  await writeFileSet(dir, files, { mode: 0o600 });
  assert.ok((await readdir(dir)).some((n) => n.startsWith('..')), 'the writer keeps hidden internals');
  assert.deepEqual(await readCurrentFiles(dir), files);
});

test('readCurrentFiles: a missing or empty folder has no current set', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'inj-current-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  assert.equal(await readCurrentFiles(join(root, 'missing')), undefined);
  assert.equal(await readCurrentFiles(root), undefined);
});

test('readCurrentFiles keeps keys with one leading dot (.env, .dockerconfigjson): only the writer\'s ".." entries are internal', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'inj-current-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const dir = join(root, 'app');
  const files = new Map([['.env', enc('A=1')], ['.dockerconfigjson', enc('{}')], ['app.conf', enc('c')]]);
  await writeFileSet(dir, files, { mode: 0o600 });
  assert.deepEqual(await readCurrentFiles(dir), files);
});

// Issue 13, defect 4: after an agent restart, a refresh in which the `.env` source fails while its
// sibling succeeds must keep `.env` on disk ("a failed refresh never deletes a file").
test('a partial first refresh after a restart keeps a dot-file whose source failed', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'inj-current-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const dir = join(root, 'app');
  await writeFileSet(dir, new Map([['.env', enc('old-env')], ['app.conf', enc('old-conf')]]), { mode: 0o600 }); // what init wrote
  const seeded = await readCurrentFiles(dir);
  assert.ok(seeded !== undefined);
  const lastGood = new Map([['app', seeded]]);
  const externalSecret: PlannedExternalSecret = { name: 'app', provider: 'kms', data: [{ key: 'env-secret', name: '.env', profile: 'p' }, { key: 'conf-secret', name: 'app.conf', profile: 'p' }], dataProcess: [] };
  const outcome = await refreshOnce({
    externalSecrets: [externalSecret],
    mountPath: root,
    limiter: new RateLimiter({ concurrency: 2, perSecond: 1000, burst: 1000 }),
    retryPolicy: { attempts: 1, baseMs: 0, maxMs: 0, jitter: 0 },
    logger: createLogger({ name: 't' }, new Writable({ write(_c, _e, cb) { cb(); } })),
    metrics: createInjectorMetrics(),
    fetchOne: async (r: FetchRequest) => {
      if (r.key === 'env-secret') throw new InjectorError(ErrorCode.PROVIDER, 'KMS env-secret: throttled', { retryable: true });
      return { data: 'new-conf', dataType: 'text' };
    },
    write: folderWriter({ fileMode: 0o600 }),
  }, lastGood);
  assert.equal(outcome.clean, false);
  assert.deepEqual(outcome.changed, ['app']);
  assert.equal(await readFile(join(dir, '.env'), 'utf8'), 'old-env');
  assert.equal(await readFile(join(dir, 'app.conf'), 'utf8'), 'new-conf');
});
