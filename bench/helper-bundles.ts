/**
 * Bundles the benchmark's own measured child processes (the webhook server harness and the
 * benchmark-only minimal client) with esbuild into the run's work folder, so they start as plain
 * JavaScript the way the shipped dist/cli.mjs does. Run as .ts files they would load Node's type
 * stripper, which alone adds about 12 MB of private memory to a process (docs/benchmarks.md), and
 * their memory figures would describe the harness, not the product.
 */
import { join } from 'node:path';
import { build } from 'esbuild';
import { ROOT_DIR } from './fixtures.ts';

/** Paths of the bundled helpers. */
export interface HelperBundles {
  webhookServer: string;
  minimalClient: string;
  templateRender: string;
}

/** Builds the helpers into `outDir` (same esbuild settings as scripts/bundle.mjs, one file each). */
export async function buildHelperBundles(outDir: string): Promise<HelperBundles> {
  const out: HelperBundles = { webhookServer: join(outDir, 'webhook-server-process.mjs'), minimalClient: join(outDir, 'minimal-client.mjs'), templateRender: join(outDir, 'template-render-process.mjs') };
  for (const [entry, outfile] of [['bench/webhook-server-process.ts', out.webhookServer], ['bench/minimal-client.ts', out.minimalClient], ['bench/template-render-process.ts', out.templateRender]] as const) {
    await build({
      absWorkingDir: ROOT_DIR,
      entryPoints: [entry],
      outfile,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node24',
      minify: true,
      keepNames: true,
      logLevel: 'warning',
      // CommonJS dependencies call require() for built-ins; ESM has none (see scripts/bundle.mjs).
      banner: { js: "import { createRequire as __ackCreateRequire } from 'node:module'; const require = __ackCreateRequire(import.meta.url);" },
    });
  }
  return out;
}
