// esbuild plugin: keeps the Alibaba Cloud SDK's unused transitive modules out of the bundle.
//
// The injector reaches the SDK through @alicloud/openapi-client. Two of the packages under it
// load far more than the injector uses (docs/benchmarks.md, "Init"):
// - @darabonba/typescript (via @alicloud/openapi-util → @alicloud/tea-util 1.4.x): its index
//   requires ws, socks-proxy-agent, lodash, moment(-timezone) and xml2js at load time; tea-util
//   uses three names from its dist/core.js → injector/cloud/sdk-darabonba-core.ts.
// - @alicloud/tea-xml (xml2js, sax, xmlbuilder): openapi-client only calls it for an XML error
//   body, which the injector never asks for → injector/cloud/sdk-xml-error-body.ts.
// Each module documents why nothing else is reachable; test/unit/bundle-sdk-slim.test.ts checks
// the SDK sources still use only what they provide, and test/integration/bundle-injector.test.ts
// runs the bundled injector against the emulator, error answers included.
//
// The source tree (bin/ack-secret-injector.mjs, the tests) keeps loading the real packages; only
// the shipped bundle is slimmed.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Bare module specifier → the module the bundle uses instead (absolute path). */
export const SDK_REPLACEMENTS = Object.freeze({
  '@darabonba/typescript': join(ROOT, 'injector', 'cloud', 'sdk-darabonba-core.ts'),
  '@alicloud/tea-xml': join(ROOT, 'injector', 'cloud', 'sdk-xml-error-body.ts'),
});

/** The plugin for esbuild's `plugins` option. */
export function sdkSlimPlugin() {
  const names = Object.keys(SDK_REPLACEMENTS).map((n) => n.replace(/[/.]/g, '\\$&'));
  const filter = new RegExp(`^(${names.join('|')})$`);
  return {
    name: 'ack-sdk-slim',
    setup(build) {
      // Only the bare package name: the replacement itself imports '@darabonba/typescript/dist/core.js'.
      build.onResolve({ filter }, (args) => ({ path: SDK_REPLACEMENTS[args.path] }));
    },
  };
}
