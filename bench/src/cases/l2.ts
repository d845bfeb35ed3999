/**
 * L2 round trips against the bench's redis-server: reads with L1 off (every get is a Redis GET) and
 * write-through sets (L1 + L2), each one call at a time and with 100 calls in flight.
 *
 * The baseline is a plain ioredis 6 client (the library and version resilient-cache runs on here)
 * doing the same work by hand: GET + JSON.parse, SET PX + JSON.stringify. resilient-cache uses the
 * json serializer in the target rows so that the decode and encode are the same; a row with its
 * default serializer (v8) is shown for information.
 */
import type { BenchContext, GroupResult } from '../context.js'
import { type BenchRecord, KEY_COUNT, KEY_MASK, KEYS, makeRecord, SET_VALUE, sameData } from '../data.js'
import {
  type Batch,
  type Candidate,
  type CandidateKind,
  HitCheck,
  inFlight,
  measureInterleaved,
  sequential,
} from '../measure.js'
import { type CaseResult, rowNamed, rowsFromResults, type TargetResult } from '../report.js'
import { TTL_MS } from '../subjects/peers.js'
import {
  createEntryCodec,
  jsonSerializer,
  KEY_SEPARATOR,
  type OurCache,
} from '../subjects/resilient-cache.js'
import { evaluateTarget, throughputRatio } from '../targets.js'

/** Calls in flight in the concurrent variants: a busy server's many requests sharing one client. */
export const CONCURRENCY = 100

const OURS = 'resilient-cache'
const RAW = 'raw ioredis 6'

/** One contender of the L2 cases: an operation on key `i & KEY_MASK`. */
export interface Subject {
  name: string
  kind: CandidateKind
  note?: string
  /** The timed operation; resolves to the value read (reads) or anything (writes). */
  op: (i: number) => Promise<unknown>
}

/** One call at a time, or {@link CONCURRENCY} calls kept in flight. */
export type Mode = 'sequential' | 'in-flight'

export function batchFor(mode: Mode, op: (i: number) => Promise<unknown>): Batch {
  return mode === 'sequential' ? sequential(op) : inFlight(op, CONCURRENCY)
}

/** Wraps subjects into candidates for one mode; reads are checked to be hits. */
export function candidatesFor(subjects: readonly Subject[], mode: Mode, reads: boolean): Candidate[] {
  return subjects.map((subject) => {
    if (!reads)
      return {
        name: subject.name,
        kind: subject.kind,
        ...withNote(subject),
        batch: batchFor(mode, subject.op),
      }
    const hits = new HitCheck(subject.name)
    const op = async (i: number): Promise<void> => hits.seen(await subject.op(i))
    return {
      name: subject.name,
      kind: subject.kind,
      ...withNote(subject),
      batch: batchFor(mode, op),
      verify: () => hits.assert(),
    }
  })
}

function withNote(subject: Subject): { note?: string } {
  return subject.note === undefined ? {} : { note: subject.note }
}

const prefixed = (prefix: string): string[] => KEYS.map((key) => `${prefix}:${key}`)

/** Runs the four L2 cases (get and set, sequential and in flight) and evaluates their targets. */
export async function runL2(ctx: BenchContext, only: { get: boolean; set: boolean }): Promise<GroupResult> {
  const cases: CaseResult[] = []
  const targets: TargetResult[] = []
  const facts: Record<string, number> = {}
  const raw6 = ctx.peers.rawIoredis6()
  const raw5 = ctx.peers.rawIoredis5()

  if (only.get) {
    ctx.log('L2 hit: writing the entries')
    const raw6Keys = prefixed('raw6-get')
    const raw5Keys = prefixed('raw5-get')
    const ours = ctx.ours.createCache<BenchRecord>({
      l2KeyPrefix: 'bench-l2',
      l1Enabled: false,
      l2Ttl: 3600,
      serializer: 'json',
    })
    const oursV8 = ctx.ours.createCache<BenchRecord>({
      l2KeyPrefix: 'bench-l2-v8',
      l1Enabled: false,
      l2Ttl: 3600,
    })
    const bento = ctx.peers.bentocache({ prefix: 'bento-l2', l2: true })
    const manager = ctx.peers.cacheManager({ namespace: 'cm-l2', l2: true })
    const cacheable = ctx.peers.cacheable({ namespace: 'cacheable-l2', primary: 'redis', secondary: false })
    for (let i = 0; i < KEY_COUNT; i++) {
      const key = KEYS[i] as string
      const value = makeRecord(i)
      await raw6.set(raw6Keys[i] as string, JSON.stringify(value), 'PX', TTL_MS)
      await raw5.set(raw5Keys[i] as string, JSON.stringify(value), 'PX', TTL_MS)
      await ours.set(key, value)
      await oursV8.set(key, value)
      await bento.set({ key, value })
      await manager.set(key, value)
      await cacheable.set(key, value)
    }
    const subjects: Subject[] = [
      {
        name: `${RAW} GET + JSON.parse`,
        kind: 'baseline',
        op: async (i) => JSON.parse((await raw6.get(raw6Keys[i & KEY_MASK] as string)) as string),
      },
      {
        name: 'raw ioredis 5 GET + JSON.parse',
        kind: 'info',
        note: 'the client version BentoCache runs on',
        op: async (i) => JSON.parse((await raw5.get(raw5Keys[i & KEY_MASK] as string)) as string),
      },
      {
        name: OURS,
        kind: 'ours',
        note: 'l1Enabled: false, serializer json; timeout, breaker and header on',
        op: (i) => ours.get(KEYS[i & KEY_MASK] as string),
      },
      {
        name: `${OURS} (v8, the default serializer)`,
        kind: 'info',
        op: (i) => oursV8.get(KEYS[i & KEY_MASK] as string),
      },
      {
        name: 'BentoCache 1.6 (Redis L2 only)',
        kind: 'peer',
        op: (i) => bento.get({ key: KEYS[i & KEY_MASK] as string }),
      },
      {
        name: 'cache-manager 7 (@keyv/redis only)',
        kind: 'peer',
        op: (i) => manager.get(KEYS[i & KEY_MASK] as string),
      },
      {
        name: 'cacheable 2 (@keyv/redis as its only store)',
        kind: 'peer',
        note: 'cacheable cannot switch its memory layer off; Redis is made its primary',
        op: (i) => cacheable.get(KEYS[i & KEY_MASK] as string),
      },
    ]
    for (const subject of subjects) {
      const value = await subject.op(0)
      if (!sameData(value, makeRecord(0)))
        throw new Error(`${subject.name}: wrong value before timing: ${JSON.stringify(value)}`)
    }
    for (const mode of ['sequential', 'in-flight'] as const) {
      ctx.log(`L2 hit, ${mode}: measuring`)
      const candidates = candidatesFor(subjects, mode, true)
      const rows = rowsFromResults(await measureInterleaved(candidates, ctx.ioSettings))
      const id = `l2-hit-${mode}`
      cases.push({
        id,
        title: `L2 hit, L1 off (${mode === 'sequential' ? 'sequential' : `${CONCURRENCY} in flight`})`,
        description:
          mode === 'sequential'
            ? 'One GET round trip per call, one call at a time: latency.'
            : `${CONCURRENCY} calls kept in flight on each library's connection(s): time per op is wall time ÷ ops, so ops/s is throughput.`,
        rows,
      })
      targets.push(
        evaluateTarget(
          {
            id: `${id}-vs-raw`,
            label: `L2 hit ${mode === 'sequential' ? 'sequential' : `${CONCURRENCY} in flight`}: ours ÷ raw ioredis GET + decode (throughput)`,
            comparison: '>=',
            target: 0.9,
            format: 'x',
          },
          throughputRatio(rowNamed(rows, OURS), rowNamed(rows, `${RAW} GET + JSON.parse`)),
        ),
      )
      if (mode === 'sequential') facts.l2HitSequentialNs = rowNamed(rows, OURS).summary.median
      await ctx.profiler?.capture(
        id,
        batchFor(mode, (i) => ours.get(KEYS[i & KEY_MASK] as string)),
        rowNamed(rows, OURS),
      )
    }
  }

  if (only.set) {
    ctx.log('Write-through set: preparing')
    const raw6Keys = prefixed('raw6-set')
    const raw5Keys = prefixed('raw5-set')
    const l1 = { l1Enabled: true, l1MaxSize: 10_000, l1Ttl: 3600, l2Ttl: 3600 }
    const ours = ctx.ours.createCache<BenchRecord>({ l2KeyPrefix: 'bench-set', ...l1, serializer: 'json' })
    const oursV8 = ctx.ours.createCache<BenchRecord>({ l2KeyPrefix: 'bench-set-v8', ...l1 })
    const bento = ctx.peers.bentocache({ prefix: 'bento-set', l1: { maxItems: 10_000 }, l2: true })
    const manager = ctx.peers.cacheManager({ namespace: 'cm-set', l1: { lruSize: 10_000 }, l2: true })
    const cacheable = ctx.peers.cacheable({ namespace: 'cacheable-set', primary: 'memory', secondary: true })
    const subjects: Subject[] = [
      {
        name: `${RAW} SET PX + JSON.stringify`,
        kind: 'baseline',
        op: (i) => raw6.set(raw6Keys[i & KEY_MASK] as string, JSON.stringify(SET_VALUE), 'PX', TTL_MS),
      },
      {
        name: 'raw ioredis 5 SET PX + JSON.stringify',
        kind: 'info',
        op: (i) => raw5.set(raw5Keys[i & KEY_MASK] as string, JSON.stringify(SET_VALUE), 'PX', TTL_MS),
      },
      {
        name: OURS,
        kind: 'ours',
        note: 'L1 + L2, serializer json; timeout, breaker and header on',
        op: (i) => ours.set(KEYS[i & KEY_MASK] as string, SET_VALUE),
      },
      {
        name: `${OURS} (v8, the default serializer)`,
        kind: 'info',
        op: (i) => oursV8.set(KEYS[i & KEY_MASK] as string, SET_VALUE),
      },
      {
        name: 'BentoCache 1.6 (memory L1 + Redis L2)',
        kind: 'peer',
        op: (i) => bento.set({ key: KEYS[i & KEY_MASK] as string, value: SET_VALUE }),
      },
      {
        name: 'cache-manager 7 (CacheableMemory + @keyv/redis)',
        kind: 'peer',
        op: (i) => manager.set(KEYS[i & KEY_MASK] as string, SET_VALUE),
      },
      {
        name: 'cacheable 2 (memory + @keyv/redis)',
        kind: 'peer',
        op: (i) => cacheable.set(KEYS[i & KEY_MASK] as string, SET_VALUE),
      },
    ]
    for (const mode of ['sequential', 'in-flight'] as const) {
      ctx.log(`Write-through set, ${mode}: measuring`)
      const rows = rowsFromResults(
        await measureInterleaved(candidatesFor(subjects, mode, false), ctx.ioSettings),
      )
      const id = `set-${mode}`
      cases.push({
        id,
        title: `Write-through set, L1 + L2 (${mode === 'sequential' ? 'sequential' : `${CONCURRENCY} in flight`})`,
        description: 'Encode, write L1, SET with a TTL in Redis, and wait for Redis to acknowledge it.',
        rows,
      })
      targets.push(
        evaluateTarget(
          {
            id: `${id}-vs-raw`,
            label: `set ${mode === 'sequential' ? 'sequential' : `${CONCURRENCY} in flight`}: ours ÷ raw ioredis SET + encode (throughput)`,
            comparison: '>=',
            target: 0.85,
            format: 'x',
          },
          throughputRatio(rowNamed(rows, OURS), rowNamed(rows, `${RAW} SET PX + JSON.stringify`)),
        ),
      )
      await ctx.profiler?.capture(
        id,
        batchFor(mode, (i) => ours.set(KEYS[i & KEY_MASK] as string, SET_VALUE)),
        rowNamed(rows, OURS),
      )
    }
    await assertSetsReachedRedis(raw6, ours, OURS)
  }
  return { cases, targets, facts }
}

/**
 * The timed sets of a json cache must have reached Redis, not only L1: reads one entry back past the
 * cache (with a plain client), and checks the cache counted no L2 error or timeout.
 */
export async function assertSetsReachedRedis(
  raw: { getBuffer(key: string): Promise<Buffer | null> },
  cache: OurCache<BenchRecord>,
  name: string,
): Promise<void> {
  const stored = await raw.getBuffer(`${cache.name}${KEY_SEPARATOR}${KEYS[1] as string}`)
  const codec = createEntryCodec(jsonSerializer, { maxValueBytes: 1 << 20 })
  if (stored === null || !sameData(codec.decode(stored).value, SET_VALUE)) {
    throw new Error(`${name}: the timed sets did not reach Redis`)
  }
  const { errors, timeouts } = cache.getStats().l2
  if (errors + timeouts > 0)
    throw new Error(`${name}: ${errors} L2 errors, ${timeouts} timeouts while timing sets`)
}
