import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalPath, injectorProgramDirs, mountPathConflict } from '../../webhook/admission/annotations/mount-path.ts';
import { SETTING_DEFAULTS } from '../../webhook/settings.ts';

test('canonicalPath resolves segments, trailing slashes and /var/run → /run', async (t) => {
  const cases: Array<[string, string]> = [
    ['/var/run/secrets', '/run/secrets'],
    ['/var/run', '/run'],
    ['/var/runner', '/var/runner'],
    ['/run/secrets/', '/run/secrets'],
    ['//var//run/./secrets/x/../y', '/run/secrets/y'],
    ['/../..', '/'],
    ['/', '/'],
  ];
  for (const [input, expected] of cases) {
    await t.test(`${input} → ${expected}`, () => assert.equal(canonicalPath(input), expected));
  }
});

test('the injector program folders come from the absolute paths of the default injectorCommand', () => {
  assert.deepEqual(injectorProgramDirs(SETTING_DEFAULTS), ['/nodejs/bin', '/app/dist']);
});

test('mountPathConflict accepts ordinary paths and refuses aliases of reserved ones', async (t) => {
  const ok = ['/var/run/secrets/alibabacloud', '/run/secrets/alibabacloud', '/etc/app/secrets', '/app/secrets', '/var/runner/x'];
  for (const path of ok) await t.test(`${path} is accepted`, () => assert.equal(mountPathConflict(path, SETTING_DEFAULTS), undefined));
  const bad = ['/run', '/run/secrets/kubernetes.io', '/run/secrets/kubernetes.io/serviceaccount/x', '/run/secrets/ack-secret-injector', '/app', '/app/dist/chunks', '/nodejs/bin'];
  for (const path of bad) await t.test(`${path} is refused`, () => assert.notEqual(mountPathConflict(path, SETTING_DEFAULTS), undefined));
});
