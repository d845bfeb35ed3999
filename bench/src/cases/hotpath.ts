/**
 * Where resilient-cache's L2 read time goes, by rebuilding its layers one at a time on a raw ioredis 6
 * client (`--only hotpath`, and with `--cpu-prof`). The replicas copy the shape of the library's
 * code (src/resilience/with-timeout.ts, l2-guard.ts, cache.ts) without importing its internals, so
 * they measure what each layer costs, and what the proposed changes would save, on this machine:
 *
 * - Buffer reply: `getBuffer` + toString + JSON.parse instead of `get` + JSON.parse.
 * - per-call timer: a setTimeout/clearTimeout pair around each command.
 * - withTimeout: the timer plus the wrapper promise of `withTimeout`.
 * - async layers: get → #readL2 → guard.run → #execute, each an async function, two of which
 *   `return` a promise (which costs extra microtask ticks) instead of `return await`-ing it.
 * - proposal: the same layers with `return await`, and one shared deadline sweep per guard instead
 *   of a timer per call.
 * - ioredis `commandTimeout`: the client's own per-command timer, no wrapper promise.
 * - batching writes: ioredis writes every command with its own socket write (one syscall each; on
 *   this VM a syscall costs microseconds). `enableAutoPipelining` batches a tick's commands through a
 *   setImmediate and a pipeline; corking the socket until `process.nextTick` (proposal) lets Node
 *   hand a tick's commands to the kernel in one writev, without the extra event-loop turn.
 *
 * A last table times the per-call timer alone (setTimeout + clearTimeout with 100 others pending).
 */
import type { Socket } from 'node:net'
import { Redis as Redis6 } from 'ioredis6'
import type { BenchContext, GroupResult } from '../context.js'
import { type BenchRecord, KEY_COUNT, KEY_MASK, KEYS, makeRecord, SET_VALUE } from '../data.js'
import { type Candidate, HitCheck, inFlight, measureInterleaved, sequential } from '../measure.js'
import { type CaseResult, rowsFromResults } from '../report.js'
import { TTL_MS } from '../subjects/peers.js'
import { createEntryCodec, jsonSerializer } from '../subjects/resilient-cache.js'
import { CONCURRENCY } from './l2.js'

const TIMEOUT_MS = 500
const FAILED = Symbol('failed')
const noop = (): void => {}

/** The shape of `withTimeout` in src/resilience/with-timeout.ts. */
function withTimeoutReplica<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), timeoutMs)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}

interface Deadline {
  deadline: number
  reject: (error: Error) => void
}

/**
 * The proposed replacement of the per-call timer: one interval per guard sweeps the pending calls
 * and rejects those past their deadline (late by at most a tenth of the timeout). The interval stops
 * after a sweep that found nothing pending, so an idle process has no timer.
 */
class DeadlineSweep {
  readonly #timeoutMs: number
  readonly #pending = new Set<Deadline>()
  #timer: NodeJS.Timeout | undefined
  #idleSweeps = 0

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs
  }

  track<T>(promise: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Deadline = { deadline: performance.now() + this.#timeoutMs, reject }
      this.#pending.add(entry)
      if (this.#timer === undefined) {
        this.#timer = setInterval(() => this.#sweep(), this.#timeoutMs / 10)
        this.#timer.unref()
      }
      promise.then(
        (value) => {
          this.#pending.delete(entry)
          resolve(value)
        },
        (error: unknown) => {
          this.#pending.delete(entry)
          reject(error)
        },
      )
    })
  }

  #sweep(): void {
    if (this.#pending.size === 0) {
      if (++this.#idleSweeps >= 2) {
        clearInterval(this.#timer)
        this.#timer = undefined
      }
      return
    }
    this.#idleSweeps = 0
    const now = performance.now()
    for (const entry of this.#pending) {
      if (entry.deadline <= now) {
        this.#pending.delete(entry)
        entry.reject(new Error('timeout'))
      }
    }
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }
}

/** Runs the decomposition, sequential and in flight. */
export async function runHotpath(ctx: BenchContext): Promise<GroupResult> {
  const raw = ctx.peers.rawIoredis6()
  const withCommandTimeout = new Redis6({
    host: ctx.redis.host,
    port: ctx.redis.port,
    commandTimeout: TIMEOUT_MS,
  })
  const keys = KEYS.map((key) => `hotpath:${key}`)
  for (let i = 0; i < KEY_COUNT; i++)
    await raw.set(keys[i] as string, JSON.stringify(makeRecord(i)), 'PX', TTL_MS)
  const ours = ctx.ours.createCache<BenchRecord>({
    l2KeyPrefix: 'bench-hotpath',
    l1Enabled: false,
    l2Ttl: 3600,
    serializer: 'json',
  })
  for (let i = 0; i < KEY_COUNT; i++) await ours.set(KEYS[i] as string, makeRecord(i))
  const autoPipelined = new Redis6({ host: ctx.redis.host, port: ctx.redis.port, enableAutoPipelining: true })
  const sweep = new DeadlineSweep(TIMEOUT_MS)
  // The proposal for batching: cork the socket on the first command of a tick, uncork on nextTick.
  // The socket is read at uncork time from the same reference that was corked.
  let corked: Socket | undefined
  const corkUntilNextTick = (): void => {
    if (corked !== undefined) return
    const socket = (raw as unknown as { stream: Socket }).stream
    corked = socket
    socket.cork()
    process.nextTick(() => {
      corked = undefined
      socket.uncork()
    })
  }
  const breaker = { failures: 0, successes: 0 }
  const parse = (bytes: Buffer | null): unknown =>
    bytes === null ? undefined : JSON.parse(bytes.toString('utf8'))

  // The library's layering as it is: two async functions return a promise instead of awaiting it.
  const execute = async (key: string, timed: boolean): Promise<Buffer | null> =>
    timed ? withTimeoutReplica(raw.getBuffer(key), TIMEOUT_MS) : raw.getBuffer(key)
  const run = async (key: string, timed: boolean): Promise<Buffer | null | typeof FAILED> => {
    try {
      const value = await execute(key, timed)
      breaker.successes++
      return value
    } catch {
      breaker.failures++
      return FAILED
    }
  }
  const readL2 = async (key: string, timed: boolean): Promise<unknown> => {
    const bytes = await run(key, timed)
    return bytes === FAILED ? undefined : parse(bytes)
  }
  const layered = async (key: string, timed: boolean): Promise<unknown> => readL2(key, timed)

  // The proposal: the same layers, `return await`, and the shared deadline sweep.
  const executeP = async (key: string): Promise<Buffer | null> => await sweep.track(raw.getBuffer(key))
  const runP = async (key: string): Promise<Buffer | null | typeof FAILED> => {
    try {
      const value = await executeP(key)
      breaker.successes++
      return value
    } catch {
      breaker.failures++
      return FAILED
    }
  }
  const readL2P = async (key: string): Promise<unknown> => {
    const bytes = await runP(key)
    return bytes === FAILED ? undefined : parse(bytes)
  }
  const proposed = async (key: string): Promise<unknown> => await readL2P(key)

  const ops: Array<{
    name: string
    kind: Candidate['kind']
    op: (key: string, i: number) => Promise<unknown>
  }> = [
    {
      name: 'raw GET + JSON.parse',
      kind: 'baseline',
      op: async (key) => JSON.parse((await raw.get(key)) as string),
    },
    {
      name: 'raw getBuffer + toString + JSON.parse',
      kind: 'info',
      op: async (key) => parse(await raw.getBuffer(key)),
    },
    {
      name: '+ setTimeout/clearTimeout per call',
      kind: 'info',
      op: async (key) => {
        const timer = setTimeout(noop, TIMEOUT_MS)
        try {
          return parse(await raw.getBuffer(key))
        } finally {
          clearTimeout(timer)
        }
      },
    },
    {
      name: '+ withTimeout (timer + wrapper promise)',
      kind: 'info',
      op: async (key) => parse(await withTimeoutReplica(raw.getBuffer(key), TIMEOUT_MS)),
    },
    { name: '+ async layers, no timer', kind: 'info', op: (key) => layered(key, false) },
    { name: '+ async layers + withTimeout (replica)', kind: 'info', op: (key) => layered(key, true) },
    { name: 'proposal: return await + shared deadline sweep', kind: 'info', op: (key) => proposed(key) },
    {
      name: 'raw GET + JSON.parse, enableAutoPipelining',
      kind: 'info',
      op: async (key) => JSON.parse((await autoPipelined.get(key)) as string),
    },
    {
      name: 'proposal: raw GET + JSON.parse, socket corked until nextTick',
      kind: 'info',
      op: async (key) => {
        corkUntilNextTick()
        return JSON.parse((await raw.get(key)) as string)
      },
    },
    {
      name: 'ioredis commandTimeout (client-side timer)',
      kind: 'info',
      op: async (key) => parse(await withCommandTimeout.getBuffer(key)),
    },
    {
      name: 'resilient-cache get (L1 off)',
      kind: 'ours',
      op: (_key, i) => ours.get(KEYS[i & KEY_MASK] as string),
    },
  ]

  const cases: CaseResult[] = []
  for (const mode of ['sequential', 'in-flight'] as const) {
    const candidates: Candidate[] = ops.map(({ name, kind, op }) => {
      const hits = new HitCheck(name)
      const timed = async (i: number): Promise<void> => hits.seen(await op(keys[i & KEY_MASK] as string, i))
      return {
        name,
        kind,
        batch: mode === 'sequential' ? sequential(timed) : inFlight(timed, CONCURRENCY),
        verify: () => hits.assert(),
      }
    })
    ctx.log(`Hot path decomposition, ${mode}: measuring`)
    cases.push({
      id: `hotpath-${mode}`,
      title: `L2 read decomposition on raw ioredis 6 (${mode === 'sequential' ? 'sequential' : `${CONCURRENCY} in flight`})`,
      description:
        "Each row adds one layer of resilient-cache's L2 read path to a raw client (replicas; see cases/hotpath.ts).",
      rows: rowsFromResults(await measureInterleaved(candidates, ctx.ioSettings)),
    })
  }
  // The write path: what a Buffer value (binary header) costs ioredis compared with a string.
  const setKeys = KEYS.map((key) => `hotpath-set:${key}`)
  const codec = createEntryCodec(jsonSerializer, { maxValueBytes: 1 << 20 })
  const oursSet = ctx.ours.createCache<BenchRecord>({
    l2KeyPrefix: 'bench-hotpath-set',
    l1Enabled: true,
    l1MaxSize: 10_000,
    l1Ttl: 3600,
    l2Ttl: 3600,
    serializer: 'json',
  })
  const oursSetL2 = ctx.ours.createCache<BenchRecord>({
    l2KeyPrefix: 'bench-hotpath-set-l2',
    l1Enabled: false,
    l2Ttl: 3600,
    serializer: 'json',
  })
  const writes: Array<{ name: string; kind: Candidate['kind']; op: (i: number) => Promise<unknown> }> = [
    {
      name: 'raw SET PX, JSON.stringify (string value)',
      kind: 'baseline',
      op: (i) => raw.set(setKeys[i & KEY_MASK] as string, JSON.stringify(SET_VALUE), 'PX', TTL_MS),
    },
    {
      name: 'raw SET PX, Buffer.from(JSON) (buffer mode)',
      kind: 'info',
      op: (i) =>
        raw.set(setKeys[i & KEY_MASK] as string, Buffer.from(JSON.stringify(SET_VALUE)), 'PX', TTL_MS),
    },
    {
      name: 'raw SET PX, entry codec (header + JSON)',
      kind: 'info',
      op: (i) =>
        raw.set(setKeys[i & KEY_MASK] as string, codec.encode(SET_VALUE, Date.now() + TTL_MS), 'PX', TTL_MS),
    },
    {
      name: 'proposal: raw SET PX, entry codec, socket corked until nextTick',
      kind: 'info',
      op: (i) => {
        corkUntilNextTick()
        return raw.set(
          setKeys[i & KEY_MASK] as string,
          codec.encode(SET_VALUE, Date.now() + TTL_MS),
          'PX',
          TTL_MS,
        )
      },
    },
    {
      name: 'resilient-cache set, L2 only',
      kind: 'info',
      op: (i) => oursSetL2.set(KEYS[i & KEY_MASK] as string, SET_VALUE),
    },
    {
      name: 'resilient-cache set, L1 + L2',
      kind: 'ours',
      op: (i) => oursSet.set(KEYS[i & KEY_MASK] as string, SET_VALUE),
    },
  ]
  for (const mode of ['sequential', 'in-flight'] as const) {
    ctx.log(`Write path decomposition, ${mode}: measuring`)
    const candidates: Candidate[] = writes.map(({ name, kind, op }) => ({
      name,
      kind,
      batch: mode === 'sequential' ? sequential(op) : inFlight(op, CONCURRENCY),
    }))
    cases.push({
      id: `hotpath-set-${mode}`,
      title: `Write path decomposition on raw ioredis 6 (${mode === 'sequential' ? 'sequential' : `${CONCURRENCY} in flight`})`,
      description: 'What the binary entry (a Buffer argument) and the L1 write add to a SET.',
      rows: rowsFromResults(await measureInterleaved(candidates, ctx.ioSettings)),
    })
  }

  // The per-call timer alone, with CONCURRENCY others pending as under load.
  const pending = Array.from({ length: CONCURRENCY }, () => setTimeout(noop, 60_000))
  let timerSink: NodeJS.Timeout | undefined
  ctx.log('Timer micro-cost: measuring')
  const timerRows = rowsFromResults(
    await measureInterleaved(
      [
        {
          name: 'empty loop (reference)',
          kind: 'baseline',
          batch: (n) => {
            for (let i = 0; i < n; i++) timerSink = pending[i % CONCURRENCY]
          },
        },
        {
          name: `setTimeout + clearTimeout (${CONCURRENCY} others pending)`,
          kind: 'info',
          batch: (n) => {
            for (let i = 0; i < n; i++) {
              timerSink = setTimeout(noop, TIMEOUT_MS)
              clearTimeout(timerSink)
            }
          },
        },
      ],
      ctx.settings,
    ),
  )
  for (const timer of pending) clearTimeout(timer)
  if (timerSink === undefined) throw new Error('timer micro-cost: nothing ran')
  cases.push({
    id: 'timer-micro',
    title: 'Per-call timer alone',
    description: 'The setTimeout/clearTimeout pair withTimeout adds to every L2 call, without I/O.',
    rows: timerRows,
  })
  sweep.stop()
  await withCommandTimeout.quit()
  await autoPipelined.quit()
  if (breaker.failures > 0) throw new Error(`hot path replicas: ${breaker.failures} failed reads`)
  return { cases, targets: [] }
}
