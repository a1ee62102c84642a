/**
 * Entry point of the esbuild bundle (`dist/cli.mjs`, built by scripts/bundle.mjs): the same CLI
 * as bin/ack-secret-injector.mjs, without that launcher's Node-version re-exec, which needs the
 * source tree's node_modules. The image runs it as `/nodejs/bin/node /app/dist/cli.mjs <command>`.
 *
 * Before anything else it turns on Node's module compile cache in `<bundle dir>/.compile-cache`
 * (`module.enableCompileCache`, Node ≥ 22.1, https://nodejs.org/api/module.html#module-compile-cache):
 * V8 code cache for every chunk, so `init` does not parse and compile ~0.5 MB of JavaScript at
 * each pod start. The image fills that folder at build time (Dockerfile `warm` stage) and
 * `npm run build` fills it the same way (scripts/bundle.mjs). At run time the folder is
 * read-only (readOnlyRootFilesystem): Node then reads the cache and silently skips writing;
 * a missing or foreign cache (another Node version or user id, both part of its sub-folder name)
 * only means a normal compile. `NODE_DISABLE_COMPILE_CACHE=1` turns it off.
 */
import { enableCompileCache } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The cache folder, beside the bundle so that it follows dist/ wherever dist/ is copied. */
export const COMPILE_CACHE_FOLDER = '.compile-cache';

enableCompileCache(join(dirname(fileURLToPath(import.meta.url)), COMPILE_CACHE_FOLDER));
// A dynamic import, so the CLI and every command chunk are compiled after the cache is on
// (static imports would be loaded before this module's body runs).
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
