#!/usr/bin/env node
// Bundles the CLI into dist/ with esbuild (`npm run build`; the Dockerfile's builder stage runs it).
//
// - One entry, dist/cli.mjs, plus shared chunks under dist/chunks/: code splitting
//   (`splitting: true`, which esbuild supports only with `format: 'esm'`,
//   https://esbuild.github.io/api/#splitting) keeps cli/main.ts's lazy `import()` of each command
//   lazy, so `init` never loads fastify or @kubernetes/client-node.
// - Nothing is external: the runtime image has no node_modules.
// - The Alibaba Cloud SDK's unused transitive modules (websocket, socks proxy, lodash, moment,
//   xml2js) are replaced by scripts/sdk-slim-plugin.mjs, which says why none is reachable.
// - CommonJS dependencies bundled into ESM call `require()` for Node built-ins; ESM has no
//   `require`, so each output file gets one from `createRequire` (esbuild's documented workaround,
//   https://github.com/evanw/esbuild/issues/1921).
// - `keepNames` keeps function and class names through minification, so stack traces and
//   `err.name` stay readable in production logs.
// - Then it fills the module compile cache beside the bundle (scripts/bundle-entry.ts) by running
//   WARM_COMMANDS once, as the Dockerfile's `warm` stage does in the image, so `npm run bench`
//   measures what a pod runs.
//
// Usage: node scripts/bundle.mjs [--outdir DIR] [--metafile FILE] [--no-warm]
//   --outdir    where the bundles go (default: dist)
//   --metafile  also write esbuild's metafile (inputs and imports of every output) as JSON;
//               test/unit/bundle.test.ts uses it to prove the lazy commands stay lazy
//   --no-warm   do not fill dist/.compile-cache (the Dockerfile fills it as the image's user)
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sdkSlimPlugin } from './sdk-slim-plugin.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The commands whose runs fill the compile cache: each loads (without doing any work) the chunks
 * of the image's roles, so their top-level code is compiled and cached. Node flags come first:
 * the cache's sub-folder is keyed by V8's flag hash, and `--jitless` (in the NODE_OPTIONS the
 * webhook injects into the agent, webhook/pod/container-base.ts) changes it, while the heap-size
 * flags do not; so the agent is warmed with `--jitless`, as it runs.
 * The Dockerfile's `warm` stage runs the same list; keep the two in step.
 */
export const WARM_COMMANDS = Object.freeze([['--version'], ['init', '--help'], ['--jitless', 'agent', '--help'], ['webhook', '--help']]);

/**
 * Runs WARM_COMMANDS with `node` (default: this Node) from `outdir`; throws naming the command
 * that failed. The cache lands in `<outdir>/.compile-cache/<node version, arch, uid>/`.
 */
export function warmCompileCache(outdir, node = process.execPath) {
  for (const command of WARM_COMMANDS) {
    const nodeArgs = command.filter((a) => a === '--jitless');
    const args = command.filter((a) => a !== '--jitless');
    const r = spawnSync(node, [...nodeArgs, join(outdir, 'cli.mjs'), ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH ?? '' } });
    if (r.status !== 0) throw new Error(`warming the compile cache: \`node ${[...nodeArgs, 'cli.mjs', ...args].join(' ')}\` exited ${r.status}: ${r.stderr}`);
  }
}

/**
 * Builds the bundles into `outdir` and returns esbuild's metafile.
 * 1. Start clean: stale chunks (or a stale compile cache) would otherwise ship in the image.
 * 2. Build.
 * 3. Unless `warm` is false, fill the compile cache.
 */
export async function bundle({ outdir = join(root, 'dist'), warm = true } = {}) {
  // 1.
  await rm(outdir, { recursive: true, force: true });
  // 2.
  const result = await build({
    absWorkingDir: root,
    entryPoints: { cli: 'scripts/bundle-entry.ts' },
    outdir,
    outExtension: { '.js': '.mjs' },
    entryNames: '[name]',
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    minify: true,
    keepNames: true,
    metafile: true,
    logLevel: 'warning',
    plugins: [sdkSlimPlugin()],
    banner: { js: "import { createRequire as __ackCreateRequire } from 'node:module'; const require = __ackCreateRequire(import.meta.url);" },
  });
  // 3.
  if (warm) warmCompileCache(outdir);
  return result.metafile;
}

/** The sizes of the .mjs outputs, largest first, for the build log. */
export function describeSizes(metafile, outdir) {
  const outputs = Object.entries(metafile.outputs)
    .filter(([file]) => file.endsWith('.mjs'))
    .map(([file, info]) => ({ file: relative(outdir, resolve(root, file)), bytes: info.bytes }))
    .sort((a, b) => b.bytes - a.bytes);
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  const width = Math.max(...outputs.map((o) => o.file.length));
  const lines = [`bundles in ${relative(process.cwd(), outdir) || '.'}:`];
  for (const o of outputs) lines.push(`  ${o.file.padEnd(width)}  ${kib(o.bytes).padStart(10)}`);
  lines.push(`  ${'total'.padEnd(width)}  ${kib(outputs.reduce((s, o) => s + o.bytes, 0)).padStart(10)}`);
  return `${lines.join('\n')}\n`;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { outdir: { type: 'string' }, metafile: { type: 'string' }, 'no-warm': { type: 'boolean' } }, strict: true });
  const outdir = resolve(values.outdir ?? join(root, 'dist'));
  const metafile = await bundle({ outdir, warm: values['no-warm'] !== true });
  if (values.metafile !== undefined) await writeFile(values.metafile, JSON.stringify(metafile));
  process.stdout.write(describeSizes(metafile, outdir));
}
