/** Types of scripts/bundle.mjs for the TypeScript tests that build the bundle through its API. */

/** esbuild's metafile (the parts the tests read). */
export interface BundleMetafile {
  inputs: Record<string, { bytes: number; imports: Array<{ path: string; kind: string }> }>;
  outputs: Record<string, { bytes: number; inputs: Record<string, unknown>; imports: Array<{ path: string; kind: string }> }>;
}
/** The commands whose runs fill the compile cache. */
export declare const WARM_COMMANDS: ReadonlyArray<readonly string[]>;
/** Runs WARM_COMMANDS with `node` from `outdir`. */
export declare function warmCompileCache(outdir: string, node?: string): void;
/** Builds the bundles into `outdir` (and fills the compile cache unless `warm` is false). */
export declare function bundle(options?: { outdir?: string; warm?: boolean }): Promise<BundleMetafile>;
/** The build log's size table. */
export declare function describeSizes(metafile: BundleMetafile, outdir: string): string;
