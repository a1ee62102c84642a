/**
 * Benchmark `templates` (issue 16): the cost of one refresh's template work with the agent's
 * parse cache (injector/rules/template-cache.ts: parse once, then execute) against parsing every
 * template on every refresh. The bundled child (template-render-process.ts) runs with the agent's
 * NODE_OPTIONS (--jitless among them) on the templates of the agent-with-templates benchmark
 * (cloud-world.ts withTemplates) plus a date/semver/url template, over a dot of ten keys.
 *
 * Reported: µs per refresh (all templates once) both ways, the median of `rounds` rounds of
 * `iterations` refreshes each.
 */
import { spawnSync } from 'node:child_process';

export interface TemplateRenderResults {
  nodeOptions: string;
  templates: number;
  iterations: number;
  rounds: number;
  cachedUsPerRefresh: number;
  parseEachTimeUsPerRefresh: number;
  speedup: number;
}

/** Runs the measurement in a child with `nodeOptions`. */
export function runTemplateRenderBenchmark(o: { bundle: string; nodeOptions: string; iterations: number; rounds: number; log: (line: string) => void }): TemplateRenderResults {
  o.log(`templates: ${o.rounds} × ${o.iterations} refreshes, cached vs parse-each-time (${o.nodeOptions})`);
  const child = spawnSync(process.execPath, [...o.nodeOptions.split(' ').filter((x) => x !== ''), o.bundle, String(o.iterations), String(o.rounds)], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`template benchmark child failed: ${child.stderr.slice(-2000)}`);
  const { templates, cached, uncached } = JSON.parse(child.stdout) as { templates: number; cached: number; uncached: number };
  const r2 = (x: number): number => Math.round(x * 100) / 100;
  return { nodeOptions: o.nodeOptions, templates, iterations: o.iterations, rounds: o.rounds, cachedUsPerRefresh: r2(cached), parseEachTimeUsPerRefresh: r2(uncached), speedup: r2(uncached / cached) };
}
