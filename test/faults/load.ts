/**
 * The load side of the fault scenarios: concurrent loops of cache calls, each call timed and tagged
 * with the phase it started in, every exception counted, and a ledger of the writer's history that
 * judges whether a read returned data that a resolved write had already replaced.
 *
 * Deliberately free of Vitest imports: the chaos report runs the scenarios through tsx.
 */
import { setTimeout as delay } from 'node:timers/promises'
import type { CacheService } from '../../src/cache/cache-service.js'

/** Latency of a set of calls, in milliseconds. */
export interface LatencySummary {
  count: number
  p50: number
  p99: number
  max: number
}

/** Nearest-rank percentiles of `samples` (ms); all zero for no samples. */
export function summarize(samples: readonly number[]): LatencySummary {
  if (samples.length === 0) return { count: 0, p50: 0, p99: 0, max: 0 }
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] as number
  return { count: sorted.length, p50: rank(0.5), p99: rank(0.99), max: sorted[sorted.length - 1] as number }
}

/** One timed call. Times are `performance.now()` milliseconds. */
interface CallSample {
  operation: string
  startedAt: number
  endedAt: number
}

/**
 * Times every call of a scenario and counts the ones that threw. The run is cut into named windows
 * (`before`, `fault`, `after` ...); a call belongs to every window its duration overlaps, so a call
 * that started just before a fault and hung in it counts as the fault's.
 */
export class LoadRecorder {
  calls = 0
  threw = 0
  /** The first few exceptions, for the failure message. */
  readonly errors: unknown[] = []
  readonly #samples: CallSample[] = []
  readonly #windows = new Map<string, { start: number; end: number }>()
  #window = ''

  constructor() {
    this.enter('before')
  }

  /** The window now running. */
  get window(): string {
    return this.#window
  }

  /** Ends the current window and starts `name`. */
  enter(name: string): void {
    const now = performance.now()
    const current = this.#windows.get(this.#window)
    if (current !== undefined) current.end = now
    this.#windows.set(name, { start: now, end: Number.POSITIVE_INFINITY })
    this.#window = name
  }

  /** Runs and times `call`; an exception is counted and turned into `undefined`, never rethrown. */
  async time<T>(operation: string, call: () => Promise<T>): Promise<T | undefined> {
    this.calls++
    const startedAt = performance.now()
    try {
      return await call()
    } catch (error) {
      this.threw++
      if (this.errors.length < 5) this.errors.push(error)
      return undefined
    } finally {
      this.#samples.push({ operation, startedAt, endedAt: performance.now() })
    }
  }

  /** Latency of the calls of `operation` that overlapped `window` (or any of `window`). */
  latency(window: string | readonly string[], operation: string): LatencySummary {
    const spans = (typeof window === 'string' ? [window] : window).flatMap((name) => {
      const span = this.#windows.get(name)
      return span === undefined ? [] : [span]
    })
    return this.#summarize(operation, (sample) =>
      spans.some((span) => sample.startedAt < span.end && sample.endedAt > span.start),
    )
  }

  /** Latency of the calls of `operation` that started and ended between `from` and `to`. */
  latencyWithin(from: number, to: number, operation: string): LatencySummary {
    return this.#summarize(operation, (sample) => sample.startedAt >= from && sample.endedAt <= to)
  }

  #summarize(operation: string, include: (sample: CallSample) => boolean): LatencySummary {
    const durations: number[] = []
    for (const sample of this.#samples) {
      if (sample.operation === operation && include(sample)) durations.push(sample.endedAt - sample.startedAt)
    }
    return summarize(durations)
  }
}

/** Loops started by {@link startLoad}. */
export interface RunningLoad {
  /** Stops the loops and resolves once every call in flight has returned. */
  stop(): Promise<void>
}

/**
 * Runs `workers` concurrent loops of `step` until stopped. Each loop waits for a timer between steps,
 * as request-driven code would: loops that only yield with `setImmediate` keep libuv polling with a
 * zero timeout and were seen to leave socket replies unread for ~250 ms, which would measure the load
 * generator instead of the cache.
 */
export function startLoad(workers: number, step: (worker: number) => Promise<void>): RunningLoad {
  let running = true
  const loops = Array.from({ length: workers }, async (_, worker) => {
    while (running) {
      await step(worker)
      await delay(0)
    }
  })
  return {
    async stop() {
      running = false
      await Promise.all(loops)
    },
  }
}

/** What a cached value holds in the scenarios: the key and the sequence number of the write. */
export interface VersionedValue {
  key: string
  seq: number
}

/**
 * The writer's history, to judge reads. Every write (set or delete) gets a sequence number from one
 * counter; a read that started after a write to its key had resolved must not return a value with an
 * older sequence number. A miss is never stale: the application then loads from its source of truth.
 */
export class WriteLedger {
  #seq = 0
  readonly #history = new Map<string, Array<{ seq: number; resolvedAt: number }>>()

  /** The sequence number for the next write (put it in the value before writing). */
  nextSeq(): number {
    return ++this.#seq
  }

  /** Records that the write `seq` of `key` resolved (now). */
  resolved(key: string, seq: number): void {
    const entry = { seq, resolvedAt: performance.now() }
    const history = this.#history.get(key)
    if (history === undefined) this.#history.set(key, [entry])
    else history.push(entry)
  }

  /** Whether `value`, read for `key` by a read started at `startedAt`, was replaced before the read began. */
  isStale(key: string, value: VersionedValue | undefined, startedAt: number): boolean {
    if (value === undefined) return false
    let latestSeq = 0
    for (const entry of this.#history.get(key) ?? []) {
      if (entry.resolvedAt < startedAt && entry.seq > latestSeq) latestSeq = entry.seq
    }
    return value.seq < latestSeq
  }
}

/** Resolves once `condition` holds, polling every 5 ms; `false` after `limitMs`. */
export async function pollUntil(condition: () => boolean, limitMs: number): Promise<boolean> {
  const deadline = performance.now() + limitMs
  while (!condition()) {
    if (performance.now() > deadline) return false
    await delay(5)
  }
  return true
}

/**
 * Two instances of one application on the same L2: `writer` (on A) writes through `write`, which puts
 * every write in the ledger; `reader` (on B) reads with L1 on; `probe` (on B, no L1) answers from L2
 * only. `seed()` writes `keys` keys and has the reader read each once, so that its L1 holds them.
 */
export function writerAndReader(serviceA: CacheService, serviceB: CacheService, keys: number) {
  const cacheOptions = { l2KeyPrefix: 'users', l1Enabled: true, l1MaxSize: keys * 2 }
  const writer = serviceA.createCache<VersionedValue>(cacheOptions)
  const reader = serviceB.createCache<VersionedValue>(cacheOptions)
  const probe = serviceB.createCache<VersionedValue>({ l2KeyPrefix: 'probe' })
  const ledger = new WriteLedger()
  const recorder = new LoadRecorder()
  const write = async (key: string, remove: boolean) => {
    const seq = ledger.nextSeq()
    if (remove) await recorder.time('delete', () => writer.delete(key))
    else await recorder.time('set', () => writer.set(key, { key, seq }))
    ledger.resolved(key, seq)
  }
  const seed = async (name: (index: number) => string) => {
    for (let index = 0; index < keys; index++) await write(name(index), false)
    for (let index = 0; index < keys; index++) await reader.get(name(index))
  }
  return { writer, reader, probe, ledger, recorder, write, seed }
}
