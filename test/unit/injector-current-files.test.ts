import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileSet } from '../../injector/files/atomic-writer.ts';
import { readCurrentFiles } from '../../injector/files/current-files.ts';

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
