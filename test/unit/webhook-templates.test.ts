// target.template at admission through admit(): inline/literal templates parsed (a syntax error
// denies with the ExternalSecret, the key, line:column and Go's message), Secret-only fields
// warned about, and templateFrom ConfigMaps/Secrets mounted into the injector containers only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { admit } from '../../webhook/admission/admit.ts';
import { applyPatch, type Operation } from '../../webhook/admission/patch.ts';
import { parseInjectorConfig } from '../../contract/injector-config-schema.ts';
import * as f from '../fixtures/webhook-fixtures.ts';

const DATA = [{ key: 'shop/db-password', name: 'password' }];
const worldWith = (spec: Record<string, unknown>): ReturnType<typeof f.world> => [...f.world().filter((o) => o.kind !== 'ExternalSecret'), f.externalSecret('db', spec)];

test('templates at admission', async (t) => {
  const cases: { name: string; target: unknown; denied?: RegExp; warnings?: RegExp[] }[] = [
    { name: 'valid inline template is allowed', target: { template: { data: { dsn: 'pg://app:{{ .password }}@db' } } } },
    { name: 'syntax error denies with ES, key, line:column and Go message', target: { template: { data: { 'formatted-config': '{\n"host": "{{ .raw-data | quote }}"\n}' } } }, denied: /ExternalSecret shop\/db spec\.target\.template\.data\["formatted-config"\]: template syntax error at line 2, column 12: bad character U\+002D '-'/ },
    { name: 'literal syntax error denies', target: { template: { templateFrom: [{ literal: '{{ if .a }}x' }] } }, denied: /templateFrom\[0\]\.literal: template syntax error at line 1, column \d+: unexpected EOF/ },
    { name: 'metadata, type and a Labels target are warned about', target: { template: { type: 'Opaque', metadata: { annotations: { a: 'b' } }, data: { x: '{{ .password }}' }, templateFrom: [{ literal: 'v', target: 'Labels' }] } }, warnings: [/template\.type: "Opaque" has no effect/, /template\.metadata: has no effect/, /templateFrom\[0\]\.target: Labels has no effect/] },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const res = await admit(f.review(f.pod()), f.resolver(worldWith({ data: DATA, target: c.target })), f.settings());
      if (c.denied !== undefined) {
        assert.equal(res.allowed, false);
        assert.match(res.status?.message ?? '', c.denied);
        return;
      }
      assert.equal(res.allowed, true, res.status?.message);
      const warnings = res.warnings ?? [];
      for (const re of c.warnings ?? []) assert.ok(warnings.some((w) => re.test(w)), `${re} in ${JSON.stringify(warnings)}`);
    });
  }
});

test('templateFrom ConfigMap and Secret are mounted into the injector containers only; the config carries the template', async () => {
  const target = { template: { mergePolicy: 'Merge', data: { dsn: '{{ .password }}' }, templateFrom: [
    { configMap: { name: 'app-templates', items: [{ key: 'config.yaml' }] } },
    { secret: { name: 'secure-templates', items: [{ key: 'kv', templateAs: 'KeysAndValues' }] } },
    { configMap: { name: 'app-templates', items: [{ key: 'other' }] } },
  ] } };
  const p = f.pod();
  const res = await admit(f.review(p), f.resolver(worldWith({ data: DATA, target })), f.settings());
  assert.equal(res.allowed, true, res.status?.message);
  const pod: V1Pod = applyPatch(p, f.patchOf(res) as Operation[]);
  const vols = (pod.spec?.volumes ?? []).filter((v) => v.name.startsWith('ack-secret-injector-tpl-'));
  assert.deepEqual(vols, [
    { name: 'ack-secret-injector-tpl-0', configMap: { name: 'app-templates', optional: true, defaultMode: 0o444 } },
    { name: 'ack-secret-injector-tpl-1', secret: { secretName: 'secure-templates', optional: true, defaultMode: 0o444 } },
  ]);
  const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  for (const c of all) {
    const mounts = (c.volumeMounts ?? []).filter((m) => m.name.startsWith('ack-secret-injector-tpl-'));
    if (c.name.startsWith('ack-secret-injector')) {
      assert.deepEqual(mounts.map((m) => [m.mountPath, m.readOnly]), [
        ['/var/run/secrets/ack-secret-injector/templates/configMap/app-templates', true],
        ['/var/run/secrets/ack-secret-injector/templates/secret/secure-templates', true],
      ], c.name);
      const env = c.env?.find((e) => e.name === 'SECRET_INJECTOR_CONFIG');
      const config = parseInjectorConfig(env?.value);
      assert.equal(config.templatesPath, '/var/run/secrets/ack-secret-injector/templates');
      assert.deepEqual(config.externalSecrets[0]?.template, {
        mergePolicy: 'Merge', data: { dsn: '{{ .password }}' }, templateFrom: [
          { configMap: { name: 'app-templates', items: [{ key: 'config.yaml', templateAs: 'Values' }] } },
          { secret: { name: 'secure-templates', items: [{ key: 'kv', templateAs: 'KeysAndValues' }] } },
          { configMap: { name: 'app-templates', items: [{ key: 'other', templateAs: 'Values' }] } },
        ],
      });
    } else assert.deepEqual(mounts, [], `app container ${c.name} must not see template volumes`);
  }
});
