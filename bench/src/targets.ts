/**
 * The targets as code (the performance ones, and the coherence ones): how each ratio is computed from two
 * rows and compared with its goal.
 * Pure functions, unit-tested in `test/unit/bench-render.test.ts`.
 */
import type { Comparison, Row, TargetResult } from './report.js'
import { pairwise, summarize } from './stats.js'

/** Whether `value` meets `target` under `comparison`. */
export function meets(value: number, comparison: Comparison, target: number): boolean {
  switch (comparison) {
    case '<=':
      return value <= target
    case '>=':
      return value >= target
    case '<':
      return value < target
  }
}

/** Builds a target result from per-round ratio samples; the median decides PASS or MISS. */
export function evaluateTarget(
  spec: Omit<TargetResult, 'summary' | 'pass' | 'samples'>,
  samples: readonly number[],
): TargetResult {
  const summary = summarize(samples)
  return {
    ...spec,
    samples: [...samples],
    summary,
    pass: meets(summary.median, spec.comparison, spec.target),
  }
}

/**
 * `numerator` time ÷ `denominator` time, per round. Both rows must come from the same interleaved
 * measurement, so that round i of one ran next to round i of the other.
 */
export function timeRatio(numerator: Row, denominator: Row): number[] {
  return pairwise(numerator.samples, denominator.samples, (a, b) => a / b)
}

/**
 * Throughput of `ours` ÷ throughput of `baseline`, per round: ops/s is 1 / (time per op), so this
 * is the baseline's time over ours (1.0 = as fast, 0.9 = 10 % fewer operations per second).
 */
export function throughputRatio(ours: Row, baseline: Row): number[] {
  return pairwise(baseline.samples, ours.samples, (b, o) => b / o)
}
