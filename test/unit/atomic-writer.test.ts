/**
 * The kubelet-style atomic writer on real temp folders: create / update / remove keys, skip
 * unchanged sets, modes and groups, leftover cleaning, refusal of escaping names, and a
 * concurrent reader (a worker thread) that must never see a mix of generations during hundreds
 * of swaps. The reader takes a snapshot the way an application watching `..data` does: it reads
 * `..data`, reads every visible file, reads `..data` again, and trusts the read only when both
 * agree; a writer that rewrote files in place (or had no `..data` swap) fails this test.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanLeftovers, writeFileSet } from '../../injector/files/atomic-writer.ts';
import { InjectorError } from '../../common/errors.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const set = (entries: Record<string, string>): Map<string, Uint8Array> => new Map(Object.entries(entries).map(([k, v]) => [k, enc(v)]));

let root = '';
before(async () => { root = await mkdtemp(join(tmpdir(), 'atomic-writer-')); });
after(async () => { await rm(root, { recursive: true, force: true }); });

let n = 0;
const freshDir = (): string => join(root, `case-${++n}`, 'es');

async function generations(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((x) => x.startsWith('..') && x !== '..data').sort();
}
async function visible(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).filter((x) => !x.startsWith('..')).sort()) {
    const st = await lstat(join(dir, name));
    out[name] = st.isSymbolicLink() ? `${await readlink(join(dir, name))} => ${await readFile(join(dir, name), 'utf8')}` : `file => ${await readFile(join(dir, name), 'utf8')}`;
  }
  return out;
}

describe('writeFileSet', () => {
  it('creates the missing folder, one generation, ..data and visible links', async () => {
    const dir = freshDir();
    const r = await writeFileSet(dir, set({ username: 'u', 'tls.crt': 'c' }), { mode: 0o440 });
    assert.deepEqual(r, { changed: true });
    assert.equal((await stat(dir)).mode & 0o777, 0o755);
    const gens = await generations(dir);
    assert.equal(gens.length, 1);
    assert.match(gens[0]!, /^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\./);
    assert.equal(await readlink(join(dir, '..data')), gens[0]);
    assert.equal((await stat(join(dir, gens[0]!))).mode & 0o777, 0o755);
    assert.deepEqual(await visible(dir), { 'tls.crt': '..data/tls.crt => c', username: '..data/username => u' });
    assert.equal((await stat(join(dir, 'username'))).mode & 0o7777, 0o440);
  });

  const updates: { name: string; first: Record<string, string>; second: Record<string, string>; mode2?: number; changed: boolean; expect: Record<string, string> }[] = [
    { name: 'a changed value makes a new generation', first: { a: '1', b: '2' }, second: { a: '1', b: '3' }, changed: true, expect: { a: '..data/a => 1', b: '..data/b => 3' } },
    { name: 'a new key gets a visible link', first: { a: '1' }, second: { a: '1', c: 'new' }, changed: true, expect: { a: '..data/a => 1', c: '..data/c => new' } },
    { name: 'a key that disappeared loses its visible link', first: { a: '1', gone: 'x' }, second: { a: '1' }, changed: true, expect: { a: '..data/a => 1' } },
    { name: 'an identical set is not rewritten', first: { a: '1', b: '2' }, second: { a: '1', b: '2' }, changed: false, expect: { a: '..data/a => 1', b: '..data/b => 2' } },
    { name: 'a mode change alone is a change', first: { a: '1' }, second: { a: '1' }, mode2: 0o400, changed: true, expect: { a: '..data/a => 1' } },
    { name: 'an empty set removes every key', first: { a: '1' }, second: {}, changed: true, expect: {} },
  ];
  for (const u of updates) {
    it(u.name, async () => {
      const dir = freshDir();
      await writeFileSet(dir, set(u.first), { mode: 0o440 });
      const before1 = await readlink(join(dir, '..data'));
      const r = await writeFileSet(dir, set(u.second), { mode: u.mode2 ?? 0o440 });
      assert.equal(r.changed, u.changed);
      assert.deepEqual(await visible(dir), u.expect);
      const gens = await generations(dir);
      assert.equal(gens.length, 1, `old generation not removed: ${gens.join(', ')}`);
      assert.equal(await readlink(join(dir, '..data')) === before1, !u.changed);
      for (const k of Object.keys(u.second)) assert.equal((await stat(join(dir, k))).mode & 0o7777, u.mode2 ?? 0o440);
    });
  }

  it('sets the group of files and generation folders when gid is given', async () => {
    const dir = freshDir();
    const gid = process.getuid?.() === 0 ? 4242 : process.getgid!();
    await writeFileSet(dir, set({ a: '1' }), { mode: 0o440, gid });
    assert.equal((await stat(join(dir, 'a'))).gid, gid);
    assert.equal((await stat(join(dir, await readlink(join(dir, '..data'))))).gid, gid);
    // Same content and mode but another group is a change.
    if (process.getuid?.() === 0) assert.equal((await writeFileSet(dir, set({ a: '1' }), { mode: 0o440, gid: 4243 })).changed, true);
  });

  it('leaves files it does not manage alone', async () => {
    const dir = freshDir();
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'README'), 'mine');
    await writeFileSet(dir, set({ a: '1' }), { mode: 0o440 });
    await writeFileSet(dir, set({ b: '2' }), { mode: 0o440 });
    assert.deepEqual(await visible(dir), { README: 'file => mine', b: '..data/b => 2' });
  });

  const badKeys: { name: string; key: string }[] = [
    { name: 'parent traversal', key: '../escape' },
    { name: 'nested path', key: 'a/b' },
    { name: 'absolute path', key: '/etc/passwd' },
    { name: 'the ..data link itself', key: '..data' },
    { name: 'a ..-prefixed name', key: '..2026_01_01_00_00_00.x' },
    { name: 'dot', key: '.' },
    { name: 'dot dot', key: '..' },
    { name: 'empty', key: '' },
    { name: 'a NUL byte', key: 'a\u0000b' },
  ];
  for (const b of badKeys) {
    it(`refuses a key that could escape or clash: ${b.name}`, async () => {
      const dir = freshDir();
      await writeFileSet(dir, set({ ok: 'v' }), { mode: 0o440 });
      const before1 = await readdir(dir);
      await assert.rejects(writeFileSet(dir, new Map([['ok', enc('w')], [b.key, enc('x')]]), { mode: 0o440 }), (err: unknown) => {
        assert.ok(err instanceof InjectorError);
        assert.equal(err.code, 'E_WRITE');
        assert.ok(err.message.includes(JSON.stringify(b.key)), err.message);
        return true;
      });
      assert.deepEqual(await readdir(dir), before1);
      assert.equal(await readFile(join(dir, 'ok'), 'utf8'), 'v');
    });
  }

  it('lists every bad key at once', async () => {
    await assert.rejects(writeFileSet(freshDir(), new Map([['a/b', enc('')], ['..x', enc('')]]), { mode: 0o440 }), /"a\/b".*"\.\.x"/);
  });

  it('rejects a mode outside 0..0o7777', async () => {
    await assert.rejects(writeFileSet(freshDir(), set({ a: '1' }), { mode: 0o10000 }), /file mode must be an integer in \[0, 0o7777\], got 4096/);
  });
});

describe('cleanLeftovers', () => {
  it('removes a stale ..data_tmp, temp links and orphan generations, keeps the current set', async () => {
    const dir = freshDir();
    await writeFileSet(dir, set({ a: '1' }), { mode: 0o440 });
    const current = await readlink(join(dir, '..data'));
    await mkdir(join(dir, '..2020_01_01_00_00_00.orphan'));
    await writeFile(join(dir, '..2020_01_01_00_00_00.orphan', 'a'), 'old');
    await symlink('..2020_01_01_00_00_00.orphan', join(dir, '..data_tmp'));
    await symlink('..data/a', join(dir, '..link_tmp_a'));
    const r = await cleanLeftovers(dir);
    assert.deepEqual(r.removed, ['..2020_01_01_00_00_00.orphan', '..data_tmp', '..link_tmp_a']);
    assert.deepEqual((await readdir(dir)).sort(), [current, '..data', 'a'].sort());
    assert.equal(await readFile(join(dir, 'a'), 'utf8'), '1');
  });

  it('accepts a folder that does not exist yet', async () => {
    assert.deepEqual(await cleanLeftovers(join(root, 'never-created')), { removed: [] });
  });
});

/** The reader: runs in a worker thread until told to stop; reports what it saw. */
const READER = `
const { workerData, parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const { dir, keys, stop } = workerData;
const flag = new Int32Array(stop);
let consistent = 0, torn = 0, raced = 0, missing = 0;
const seen = new Set();
while (Atomics.load(flag, 0) === 0) {
  let t1, t2;
  try { t1 = fs.readlinkSync(dir + '/..data'); } catch { missing++; continue; }
  const gens = [];
  let ok = true;
  for (const k of keys) {
    let text;
    try { text = fs.readFileSync(dir + '/' + k, 'utf8'); } catch { ok = false; break; }
    const m = /^gen=(\\d+);/.exec(text);
    const whole = m !== null && text === ('gen=' + m[1] + ';' + k + ';').repeat(200);
    gens.push(whole ? Number(m[1]) : -1);
  }
  try { t2 = fs.readlinkSync(dir + '/..data'); } catch { missing++; continue; }
  if (!ok) { missing++; continue; }
  if (t1 !== t2) { raced++; continue; }
  if (gens.some((g) => g !== gens[0] || g < 0)) torn++; else { consistent++; seen.add(gens[0]); }
}
parentPort.postMessage({ consistent, torn, raced, missing, distinct: seen.size });
`;

describe('concurrent reader', () => {
  it('never sees a mix of generations during 320 swaps', async () => {
    const dir = freshDir();
    const keys = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];
    const content = (gen: number): Map<string, Uint8Array> => new Map(keys.map((k) => [k, enc(`gen=${gen};${k};`.repeat(200))]));
    await writeFileSet(dir, content(0), { mode: 0o444 });
    const stop = new SharedArrayBuffer(4);
    const worker = new Worker(READER, { eval: true, workerData: { dir, keys, stop } });
    const report = new Promise<{ consistent: number; torn: number; raced: number; missing: number; distinct: number }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    const SWAPS = 320;
    for (let gen = 1; gen <= SWAPS; gen++) {
      const r = await writeFileSet(dir, content(gen), { mode: 0o444 });
      assert.equal(r.changed, true);
      // Let the reader run between swaps (a real agent swaps at most every few seconds).
      await new Promise((resolve) => setImmediate(resolve));
    }
    Atomics.store(new Int32Array(stop), 0, 1);
    const seen = await report;
    await worker.terminate();
    assert.equal(seen.torn, 0, `reader saw ${seen.torn} torn snapshots`);
    assert.ok(seen.consistent >= 50, `reader completed only ${seen.consistent} snapshots`);
    assert.ok(seen.distinct >= 10, `reader observed only ${seen.distinct} generations`);
    assert.equal((await generations(dir)).length, 1);
    assert.equal(await readFile(join(dir, 'alpha'), 'utf8'), `gen=${SWAPS};alpha;`.repeat(200));
  });
});
