/**
 * The template engine (common/templates/), loaded on first need. Pods whose ExternalSecrets have
 * no `target.template` never load it: measured on the agent benchmark, the engine adds about
 * 0.5 MB of private memory to a sidecar (docs/benchmarks.md). The async shells (refresh.ts,
 * render-command.ts) await `loadTemplateEngine()` before rules that have templates run; the pure
 * rules then reach it synchronously through `templateEngine()`.
 */
type Engine = typeof import('../../common/templates/index.ts');

let engine: Engine | undefined;

/** Loads the engine once (a separate bundle chunk, see scripts/bundle.mjs). */
export async function loadTemplateEngine(): Promise<Engine> {
  engine ??= await import('../../common/templates/index.ts');
  return engine;
}

/** The loaded engine; a caller that did not await loadTemplateEngine() first is a programming error. */
export function templateEngine(): Engine {
  if (engine === undefined) throw new Error('the template engine is not loaded: await loadTemplateEngine() before applying rules with target.template');
  return engine;
}
