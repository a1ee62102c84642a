/**
 * Issue 17 rows through `ack-secret-injector render` (a child process on temp folders): a jmesPath
 * that yields nothing fails the entry (and `--jmespath-raw-fallback` restores upstream), OOS
 * parameter versions, a ClusterExternalSecret rendered under its externalSecretName, wrong shapes
 * refused by field path, and no-effect / misspelt fields answered with warnings.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/ack-secret-injector.mjs', import.meta.url));
const PASSWORD = 'pw-9f8e7d6c';
const VALUES = {
  kms: { db: `{"user":"app","password":"${PASSWORD}"}` },
  oos: { '/app/token': ['token-v1', 'token-v2', 'token-v3'] },
};

function render(work: string, manifest: string, extra: string[] = []): { status: number | null; stdout: string; stderr: string; out: string } {
  const out = join(work, `out-${Math.random().toString(36).slice(2)}`);
  const file = join(work, `m-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, manifest);
  const r = spawnSync(process.execPath, [BIN, 'render', '-f', file, '--values', join(work, 'values.json'), '--out', out, ...extra], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, out };
}

const es = (name: string, spec: string): string => `apiVersion: alibabacloud.com/v1alpha1\nkind: ExternalSecret\nmetadata: {name: ${name}}\nspec: ${spec}\n`;

describe('render: issue 17', () => {
  let work = '';
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'render-17-'));
    await writeFile(join(work, 'values.json'), JSON.stringify(VALUES));
  });
  after(async () => { await rm(work, { recursive: true, force: true }); });

  it('a jmesPath that matches nothing fails the entry, names the path, and writes no raw document', async () => {
    const r = render(work, es('db', '{data: [{key: db, jmesPath: [{path: usr, objectAlias: user}]}]}'));
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /FAILED db key="db" E_RULE: data\[0\]: jmesPath "usr" \(no result\) yielded no value in "db"; nothing is written for this entry/);
    assert.deepEqual((await readdir(join(r.out, 'db'))).filter((n) => !n.startsWith('..')), []);
    assert.ok(!r.stdout.includes(PASSWORD) && !r.stderr.includes(PASSWORD));
  });
  it('--jmespath-raw-fallback restores upstream: the raw value under the key', async () => {
    const r = render(work, es('db', '{data: [{key: db, jmesPath: [{path: usr, objectAlias: user}]}]}'), ['--jmespath-raw-fallback']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(await readFile(join(r.out, 'db', 'db'), 'utf8'), VALUES.kms.db);
  });
  it('a jmesPath that matches writes only that field', async () => {
    const r = render(work, es('db', '{data: [{key: db, jmesPath: [{path: user, objectAlias: user}]}]}'));
    assert.equal(r.status, 0, r.stderr);
    assert.equal(await readFile(join(r.out, 'db', 'user'), 'utf8'), 'app');
  });
  it('OOS versionId reads that parameter version; none reads the latest', async () => {
    const r = render(work, es('tok', '{provider: oos, data: [{key: /app/token, name: pinned, versionId: "2"}, {key: /app/token, name: latest}]}'));
    assert.equal(r.status, 0, r.stderr);
    assert.equal(await readFile(join(r.out, 'tok', 'pinned'), 'utf8'), 'token-v2');
    assert.equal(await readFile(join(r.out, 'tok', 'latest'), 'utf8'), 'token-v3');
  });
  it('an OOS versionId that is not a parameter version is refused with what is accepted', () => {
    const r = render(work, es('tok', '{provider: oos, data: [{key: /app/token, name: t, versionId: v1}]}'));
    assert.equal(r.status, 2);
    assert.match(r.stderr, /spec\.data\[0\]\.versionId: invalid value "v1" for an OOS parameter; expected a parameter version, an integer from 1 to 100/);
  });
  it('a ClusterExternalSecret renders its externalSecretSpec under externalSecretName, warning about metadata', async () => {
    const ces = 'apiVersion: alibabacloud.com/v1alpha1\nkind: ClusterExternalSecret\nmetadata: {name: shared}\nspec:\n  externalSecretName: app-db\n  externalSecretMetadata: {labels: {team: a}}\n  externalSecretSpec: {data: [{key: db, jmesPath: [{path: password, objectAlias: password}]}]}\n';
    const r = render(work, ces);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(await readFile(join(r.out, 'app-db', 'password'), 'utf8'), PASSWORD);
    assert.match(r.stderr, /warning: .*spec\.externalSecretMetadata\.labels: has no effect in a pod/);
  });
  it('a wrong shape is refused naming the field, not an internal error', () => {
    const r = render(work, es('db', '{data: [{key: db, jmesPath: user}]}'));
    assert.equal(r.status, 2);
    assert.match(r.stderr, /spec\.data\[0\]\.jmesPath: expected a list, each an object with fields path, objectAlias, got a string "user"/);
  });
  it('misspelt and no-effect fields are warnings; versionID is read as versionId', async () => {
    const r = render(work, es('tok', '{provider: oos, type: Opaque, target: {name: other}, data: [{key: /app/token, name: t, versionID: "1", colour: x}]}'));
    assert.equal(r.status, 0, r.stderr);
    assert.equal(await readFile(join(r.out, 'tok', 't'), 'utf8'), 'token-v1');
    for (const re of [/spec\.type: has no effect in a pod/, /spec\.target\.name: has no effect in a pod/, /spec\.data\[0\]\.versionID: read as "versionId"/, /spec\.data\[0\]\.colour: unknown field, ignored/]) assert.match(r.stderr, re);
  });
});
