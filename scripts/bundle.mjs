#!/usr/bin/env node
// Bundles the CLI into dist/ with esbuild (`npm run build`; the Dockerfile's builder stage runs it).
//
// - One entry, dist/cli.mjs, plus shared chunks under dist/chunks/: code splitting
//   (`splitting: true`, which esbuild supports only with `format: 'esm'`,
//   https://esbuild.github.io/api/#splitting) keeps cli/main.ts's lazy `import()` of each command
//   lazy, so `init` never loads fastify or @kubernetes/client-node.
// - Nothing is external: the runtime image has no node_modules.
// - CommonJS dependencies bundled into ESM call `require()` for Node built-ins; ESM has no
//   `require`, so each output file gets one from `createRequire` (esbuild's documented workaround,
//   https://github.com/evanw/esbuild/issues/1921).
// - `keepNames` keeps function and class names through minification, so stack traces and
//   `err.name` stay readable in production logs.
//
// Usage: node scripts/bundle.mjs [--outdir DIR] [--metafile FILE]
//   --outdir    where the bundles go (default: dist)
//   --metafile  also write esbuild's metafile (inputs and imports of every output) as JSON;
//               test/unit/bundle.test.ts uses it to prove the lazy commands stay lazy
import { build } from 'esbuild';
import { rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { outdir: { type: 'string' }, metafile: { type: 'string' } }, strict: true });
const outdir = resolve(values.outdir ?? join(root, 'dist'));

// 1. Start clean: stale chunks from an older build would otherwise ship in the image.
await rm(outdir, { recursive: true, force: true });

// 2. Build.
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
  banner: { js: "import { createRequire as __ackCreateRequire } from 'node:module'; const require = __ackCreateRequire(import.meta.url);" },
});

if (values.metafile !== undefined) await writeFile(values.metafile, JSON.stringify(result.metafile));

// 3. Report sizes, largest first, and the total.
const outputs = Object.entries(result.metafile.outputs)
  .filter(([file]) => file.endsWith('.mjs'))
  .map(([file, info]) => ({ file: relative(outdir, resolve(root, file)), bytes: info.bytes }))
  .sort((a, b) => b.bytes - a.bytes);
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const width = Math.max(...outputs.map((o) => o.file.length));
process.stdout.write(`bundles in ${relative(process.cwd(), outdir) || '.'}:\n`);
for (const o of outputs) process.stdout.write(`  ${o.file.padEnd(width)}  ${kib(o.bytes).padStart(10)}\n`);
process.stdout.write(`  ${'total'.padEnd(width)}  ${kib(outputs.reduce((s, o) => s + o.bytes, 0)).padStart(10)}\n`);
