/**
 * docs/compatibility.md is generated from the field inventory; this fails when the page is stale
 * (regenerate with `npm run docs`), and checks that
 * every field row and every setting the page names exists.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { flattenFields } from '../../contract/crd-fields.ts';
import { renderCompatibilityDoc, UPSTREAM_SETTINGS } from '../../scripts/compatibility-doc.ts';
import { SETTING_KEYS } from '../../webhook/settings.ts';

const page = readFileSync(new URL('../../docs/compatibility.md', import.meta.url), 'utf8');

it('docs/compatibility.md equals the generated page', () => {
  assert.equal(page, renderCompatibilityDoc());
});

it('lists every field of the four CRDs', () => {
  const rows = flattenFields();
  for (const r of rows) assert.ok(page.includes(`| \`${r.path}\``), r.path);
  for (const path of ['spec.rotationInterval', 'spec.data[].versionId', 'spec.externalSecretName', 'spec.conditions[].namespaceRegexes', 'spec.KMS.KMSAuth.remoteRamRoleARN', 'spec.target.template.templateFrom']) {
    assert.ok(rows.some((r) => r.path === path), path);
  }
});

it('names only settings that exist', () => {
  for (const [, ours] of UPSTREAM_SETTINGS) {
    for (const m of ours.matchAll(/`([A-Za-z]+)`/g)) assert.ok((SETTING_KEYS as readonly string[]).includes(m[1]!), m[1]);
  }
});
