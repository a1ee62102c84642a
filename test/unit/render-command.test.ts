/**
 * `ack-secret-injector render` as a user runs it: a child process on real temp folders. The whole
 * rule-case table (test/fixtures/render/rule-cases.json) goes through one invocation — every case
 * an ExternalSecret of a multi-document manifest — and each folder must hold exactly the
 * expected files; failed entries must be named on stderr; no value may be printed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { expectedFiles, loadRuleCases, mergedValues } from '../fixtures/render/rule-cases.ts';

const BIN = fileURLToPath(new URL('../../bin/ack-secret-injector.mjs', import.meta.url));
const cases = loadRuleCases();

function render(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'render', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Visible files of a rendered folder, read through their `..data` links. */
async function visibleFiles(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const name of await readdir(dir)) {
    if (name.startsWith('..')) continue;
    assert.equal(await readlink(join(dir, name)), `..data/${name}`, `${dir}/${name} is not a ..data link`);
    out.set(name, await readFile(join(dir, name)));
  }
  return out;
}

describe('render command over the rule-case table', () => {
  let work = '';
  let result: ReturnType<typeof render>;
  const allValues: string[] = [];
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'render-cases-'));
    const manifests = cases.map((c) => stringify({ apiVersion: 'alibabacloud.com/v1alpha1', kind: 'ExternalSecret', metadata: { name: c.name }, spec: c.spec })).join('---\n');
    await writeFile(join(work, 'es.yaml'), `${manifests}---\napiVersion: alibabacloud.com/v1alpha1\nkind: SecretStore\nmetadata: {name: ignored}\nspec: {}\n`);
    const values = mergedValues(cases);
    await writeFile(join(work, 'values.json'), JSON.stringify(values));
    for (const v of Object.values(values.kms).flatMap((x) => (Array.isArray(x) ? x : [x]))) allValues.push(typeof v === 'string' ? v : String((v as { data: string }).data));
    allValues.push(...Object.values(values.oos).flat());
    // The table models ack-secret-manager, whose jmesPath raw fallback is opt-in here (issue 17).
    result = render(['-f', join(work, 'es.yaml'), '--values', join(work, 'values.json'), '--out', join(work, 'out'), '--file-mode', '0640', '--jmespath-raw-fallback']);
  });
  after(async () => { await rm(work, { recursive: true, force: true }); });

  it('exits 1 because some cases fail, and names every failed entry on stderr', () => {
    assert.equal(result.status, 1, result.stderr);
    const expected = cases.flatMap((c) => c.failures.map((f) => `FAILED ${c.name} key=${JSON.stringify(f.key)} ${f.code}:`));
    assert.ok(expected.length > 0);
    for (const line of expected) assert.ok(result.stderr.includes(line), `stderr lacks ${line}\n${result.stderr}`);
    assert.equal(result.stderr.split('\n').filter((l) => l.startsWith('FAILED ')).length, expected.length);
  });

  it('prints no secret value on stdout or stderr', () => {
    for (const v of allValues.filter((x) => x.length >= 6)) {
      assert.ok(!result.stdout.includes(v) && !result.stderr.includes(v), `a value was printed: ${v.slice(0, 3)}…`);
    }
  });

  it('mentions the skipped non-ExternalSecret object', () => {
    assert.match(result.stdout, /skipped 1 object\(s\) that are not ExternalSecrets: .*\(SecretStore\)/);
  });

  for (const c of cases) {
    it(`writes the files of ${c.name}`, async () => {
      const dir = join(work, 'out', c.name);
      const got = await visibleFiles(dir);
      const want = expectedFiles(c);
      assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
      for (const [k, v] of want) {
        assert.ok(got.get(k)!.equals(v), `${c.name}/${k} differs`);
        assert.equal((await stat(join(dir, k))).mode & 0o777, 0o640);
      }
    });
  }
});

describe('render command flags and inputs', () => {
  let work = '';
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'render-flags-'));
    await writeFile(join(work, 'es.yaml'), 'apiVersion: alibabacloud.com/v1alpha1\nkind: ExternalSecret\nmetadata: {name: app}\nspec:\n  data:\n    - key: db\n      name: password\n');
    await writeFile(join(work, 'values.json'), JSON.stringify({ kms: { db: 's3cr3t-value' } }));
  });
  after(async () => { await rm(work, { recursive: true, force: true }); });

  const table: { name: string; args: (w: string) => string[]; status: number; stdout?: RegExp; stderr?: RegExp }[] = [
    { name: '--help prints the usage and exits 0', args: () => ['--help'], status: 0, stdout: /Usage: ack-secret-injector render -f FILE/ },
    { name: 'missing required flags are all listed, exit 2', args: () => [], status: 2, stderr: /-f: at least one[\s\S]*--values: required[\s\S]*--out: required/ },
    { name: 'a bad --file-mode names the value and what is accepted', args: (w) => ['-f', join(w, 'es.yaml'), '--values', join(w, 'values.json'), '--out', join(w, 'o'), '--file-mode', '999'], status: 2, stderr: /--file-mode: expected an octal mode such as 0440 or 0644, got "999"/ },
    { name: 'an unreadable values file is bad input, exit 2', args: (w) => ['-f', join(w, 'es.yaml'), '--values', join(w, 'nope.json'), '--out', join(w, 'o')], status: 2, stderr: /cannot read --values .*nope\.json \(ENOENT\)/ },
    { name: 'a manifest with a bad provider names the field, exit 2', args: (w) => ['-f', join(w, 'bad.yaml'), '--values', join(w, 'values.json'), '--out', join(w, 'o')], status: 2, stderr: /spec\.provider: invalid value "vault"; expected one of "kms", "oos"/ },
    { name: 'the --flag=value form works and a clean render exits 0', args: (w) => [`--filename=${join(w, 'es.yaml')}`, `--values=${join(w, 'values.json')}`, `--out=${join(w, 'eq')}`], status: 0, stdout: /app: 1 file\(s\) in .*eq\/app: password/ },
  ];
  for (const t of table) {
    it(t.name, async () => {
      await writeFile(join(work, 'bad.yaml'), 'apiVersion: alibabacloud.com/v1alpha1\nkind: ExternalSecret\nmetadata: {name: x}\nspec: {provider: vault, data: [{key: a}]}\n');
      const r = render(t.args(work));
      assert.equal(r.status, t.status, r.stderr);
      if (t.stdout) assert.match(r.stdout, t.stdout);
      if (t.stderr) assert.match(r.stderr, t.stderr);
      assert.ok(!r.stdout.includes('s3cr3t-value') && !r.stderr.includes('s3cr3t-value'));
    });
  }

  it('a second identical render reports the folder unchanged and keeps the generation', async () => {
    const args = ['-f', join(work, 'es.yaml'), '--values', join(work, 'values.json'), '--out', join(work, 'twice')];
    assert.equal(render(args).status, 0);
    const gen = await readlink(join(work, 'twice', 'app', '..data'));
    const second = render(args);
    assert.equal(second.status, 0);
    assert.match(second.stdout, /app: 1 file\(s\) \(unchanged\)/);
    assert.equal(await readlink(join(work, 'twice', 'app', '..data')), gen);
    assert.equal(await readFile(join(work, 'twice', 'app', 'password'), 'utf8'), 's3cr3t-value');
  });
});
