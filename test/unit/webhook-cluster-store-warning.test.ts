// Issue 13, defect 9: a pod that uses a ClusterSecretStore is told that the RAM role's trust
// policy, not the webhook, is the boundary (docs/security.md "ClusterSecretStore trust policy").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admit } from '../../webhook/admission/admit.ts';
import * as f from '../fixtures/webhook-fixtures.ts';

const es = (kind: string, name = 'shared') => f.externalSecret('db', { data: [{ key: 'shop/db-password', name: 'a', secretStoreRef: { name, kind } }, { key: 'shop/api-token', name: 'b', secretStoreRef: { name, kind } }] });
const STORE_ROLE = 'acs:ram::1234567890:role/shared-store';

test('an admission warning names the ClusterSecretStore and the trust policy, once per store', async (t) => {
  const cases = [
    { name: 'a ClusterSecretStore with its own role', objects: [f.namespace('shop'), f.serviceAccount('web'), es('ClusterSecretStore'), f.clusterSecretStore('shared', { ramRoleARN: STORE_ROLE }, [{ namespaces: ['shop'] }])], warned: true },
    { name: 'a ClusterSecretStore using the pod\'s own ServiceAccount', objects: [f.namespace('shop'), f.serviceAccount('web'), es('ClusterSecretStore'), f.clusterSecretStore('shared', { serviceAccountRef: { name: 'web', namespace: 'shop' } })], warned: true },
    { name: 'a namespaced SecretStore: no warning', objects: [f.namespace('shop'), f.serviceAccount('web'), es('SecretStore'), f.secretStore('shared', { ramRoleARN: STORE_ROLE })], warned: false },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const res = await admit(f.review(f.pod()), f.resolver(c.objects), f.settings());
      assert.equal(res.allowed, true, res.status?.message);
      const warnings = (res.warnings ?? []).filter((w) => w.startsWith('ClusterSecretStore shared: '));
      assert.equal(warnings.length, c.warned ? 1 : 0, JSON.stringify(res.warnings));
      if (c.warned) assert.match(warnings[0] ?? '', /admits namespace shop by the store's conditions, but the RAM role's trust policy is what limits who can assume it .*docs\/security.md/);
    });
  }
});
