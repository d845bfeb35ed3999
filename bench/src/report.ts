/**
 * What a case hands back for the table, the targets and the chart. Plain data, no behaviour.
 */
import type { CandidateKind, CandidateResult } from './measure.js'
import { type Summary, summarize } from './stats.js'

/**
 * What a row's numbers are: nanoseconds per operation (one value per round), bytes per entry, or
 * `ns/sample`: the duration of one event per sample (many samples, shown as quantiles, not as a
 * median of rounds: the stale window of the coherence group).
 */
export type RowUnit = 'ns/op' | 'B/entry' | 'ns/sample'

/** One line of a case's table. */
export interface Row {
  name: string
  kind: CandidateKind
  note?: string
  unit: RowUnit
  /**
   * Values in `unit`: one per round (the median is what the table shows), or for `ns/sample` rows
   * every sample (the table shows p50, p99 and max).
   */
  samples: number[]
  summary: Summary
  /** A free-form extra column (encoded size, say). */
  extra?: string
}

/** One measured case: a table of rows. */
export interface CaseResult {
  /** Stable id, e.g. `l2-hit-in-flight`; also the name of its CPU profile. */
  id: string
  title: string
  /** One sentence on what is measured and how, printed under the title. */
  description: string
  rows: Row[]
  /** Heading of the `extra` column when rows have one. */
  extraHeading?: string
}

/** How a measured ratio is compared with its target. */
export type Comparison = '<=' | '>=' | '<'

/**
 * What a target is about: `performance` (speed and memory beside the peers and the raw clients),
 * `coherence` (how fast other instances stop serving a changed value, and what that costs a write)
 * or `loading` (whether callers of `getOrSet` wait on a loader when hot keys expire).
 */
export type TargetTopic = 'performance' | 'coherence' | 'loading'

/** One of the performance targets (or of the coherence ones), evaluated on this run. */
export interface TargetResult {
  /** Stable id, e.g. `l1-vs-floor`. */
  id: string
  /** What the target is about, when not `performance`. */
  topic?: TargetTopic
  /** The ratio as the target states it, e.g. `L1 hit: ours ÷ async floor (time)`. */
  label: string
  comparison: Comparison
  target: number
  /**
   * `x` for a factor, `%` for a share (then values are fractions: 0.03 is 3 %), `ns` for a duration
   * in nanoseconds (a latency goal such as "p99 under 5 ms").
   */
  format: 'x' | '%' | 'ns'
  /** The ratio per round (or a single value when the case has no rounds in common). */
  samples: number[]
  summary: Summary
  pass: boolean
}

/** Turns harness results into table rows. */
export function rowsFromResults(results: readonly CandidateResult[]): Row[] {
  return results.map((result) => ({
    name: result.name,
    kind: result.kind,
    ...(result.note === undefined ? {} : { note: result.note }),
    unit: 'ns/op',
    samples: result.nsPerOp,
    summary: summarize(result.nsPerOp),
  }))
}

/** The row called `name`; throws when a case forgot to measure it (a bench bug). */
export function rowNamed(rows: readonly Row[], name: string): Row {
  const row = rows.find((candidate) => candidate.name === name)
  if (row === undefined) throw new Error(`no row named '${name}'`)
  return row
}
