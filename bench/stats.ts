/**
 * Order statistics for the benchmarks: medians of wall times and latency percentiles. Nearest-rank
 * percentiles (no interpolation), so every reported figure is a latency that was really observed.
 */

/**
 * The p-th percentile (0 < p ≤ 100) of `values` by the nearest-rank method
 * (https://en.wikipedia.org/wiki/Percentile#The_nearest-rank_method): the smallest value with at
 * least p % of the samples at or below it. Throws on an empty sample: a benchmark that measured
 * nothing must not report a number.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile: no samples');
  if (!(p > 0 && p <= 100)) throw new Error(`percentile: p must be in (0, 100], got ${p}`);
  const sorted = Float64Array.from(values).sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.max(0, rank - 1)] as number;
}

/** The median (mean of the two middle values for an even count), the usual "typical run" figure. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median: no samples');
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Rounds for the results file: figures are noisy well above 0.01 of their unit. */
export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
