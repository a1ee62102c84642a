/**
 * The part of `@darabonba/typescript` that the Alibaba Cloud SDK stack of the injector actually
 * uses, for the esbuild bundle only (scripts/sdk-slim-plugin.mjs maps the package here).
 *
 * Why: `@alicloud/tea-util` 1.4.x (required by `@alicloud/openapi-util`, which
 * `@alicloud/openapi-client` uses to sign requests) does `require('@darabonba/typescript')`, and
 * that package's index unconditionally loads ws, socks-proxy-agent, lodash, moment,
 * moment-timezone and xml2js for its websocket, date, func and XML helpers (about 300 KB of
 * bundled code, docs/benchmarks.md "Init"). tea-util reads exactly three names from it (its
 * dist/client.js: `$dara.toMap`, and the re-exported `ExtendsParameters` and `RuntimeOptions`),
 * all defined in the package's own `dist/core.js`, which loads none of those modules. This module
 * re-exports those three real implementations unchanged; test/unit/bundle-sdk-slim.test.ts reads
 * tea-util's source and fails when it starts using a name missing here.
 */
export { ExtendsParameters, RuntimeOptions, toMap } from '@darabonba/typescript/dist/core.js';
