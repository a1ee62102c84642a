/**
 * Entry point of the esbuild bundle (`dist/cli.mjs`, built by scripts/bundle.mjs): the same CLI
 * as bin/ack-secret-injector.mjs, without that launcher's Node-version re-exec, which needs the
 * source tree's node_modules. The image runs it as `/nodejs/bin/node /app/dist/cli.mjs <command>`.
 */
import { main } from '../cli/main.ts';

process.exitCode = await main(process.argv.slice(2));
