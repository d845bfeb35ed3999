/** Percentiles of a set of durations, in milliseconds. */
export interface LatencyPercentiles {
  p50: number
  p95: number
  p99: number
  /** How many durations they were computed from. */
  samples: number
}

/**
 * The most recent durations of one cache's L2 operations, in a fixed ring (no allocation per
 * operation), plus those since the last {@link takeInterval} call, for per-interval percentiles.
 */
export class LatencyWindow {
  readonly #ring: Float64Array
  #next = 0
  #size = 0
  #interval: number[] = []

  /** @param capacity how many recent durations the window keeps */
  constructor(capacity = 1024) {
    this.#ring = new Float64Array(capacity)
  }

  /** Adds one duration, in ms. */
  record(durationMs: number): void {
    this.#ring[this.#next] = durationMs
    this.#next = (this.#next + 1) % this.#ring.length
    if (this.#size < this.#ring.length) this.#size++
    // Bounded like the ring: a long interval under heavy load keeps only its latest durations.
    if (this.#interval.length < this.#ring.length) this.#interval.push(durationMs)
  }

  /** Percentiles of the recent durations, or `null` before the first one. */
  percentiles(): LatencyPercentiles | null {
    return percentilesOf(Array.from(this.#ring.subarray(0, this.#size)))
  }

  /** Percentiles of the durations recorded since the previous call, or `null` for none; starts a new interval. */
  takeInterval(): LatencyPercentiles | null {
    const durations = this.#interval
    this.#interval = []
    return percentilesOf(durations)
  }
}

/** Nearest-rank percentiles of `durations` (sorted in place), or `null` when empty. */
export function percentilesOf(durations: number[]): LatencyPercentiles | null {
  if (durations.length === 0) return null
  durations.sort((a, b) => a - b)
  const rank = (p: number) =>
    durations[Math.min(durations.length - 1, Math.ceil(p * durations.length) - 1)] ?? 0
  return { p50: rank(0.5), p95: rank(0.95), p99: rank(0.99), samples: durations.length }
}
