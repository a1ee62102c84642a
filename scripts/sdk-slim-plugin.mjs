// esbuild plugin: keeps the Alibaba Cloud SDK's unused transitive modules out of the bundle, and
// the parts of prom-client the injector never uses out of the injector's chunks.
//
// The injector reaches the SDK through @alicloud/openapi-client. Three of the packages under it
// load far more than the injector uses (docs/benchmarks.md, "Init"):
// - @darabonba/typescript (via @alicloud/openapi-util → @alicloud/tea-util 1.4.x): its index
//   requires ws, socks-proxy-agent, lodash, moment(-timezone) and xml2js at load time; tea-util
//   uses three names from its dist/core.js → injector/cloud/sdk-darabonba-core.ts.
// - @alicloud/tea-xml (xml2js, sax, xmlbuilder): openapi-client only calls it for an XML error
//   body, which the injector never asks for → injector/cloud/sdk-xml-error-body.ts.
// - @alicloud/credentials: its index loads every credential provider (child_process, ini, os,
//   kitx); the injector only wraps its own source in the `Credential` class
//   → injector/cloud/sdk-credentials-core.cjs.
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
  '@alicloud/credentials': join(ROOT, 'injector', 'cloud', 'sdk-credentials-core.cjs'),
});

/**
 * Bare module specifier → the module the bundle uses instead, for imports from injector/ only
 * (the webhook keeps the whole package: it serves the default process metrics).
 * - prom-client: its index loads the cluster aggregator, default metrics and Pushgateway; the
 *   injector uses four classes → injector/prom-client-core.mjs.
 */
export const INJECTOR_REPLACEMENTS = Object.freeze({
  'prom-client': join(ROOT, 'injector', 'prom-client-core.mjs'),
});

const INJECTOR_DIR = join(ROOT, 'injector');

/** A filter matching exactly the given bare specifiers. */
function exactly(names) {
  return new RegExp(`^(${names.map((n) => n.replace(/[/.]/g, '\\$&')).join('|')})$`);
}

/** The plugin for esbuild's `plugins` option. */
export function sdkSlimPlugin() {
  return {
    name: 'ack-sdk-slim',
    setup(build) {
      // Only the bare package name: the replacement itself imports '@darabonba/typescript/dist/core.js'.
      build.onResolve({ filter: exactly(Object.keys(SDK_REPLACEMENTS)) }, (args) => ({ path: SDK_REPLACEMENTS[args.path] }));
      build.onResolve({ filter: exactly(Object.keys(INJECTOR_REPLACEMENTS)) }, (args) => (
        args.importer.startsWith(`${INJECTOR_DIR}/`) ? { path: INJECTOR_REPLACEMENTS[args.path] } : undefined
      ));
    },
  };
}
