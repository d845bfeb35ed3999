/**
 * The timing harness: warm-up and calibration per candidate, then rounds in which the candidates of
 * one case take turns (the starting candidate rotates every round), so slow drift on a shared
 * machine hits every candidate alike instead of whichever happened to run last.
 */

/** Runs `ops` operations; may be synchronous (returns nothing) or asynchronous (returns a promise). */
export type Batch = (ops: number) => unknown

/** Who a candidate is in the comparison, which decides how the table shows it. */
export type CandidateKind = 'ours' | 'baseline' | 'peer' | 'info'

/** One contender of a case. */
export interface Candidate {
  /** Short name shown in the table, e.g. `resilient-cache` or `raw ioredis 6 GET + JSON.parse`. */
  name: string
  kind: CandidateKind
  /** What is special about this candidate's configuration, shown under the table. */
  note?: string
  /** Runs the measured operation `ops` times. */
  batch: Batch
  /**
   * Called after warm-up and after every round: throws when the candidate did not do the work it is
   * timed for (a miss in a hit benchmark, say), so a broken setup can never pass as a fast one.
   */
  verify?: () => void
}

/** How long to warm up and measure. */
export interface MeasureSettings {
  rounds: number
  /** Target duration of one round of one candidate, in ms. */
  roundMs: number
  /** Minimum warm-up per candidate, in ms (also what calibrates the number of operations). */
  warmupMs: number
  /**
   * Slices per round: each candidate's round is split into this many pieces, run in turn with the
   * other candidates' pieces, so drift shorter than a round (on a VM, the scheduler moving the bench
   * and redis-server between CPUs changes a round trip from ~20 to ~60 µs) lands on every candidate
   * of the round alike. 1 for CPU-bound cases. @default 1
   */
  slices?: number
}

/** The per-round results of one candidate. */
export interface CandidateResult {
  name: string
  kind: CandidateKind
  note?: string
  /** Nanoseconds per operation, one value per round. */
  nsPerOp: number[]
  /** Operations per round. */
  ops: number
}

const MIN_OPS = 8
const MAX_OPS = 50_000_000

type GcFunction = (options?: { type: 'major' | 'minor' }) => void

/**
 * Asks V8 for a collection when the process runs with `--expose-gc` (a no-op otherwise): `major`
 * empties the whole heap of garbage, `minor` (~30 µs) only the young generation, which is enough to
 * keep one candidate's short-lived garbage off the next one's time.
 */
export function collectGarbage(type: 'major' | 'minor' = 'major'): void {
  ;(globalThis as { gc?: GcFunction }).gc?.({ type })
}

/**
 * Lets the event loop turn once. Batches of awaited, already-resolved promises never leave the
 * microtask queue, so without this a whole case would run without handling I/O, timers or signals
 * (Ctrl-C would wait for it), and whatever another candidate left pending would run on the next
 * one's time.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/** Elapsed nanoseconds of one batch, awaiting it only when it returned a promise. */
async function timeBatch(batch: Batch, ops: number): Promise<number> {
  const start = process.hrtime.bigint()
  const pending = batch(ops)
  if (pending instanceof Promise) await pending
  return Number(process.hrtime.bigint() - start)
}

/**
 * Warms a candidate up for at least `warmupMs` (so the JIT has optimised its path) and returns how
 * many operations make one round of about `roundMs`.
 */
export async function calibrate(candidate: Candidate, settings: MeasureSettings): Promise<number> {
  let ops = MIN_OPS
  let spentNs = 0
  let lastNsPerOp = Number.NaN
  const warmupNs = settings.warmupMs * 1e6
  const sliceNs = Math.max(5e6, (settings.roundMs * 1e6) / 4)
  for (;;) {
    await yieldToEventLoop()
    const elapsed = await timeBatch(candidate.batch, ops)
    spentNs += elapsed
    lastNsPerOp = elapsed / ops
    if (spentNs >= warmupNs && elapsed >= sliceNs) break
    // Grow towards a slice of a round; never more than 8x at once so one slow op cannot explode it.
    const wanted = elapsed > 0 ? Math.ceil((sliceNs / elapsed) * ops) : ops * 8
    ops = Math.min(MAX_OPS, Math.max(ops, Math.min(wanted, ops * 8)))
  }
  candidate.verify?.()
  const perRound = Math.round((settings.roundMs * 1e6) / Math.max(lastNsPerOp, 0.1))
  return Math.min(MAX_OPS, Math.max(MIN_OPS, perRound))
}

/**
 * Measures every candidate for `settings.rounds` rounds, interleaved: round r runs the candidates
 * starting from number r (mod n), each in `settings.slices` turns. A full GC starts each round and a
 * young-generation GC precedes each timed slice (with `--expose-gc`), so one candidate's garbage is
 * not collected on the next one's time.
 */
export async function measureInterleaved(
  candidates: readonly Candidate[],
  settings: MeasureSettings,
): Promise<CandidateResult[]> {
  const slices = Math.max(1, settings.slices ?? 1)
  const ops: number[] = []
  for (const candidate of candidates) ops.push(await calibrate(candidate, settings))
  const samples: number[][] = candidates.map(() => [])
  for (let round = 0; round < settings.rounds; round++) {
    collectGarbage('major')
    const elapsedNs = candidates.map(() => 0)
    for (let slice = 0; slice < slices; slice++) {
      for (let turn = 0; turn < candidates.length; turn++) {
        const index = (round + turn) % candidates.length
        const candidate = candidates[index] as Candidate
        await yieldToEventLoop()
        collectGarbage('minor')
        elapsedNs[index] =
          (elapsedNs[index] as number) +
          (await timeBatch(candidate.batch, sliceOps(ops[index] as number, slices)))
      }
    }
    candidates.forEach((candidate, index) => {
      candidate.verify?.()
      ;(samples[index] as number[]).push(
        (elapsedNs[index] as number) / (sliceOps(ops[index] as number, slices) * slices),
      )
    })
  }
  return candidates.map((candidate, index) => ({
    name: candidate.name,
    kind: candidate.kind,
    ...(candidate.note === undefined ? {} : { note: candidate.note }),
    nsPerOp: samples[index] as number[],
    ops: ops[index] as number,
  }))
}

/** Operations per slice: at least one, so that a round always does work. */
function sliceOps(opsPerRound: number, slices: number): number {
  return Math.max(1, Math.round(opsPerRound / slices))
}

/** A batch that awaits `op` once per operation, one at a time. */
export function sequential(op: (i: number) => Promise<unknown>): Batch {
  return async (ops: number) => {
    for (let i = 0; i < ops; i++) await op(i)
  }
}

/**
 * A batch that keeps `concurrency` operations in flight until `ops` have completed: the load of a
 * busy server handling many requests at once. Its ns/op is wall time over operations, so ops/s is
 * the throughput.
 */
export function inFlight(op: (i: number) => Promise<unknown>, concurrency: number): Batch {
  return async (ops: number) => {
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < ops) await op(next++)
    }
    const workers: Promise<void>[] = []
    for (let w = 0; w < Math.min(concurrency, ops); w++) workers.push(worker())
    await Promise.all(workers)
  }
}

/**
 * Counts values that should have been there and were not. Candidates call `seen(value)` per operation
 * (the same cheap check for every candidate) and `assert()` from `verify`.
 */
export class HitCheck {
  #misses = 0
  #operations = 0
  readonly #name: string

  constructor(name: string) {
    this.#name = name
  }

  /** Records one result; `undefined` and `null` count as misses. */
  seen(value: unknown): void {
    this.#operations++
    if (value === undefined || value === null) this.#misses++
  }

  /** Throws when any operation since the last call missed, or when no operation ran at all. */
  assert(): void {
    const { misses, operations } = { misses: this.#misses, operations: this.#operations }
    this.#misses = 0
    this.#operations = 0
    if (operations === 0) throw new Error(`${this.#name}: the batch ran no operation`)
    if (misses > 0)
      throw new Error(`${this.#name}: ${misses} of ${operations} reads missed; expected hits only`)
  }
}
