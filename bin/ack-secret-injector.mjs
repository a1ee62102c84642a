#!/usr/bin/env node
// Launcher for the `ack-secret-injector` command. The sources are TypeScript that Node 24 runs
// directly (type stripping, https://nodejs.org/api/typescript.html), so `npx ack-secret-injector`
// works right after `npm ci` with no build step. When an older Node on PATH starts this file, it
// re-executes itself on the Node 24 pinned in devDependencies (the `node` package).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';

const major = Number(process.versions.node.split('.')[0]);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (major < 24) {
  const pinned = join(root, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(pinned)) {
    process.stderr.write(`ack-secret-injector needs Node 24 or newer (this is ${process.version}); run npm ci first\n`);
    process.exit(1);
  }
  const r = spawnSync(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
