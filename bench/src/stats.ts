/**
 * Summary statistics of benchmark rounds. Pure functions, no I/O: unit-tested in
 * `test/unit/bench-stats.test.ts`.
 */

/** The median, the quartiles and the spread of a set of per-round samples. */
export interface Summary {
  /** Number of samples. */
  count: number
  median: number
  min: number
  max: number
  /** 25th and 75th percentiles (linear interpolation between closest ranks). */
  p25: number
  p75: number
  /**
   * Half the min-max range as a percentage of the median: "± x %". With the handful of rounds a
   * benchmark can afford, the full range says more about noise than a standard deviation would.
   */
  spreadPct: number
}

/**
 * The `q`-quantile (0..1) of `values`, interpolating linearly between the two closest ranks (the
 * method of numpy's default and of R's type 7). Throws on an empty input or a `q` outside 0..1.
 */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new RangeError('quantile of an empty list')
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile: q must be within 0..1, got ${q}`)
  const sorted = [...values].sort((a, b) => a - b)
  const position = (sorted.length - 1) * q
  const lower = Math.floor(position)
  const upper = Math.ceil(position)
  const low = sorted[lower] as number
  const high = sorted[upper] as number
  return low + (high - low) * (position - lower)
}

/** The median of `values` (the mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5)
}

/** Median, quartiles, extremes and spread of `values`. Throws on an empty input. */
export function summarize(values: readonly number[]): Summary {
  const med = median(values)
  // A loop, not Math.min(...values): spreading hundreds of thousands of samples (the loading
  // group's per-call latencies) overflows the call stack.
  let min = Number.POSITIVE_INFINITY
  let max = Number.NEGATIVE_INFINITY
  for (const value of values) {
    if (value < min) min = value
    if (value > max) max = value
  }
  return {
    count: values.length,
    median: med,
    min,
    max,
    p25: quantile(values, 0.25),
    p75: quantile(values, 0.75),
    spreadPct: med === 0 ? 0 : ((max - min) / 2 / Math.abs(med)) * 100,
  }
}

/**
 * Element-wise `f(a[i], b[i])` of two equally long series, e.g. the ratio of two candidates measured
 * in the same round. Taking the median of per-round ratios, rather than the ratio of the medians,
 * cancels drift that hits both candidates of a round alike (another process waking up, CPU
 * frequency changes).
 */
export function pairwise(
  a: readonly number[],
  b: readonly number[],
  f: (x: number, y: number) => number,
): number[] {
  if (a.length !== b.length) throw new RangeError(`pairwise: ${a.length} samples against ${b.length}`)
  return a.map((x, i) => f(x, b[i] as number))
}
