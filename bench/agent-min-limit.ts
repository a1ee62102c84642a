/**
 * `agent.minMemoryLimitMi`: the smallest memory limit under which the agent completes the
 * benchmark's refreshes of 10 secrets without being killed and without its time per refresh
 * doubling against the unconstrained run of the same benchmark (while the limit is felt: the
 * charge reached it; the pace of this shared machine alone moves by 2× without any limit). Each probe is the real agent
 * benchmark (bench/agent-memory.ts) run inside a cgroup v1 memory cgroup with that limit
 * (bench/memory-cgroup.ts) and the NODE_OPTIONS the webhook injects for that limit; the search is
 * a bisection at `stepMi` resolution. Without a usable memory cgroup the benchmark says why and
 * reports no figure: V8's heap limit alone would not see native memory, so it is not a stand-in.
 */
import { runAgentBenchmark, type AgentBenchOptions } from './agent-memory.ts';
import { memoryCgroupUnavailable, withMemoryCgroup, type CgroupRecord } from './memory-cgroup.ts';
import { round2 } from './stats.ts';

/** One probe of the search. */
export interface LimitProbe {
  limitMi: number;
  outcome: 'ok' | 'killed' | 'slow' | 'failed';
  secondsPerRefresh?: number;
  /** The cgroup's highest charge during the probe. */
  peakChargeMb?: number;
  limitHits?: number;
  oomKills?: number;
  error?: string;
}

/** What results.json records. */
export interface MinLimitResults {
  method: string;
  minMemoryLimitMi: number | undefined;
  /** Why there is no figure, when there is none. */
  unavailable?: string;
  referenceSecondsPerRefresh: number;
  refreshes: number;
  stepMi: number;
  probes: LimitProbe[];
}

/** Options: the agent benchmark's, plus the search range and the reference pace. */
export interface MinLimitOptions extends Omit<AgentBenchOptions, 'env' | 'spawnPrefix' | 'log'> {
  /** NODE_OPTIONS for a given limit (the webhook's injectorNodeOptions). */
  nodeOptionsFor: (limitMi: number) => string;
  /** Seconds per refresh of the unconstrained run; a probe slower than twice this fails. */
  referenceSecondsPerRefresh: number;
  lowMi: number;
  highMi: number;
  stepMi: number;
  log: (line: string) => void;
}

/** Runs the agent benchmark once under `limitMi`. */
async function probe(limitMi: number, o: MinLimitOptions): Promise<LimitProbe> {
  const { result, record } = await withMemoryCgroup(limitMi * 1048576, async (prefix) => {
    try {
      const r = await runAgentBenchmark({ ...o, env: { NODE_OPTIONS: o.nodeOptionsFor(limitMi) }, spawnPrefix: prefix, log: () => undefined });
      return { ok: true as const, secondsPerRefresh: r.runSeconds / r.refreshes };
    } catch (err) {
      return { ok: false as const, error: (err instanceof Error ? err.message : String(err)).slice(0, 400) };
    }
  });
  const rec = (c: CgroupRecord): Pick<LimitProbe, 'peakChargeMb' | 'limitHits' | 'oomKills'> => ({ peakChargeMb: round2(c.peakChargeMb), limitHits: c.limitHits, oomKills: c.oomKills });
  if (!result.ok) {
    const killed = record.oomKills > 0 || /signal SIGKILL/.test(result.error);
    return { limitMi, outcome: killed ? 'killed' : 'failed', error: result.error, ...rec(record) };
  }
  // Doubling counts only when the limit was felt (the charge reached it, so the kernel reclaimed):
  // on this shared machine the pace alone moves by 2× with other work, limit or not.
  const pressed = record.limitHits > 0 || record.peakChargeMb >= limitMi - 1;
  const slow = pressed && result.secondsPerRefresh > 2 * o.referenceSecondsPerRefresh;
  return { limitMi, outcome: slow ? 'slow' : 'ok', secondsPerRefresh: Math.round(result.secondsPerRefresh * 1e4) / 1e4, ...rec(record) };
}

/**
 * Steps: 1. check a memory cgroup can be made; 2. make sure `highMi` passes (doubling up to
 * 1 GiB); 3. bisect between a failing low and a passing high until they are `stepMi` apart.
 */
export async function findMinMemoryLimit(o: MinLimitOptions): Promise<MinLimitResults> {
  const base = { referenceSecondsPerRefresh: Math.round(o.referenceSecondsPerRefresh * 1e4) / 1e4, refreshes: o.refreshes, stepMi: o.stepMi };
  // 1.
  const unavailable = await memoryCgroupUnavailable();
  if (unavailable !== undefined) return { method: 'none', minMemoryLimitMi: undefined, unavailable, ...base, probes: [] };
  const method = 'cgroup v1 memory.limit_in_bytes (child of /sys/fs/cgroup/memory, process moved in before exec)';
  const probes: LimitProbe[] = [];
  const run = async (limitMi: number): Promise<boolean> => {
    const p = await probe(limitMi, o);
    probes.push(p);
    o.log(`agent min limit: ${limitMi}Mi → ${p.outcome}${p.secondsPerRefresh === undefined ? '' : ` (${p.secondsPerRefresh} s/refresh)`}, peak charge ${p.peakChargeMb} MB, limit hits ${p.limitHits}`);
    return p.outcome === 'ok';
  };
  // 2.
  let high = o.highMi;
  while (!(await run(high))) {
    if (high >= 1024) return { method, minMemoryLimitMi: undefined, unavailable: 'the agent failed even at 1024Mi', ...base, probes };
    high *= 2;
  }
  // 3.
  let low = o.lowMi;
  if (low < high && (await run(low))) return { method, minMemoryLimitMi: low, ...base, probes };
  while (high - low > o.stepMi) {
    const mid = low + Math.floor((high - low) / 2 / o.stepMi) * o.stepMi || low + o.stepMi;
    if (await run(mid)) high = mid;
    else low = mid;
  }
  return { method, minMemoryLimitMi: high, ...base, probes };
}
