/**
 * The init → agent handoff volume (issue 15, docs/security.md): an in-memory emptyDir mounted into
 * the init container and the agent, never into an app container, and the config's handoffPath
 * set exactly when the pod has both an init container and an agent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import fastJsonPatch from 'fast-json-patch';
import { admit } from '../../webhook/admission/admit.ts';
import { HANDOFF_DIR, HANDOFF_PATH, HANDOFF_VOLUME } from '../../webhook/pod/volumes.ts';
import * as f from '../fixtures/webhook-fixtures.ts';

/** Applies the admission's patch to the pod (add/replace ops of the fixtures' shape only). */
async function mutated(annotations: Record<string, string>, settings: Parameters<typeof f.settings>[0] = {}): Promise<V1Pod> {
  const pod = f.pod();
  pod.metadata = { ...pod.metadata, annotations: { ...(pod.metadata?.annotations ?? {}), ...annotations } };
  const res = await admit(f.review(pod), f.resolver(), f.settings(settings));
  assert.equal(res.allowed, true, JSON.stringify(res));
  return fastJsonPatch.applyPatch(structuredClone(pod), f.patchOf(res) as never).newDocument as V1Pod;
}

const configOf = (c: V1Container): Record<string, unknown> => JSON.parse(c.env?.find((e) => e.name === 'SECRET_INJECTOR_CONFIG')?.value ?? '{}') as Record<string, unknown>;
const injector = (pod: V1Pod): V1Container[] => [...(pod.spec?.initContainers ?? []), ...pod.spec!.containers].filter((c) => c.name.startsWith('ack-secret-injector-'));
const apps = (pod: V1Pod): V1Container[] => pod.spec!.containers.filter((c) => !c.name.startsWith('ack-secret-injector-'));

const cases = [
  { name: 'classic sidecar: handoff volume in memory, mounted in init and agent only', annotations: {}, settings: {}, handoff: true },
  { name: 'native sidecar: the same', annotations: {}, settings: { nativeSidecar: 'auto', serverVersion: 'v1.30.1-aliyun.1' }, handoff: true },
  { name: 'init-only: no agent, so no handoff', annotations: { 'secret-injector.alibabacloud.com/mode': 'init-only' }, settings: {}, handoff: false },
] as const;

for (const c of cases) {
  test(`handoff volume: ${c.name}`, async () => {
    const pod = await mutated(c.annotations, c.settings as never);
    const volume = pod.spec?.volumes?.find((v) => v.name === HANDOFF_VOLUME);
    if (!c.handoff) {
      assert.equal(volume, undefined);
      for (const ic of injector(pod)) assert.equal(configOf(ic).handoffPath, undefined);
      return;
    }
    assert.deepEqual(volume, { name: HANDOFF_VOLUME, emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } });
    const containers = injector(pod);
    assert.equal(containers.length, 2);
    for (const ic of containers) {
      assert.deepEqual(ic.volumeMounts?.filter((m) => m.name === HANDOFF_VOLUME), [{ name: HANDOFF_VOLUME, mountPath: HANDOFF_DIR }], ic.name);
      assert.equal(configOf(ic).handoffPath, HANDOFF_PATH);
    }
    for (const app of apps(pod)) assert.equal(app.volumeMounts?.some((m) => m.name === HANDOFF_VOLUME) ?? false, false, `${app.name} must not mount the handoff`);
  });
}

test('init-timeout annotation: sets the config\'s initBudgetSeconds; a bad value is denied naming the annotation', async () => {
  const pod = await mutated({ 'secret-injector.alibabacloud.com/init-timeout': '15m' });
  for (const ic of injector(pod)) assert.equal(configOf(ic).initBudgetSeconds, 900);
  const bad = f.pod();
  bad.metadata = { ...bad.metadata, annotations: { ...(bad.metadata?.annotations ?? {}), 'secret-injector.alibabacloud.com/init-timeout': '2h' } };
  const res = await admit(f.review(bad), f.resolver(), f.settings());
  assert.equal(res.allowed, false);
  assert.match(JSON.stringify(res), /init-timeout.*2h/);
});
