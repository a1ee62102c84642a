// Reading manifests (multi-document YAML, JSON, List) and the StaticResolver over them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasCode } from '../../common/errors.ts';
import { parseManifests, readManifests, StaticResolver } from '../../webhook/manifests.ts';

test('parseManifests accepts multi-document YAML, JSON and List objects', async (t) => {
  const cases: { name: string; text: string; kinds: string[] }[] = [
    { name: 'two YAML documents with an empty one between', text: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\n', kinds: ['Namespace', 'Pod'] },
    { name: 'a JSON object', text: '{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"web"}}', kinds: ['ServiceAccount'] },
    { name: 'a List is flattened', text: 'apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: a}}\n- {apiVersion: v1, kind: Namespace, metadata: {name: b}}\n', kinds: ['Namespace', 'Namespace'] },
    { name: 'generateName counts as a name', text: 'apiVersion: v1\nkind: Pod\nmetadata: {generateName: web-}\n', kinds: ['Pod'] },
    { name: 'only comments', text: '# nothing here\n', kinds: [] },
  ];
  for (const c of cases) await t.test(c.name, () => assert.deepEqual(parseManifests(c.text, 'f.yaml').map((m) => m.object.kind), c.kinds));
});

test('parseManifests reports every bad document with file and position', async (t) => {
  const cases: { name: string; text: string; message: RegExp }[] = [
    { name: 'YAML syntax error', text: 'kind: [unclosed\n', message: /f.yaml document 1: not valid YAML\/JSON/ },
    { name: 'a scalar document', text: 'hello\n', message: /f.yaml document 1: expected a Kubernetes object, got "hello"/ },
    { name: 'missing kind and name in the second document', text: 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n---\napiVersion: v1\nmetadata: {}\n', message: /f.yaml document 2: kind is missing; f.yaml document 2: metadata.name is missing/ },
    { name: 'a bad List item', text: 'apiVersion: v1\nkind: List\nitems:\n- 42\n', message: /f.yaml document 1 item 1: expected a Kubernetes object, got 42/ },
  ];
  for (const c of cases) {
    await t.test(c.name, () => assert.throws(() => parseManifests(c.text, 'f.yaml'), (err: unknown) => hasCode(err, 'E_INPUT') && c.message.test(err.message)));
  }
});

test('readManifests reads stdin for "-" and lists unreadable files together', async (t) => {
  await t.test('stdin', async () => {
    const manifests = await readManifests(['-'], async () => 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n');
    assert.deepEqual(manifests.map((m) => m.source), ['<stdin> document 1']);
  });
  await t.test('two missing files in one error', async () => {
    await assert.rejects(readManifests(['/nonexistent/a.yaml', '/nonexistent/b.yaml']), (err: unknown) => hasCode(err, 'E_INPUT') && /cannot read \/nonexistent\/a.yaml.*; cannot read \/nonexistent\/b.yaml/.test(err.message));
  });
});

test('StaticResolver finds the objects a pod refers to', async (t) => {
  const objects = parseManifests([
    'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {team: shop}}',
    'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: web}',
    'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: web, namespace: other}',
    'apiVersion: alibabacloud.com/v1alpha1\nkind: ExternalSecret\nmetadata: {name: db, namespace: shop}\nspec: {}',
    'apiVersion: alibabacloud.com/v1alpha1\nkind: SecretStore\nmetadata: {name: kms, namespace: shop}\nspec: {}',
    'apiVersion: alibabacloud.com/v1alpha1\nkind: ClusterSecretStore\nmetadata: {name: shared, namespace: ignored}\nspec: {}',
    'apiVersion: example.com/v1\nkind: ExternalSecret\nmetadata: {name: db, namespace: shop}',
  ].join('\n---\n'), 'world.yaml').map((m) => m.object);
  const r = new StaticResolver(objects, 'shop');
  const cases: { name: string; get: () => Promise<unknown>; found: boolean; namespace?: string | undefined }[] = [
    { name: 'a cluster-scoped Namespace', get: () => r.namespace('shop'), found: true },
    { name: 'a ServiceAccount without namespace lands in the default namespace', get: () => r.serviceAccount('shop', 'web'), found: true, namespace: undefined },
    { name: 'a ServiceAccount in another namespace stays there', get: () => r.serviceAccount('other', 'web'), found: true, namespace: 'other' },
    { name: 'an ExternalSecret', get: () => r.externalSecret('shop', 'db'), found: true, namespace: 'shop' },
    { name: 'an ExternalSecret of another namespace is not found', get: () => r.externalSecret('other', 'db'), found: false },
    { name: 'a SecretStore', get: () => r.secretStore('shop', 'kms'), found: true, namespace: 'shop' },
    { name: 'a ClusterSecretStore ignores a stray namespace', get: () => r.clusterSecretStore('shared'), found: true, namespace: 'ignored' },
    { name: 'a missing Namespace', get: () => r.namespace('nope'), found: false },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const o = await c.get() as { metadata: { namespace?: string } } | undefined;
      assert.equal(o !== undefined, c.found);
      if (o !== undefined && 'namespace' in c) assert.equal(o.metadata.namespace, c.namespace);
    });
  }
  await t.test('objects of another API group are ignored', async () => {
    const only = new StaticResolver(objects.filter((o) => o.apiVersion === 'example.com/v1'), 'shop');
    assert.equal(await only.externalSecret('shop', 'db'), undefined);
  });
});
