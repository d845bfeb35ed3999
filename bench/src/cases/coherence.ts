/**
 * Coherence across instances (the coherence targets' benchmark): how long other instances keep serving a deleted
 * value from their L1, and what the invalidation bus costs a write-through `set`.
 *
 * Every instance is a `CacheService` of its own on the bench's redis-server, with its own
 * connections (a command connection, and a subscriber connection for `bus` and `tracking`), as
 * separate processes would have; they share this process, so the readers' sockets are read by the
 * same event loop that runs the writer.
 */
import type { BenchContext, GroupResult } from '../context.js'
import { type BenchRecord, KEY_MASK, KEYS, SET_VALUE, sameData } from '../data.js'
import { collectGarbage, measureInterleaved, yieldToEventLoop } from '../measure.js'
import { formatDuration } from '../render-table.js'
import { type CaseResult, type Row, rowNamed, rowsFromResults, type TargetResult } from '../report.js'
import {
  InvalidationWatch,
  perRoundQuantile,
  type StaleWindowSample,
  staleWindowSample,
} from '../stale-window.js'
import { median, summarize } from '../stats.js'
import { type CacheService, createOurService, type OurCache } from '../subjects/resilient-cache.js'
import { evaluateTarget, throughputRatio } from '../targets.js'
import { assertSetsReachedRedis, CONCURRENCY, candidatesFor, type Subject } from './l2.js'

type InvalidationMode = 'bus' | 'tracking' | 'none'

/** Modes whose stale window is measured: `none` has nothing that ends it but `l1Ttl`. */
const MEASURED_MODES = ['bus', 'tracking'] as const
const READERS = 2
/** The readers' L1 lifetime: the library's default, and all that bounds the window with `none`. */
const L1_TTL_S = 60
/** Samples per round and mode (rounds as in the other cases: 7, or 3 with --quick). */
const SAMPLES_PER_ROUND = 100
/** How long a sample waits for an invalidation before it counts the reader as one that never got it. */
const WAIT_LIMIT_MS = 1000
/** Target: on loopback, every reader stops returning a deleted value within 5 ms (p99). */
const STALE_WINDOW_P99_NS = 5e6
/** Target: `set` with the bus keeps at least 0.8 of its throughput without invalidation. */
const BUS_SET_RATIO = 0.8
/** How long the `none` check waits after the delete before reading the stale copies back. */
const NONE_CHECK_WAIT_MS = 50
const NONE_CHECK_KEYS = 10
/** The bus's channel (`INVALIDATION_CHANNEL` of src/invalidation, not exported by the package). */
const BUS_CHANNEL = 'resilient-cache:invalidation:v1'

/** One instance of the application: a service of its own and its cache. */
interface Instance {
  service: CacheService
  cache: OurCache<BenchRecord>
}

/** A reader instance, with the moments its L1 drops keys. */
interface Reader extends Instance {
  watch: InvalidationWatch
}

/** One writer and its readers, all on one cache prefix, in one invalidation mode. */
interface Fleet {
  mode: InvalidationMode
  writer: Instance
  readers: Reader[]
}

function createInstance(ctx: BenchContext, mode: InvalidationMode, prefix: string, l1Ttl: number): Instance {
  const service = createOurService(ctx.redis.url, { invalidation: mode })
  const cache = service.createCache<BenchRecord>({
    l2KeyPrefix: prefix,
    l1Enabled: true,
    l1MaxSize: 10_000,
    l1Ttl,
    l2Ttl: 3600,
    serializer: 'json',
  })
  return { service, cache }
}

/**
 * Times the moment a reader's L1 drops keys. `applyInvalidation` (public, @internal) is where both
 * the bus (a message from another instance) and tracking (Redis's report) end: it deletes the keys
 * from L1 synchronously, so the `performance.now()` taken right after it returns is the first moment
 * at which this reader's `get` no longer returns the old value, to the microsecond and without
 * polling. Polling `get` would add its own period and round trips to the window, and the
 * `invalidation` stats change at the same place but can only be read by polling.
 */
function watchInvalidations(cache: OurCache<BenchRecord>): InvalidationWatch {
  const watch = new InvalidationWatch()
  const apply = cache.applyInvalidation.bind(cache)
  cache.applyInvalidation = (keys) => {
    apply(keys)
    watch.invalidated(keys, performance.now())
  }
  return watch
}

function createFleet(ctx: BenchContext, mode: InvalidationMode): Fleet {
  const prefix = `bench-coherence-${mode}`
  const writer = createInstance(ctx, mode, prefix, L1_TTL_S)
  const readers = Array.from({ length: READERS }, () => {
    const reader = createInstance(ctx, mode, prefix, L1_TTL_S)
    return { ...reader, watch: watchInvalidations(reader.cache) }
  })
  return { mode, writer, readers }
}

async function closeFleet(fleet: Fleet): Promise<void> {
  await Promise.all([fleet.writer, ...fleet.readers].map((instance) => instance.service.close()))
}

/** Every reader's next invalidation of `key`, to be awaited after the action that causes it. */
function invalidationsOf(fleet: Fleet, key: string): Promise<(number | undefined)[]> {
  return Promise.all(fleet.readers.map((reader) => reader.watch.next(key, WAIT_LIMIT_MS)))
}

/**
 * Waits until every reader hears the writer: the subscriptions (and tracking) are set up in the
 * background when the services start. Bounded: a few probe keys, each waited for at most 1 s.
 */
async function awaitSubscriptions(fleet: Fleet): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const key = `probe:${attempt}`
    const heard = invalidationsOf(fleet, key)
    await fleet.writer.cache.set(key, SET_VALUE)
    const arrived = await heard
    await fleet.writer.cache.delete(key)
    // The delete's invalidation too, so that it cannot land in the first sample.
    await invalidationsOf(fleet, key)
    if (arrived.every((at) => at !== undefined)) return
  }
  throw new Error(`coherence (${fleet.mode}): the readers never received the writer's invalidations`)
}

/** Reads `key` on a reader twice and checks the second read was an L1 hit of the right value. */
async function holdInL1(reader: Reader, key: string, mode: InvalidationMode): Promise<void> {
  await reader.cache.get(key)
  const hitsBefore = reader.cache.getStats().l1.hits
  const value = await reader.cache.get(key)
  if (!sameData(value, SET_VALUE) || reader.cache.getStats().l1.hits !== hitsBefore + 1) {
    throw new Error(`coherence (${mode}): a reader does not hold '${key}' in L1 before the delete`)
  }
}

/** Counts what went wrong in a fleet's samples, for the table's notes. */
interface Anomalies {
  /** Samples in which a reader never heard of the writer's set (skipped). */
  lostSetInvalidations: number
  /** Readers that never dropped a deleted key within the limit. */
  lostDeleteInvalidations: number
  /** Samples in which every reader had dropped its copy before `delete()` resolved. */
  early: number
  /** Per sample, when the last reader dropped its copy relative to `delete()` resolving (ns). */
  offsetsNs: number[]
}

/**
 * One sample: the writer sets `key`; once every reader has applied the invalidation of that set (so
 * that no message of this step can land later), each reader reads it twice so that its L1 surely
 * holds it; then the writer deletes it and the sample is the time from `delete()` resolving to the
 * last reader dropping its copy. `undefined` when a reader never heard of the set.
 */
async function staleWindowOnce(
  fleet: Fleet,
  key: string,
  anomalies: Anomalies,
): Promise<StaleWindowSample | undefined> {
  const { writer, readers, mode } = fleet
  const setHeard = invalidationsOf(fleet, key)
  await writer.cache.set(key, SET_VALUE)
  if ((await setHeard).some((at) => at === undefined)) {
    anomalies.lostSetInvalidations++
    await writer.cache.delete(key)
    return undefined
  }
  for (const reader of readers) await holdInL1(reader, key, mode)
  // As before every timed slice elsewhere: pending I/O handled and young garbage collected off the clock.
  await yieldToEventLoop()
  collectGarbage('minor')
  const dropped = invalidationsOf(fleet, key)
  await writer.cache.delete(key)
  const resolvedAt = performance.now()
  const sample = staleWindowSample(resolvedAt, await dropped, WAIT_LIMIT_MS * 1e6)
  anomalies.lostDeleteInvalidations += sample.lost
  if (sample.early) anomalies.early++
  if (sample.lost === 0) {
    anomalies.offsetsNs.push(sample.offsetNs)
    // Off the clock: a reader that dropped its copy must now miss (L2 no longer has it either).
    for (const reader of readers) {
      const value = await reader.cache.get(key)
      if (value !== undefined)
        throw new Error(`coherence (${mode}): a reader still returns '${key}' after its invalidation`)
    }
  }
  return sample
}

/**
 * With `invalidation: 'none'` nothing ends the window but `l1Ttl`: checks that the readers really
 * do still serve deleted values a while after the delete (the control that shows the window is
 * real), without waiting out `l1Ttl`. Returns the number of reads that returned the deleted value.
 */
async function checkNone(fleet: Fleet): Promise<{ stale: number; reads: number }> {
  const keys = Array.from({ length: NONE_CHECK_KEYS }, (_, i) => `none:${i}`)
  for (const key of keys) {
    await fleet.writer.cache.set(key, SET_VALUE)
    for (const reader of fleet.readers) await holdInL1(reader, key, 'none')
    await fleet.writer.cache.delete(key)
  }
  await new Promise((resolve) => setTimeout(resolve, NONE_CHECK_WAIT_MS))
  let stale = 0
  for (const key of keys) {
    for (const reader of fleet.readers) if (sameData(await reader.cache.get(key), SET_VALUE)) stale++
  }
  return { stale, reads: keys.length * fleet.readers.length }
}

/** The stale-window case: bus and tracking sampled in turn, round by round; `none` checked. */
async function runStaleWindow(ctx: BenchContext): Promise<GroupResult> {
  const rounds = ctx.settings.rounds
  const fleets = MEASURED_MODES.map((mode) => createFleet(ctx, mode))
  const none = createFleet(ctx, 'none')
  const samples = MEASURED_MODES.map(() => Array.from({ length: rounds }, (): number[] => []))
  const anomalies = MEASURED_MODES.map(
    (): Anomalies => ({ lostSetInvalidations: 0, lostDeleteInvalidations: 0, early: 0, offsetsNs: [] }),
  )
  let noneCheck: { stale: number; reads: number }
  try {
    ctx.log('Stale window: waiting for the readers to subscribe')
    for (const fleet of fleets) await awaitSubscriptions(fleet)
    ctx.log(`Stale window: ${rounds} rounds of ${SAMPLES_PER_ROUND} samples per mode`)
    for (let round = 0; round < rounds; round++) {
      collectGarbage('major')
      for (let i = 0; i < SAMPLES_PER_ROUND; i++) {
        // The modes take turns sample by sample; the first one rotates every round.
        for (let turn = 0; turn < fleets.length; turn++) {
          const index = (round + turn) % fleets.length
          const sample = await staleWindowOnce(
            fleets[index] as Fleet,
            `stale:${round}:${i}`,
            anomalies[index] as Anomalies,
          )
          if (sample !== undefined) samples[index]?.[round]?.push(sample.windowNs)
        }
      }
    }
    for (const fleet of fleets) {
      const leftover = fleet.readers.reduce((sum, reader) => sum + reader.watch.pending, 0)
      if (leftover > 0) throw new Error(`coherence (${fleet.mode}): ${leftover} waits left after the samples`)
    }
    noneCheck = await checkNone(none)
  } finally {
    await Promise.all([...fleets, none].map(closeFleet))
  }

  const rows: Row[] = MEASURED_MODES.map((mode, index) => {
    const perRound = samples[index] as number[][]
    const all = perRound.flat()
    if (perRound.some((round) => round.length === 0))
      throw new Error(`coherence (${mode}): a round without a sample: every set went unheard`)
    const p99s = perRoundQuantile(perRound, 0.99)
    const found = anomalies[index] as Anomalies
    const offsetNs = found.offsetsNs.length > 0 ? median(found.offsetsNs) : Number.NaN
    const offset = Number.isNaN(offsetNs)
      ? 'n/a'
      : `${formatDuration(Math.abs(offsetNs))} ${offsetNs < 0 ? 'before' : 'after'}`
    const lost =
      found.lostSetInvalidations + found.lostDeleteInvalidations === 0
        ? 'no invalidation lost'
        : `LOST: ${found.lostDeleteInvalidations} reader(s) never dropped a deleted key within ${WAIT_LIMIT_MS} ms (counted as ${WAIT_LIMIT_MS} ms), ${found.lostSetInvalidations} sample(s) skipped because a reader never heard of the set`
    return {
      name: `invalidation: '${mode}'`,
      kind: 'ours',
      note:
        `the last reader dropped its copy a median of ${offset} delete() resolved; ` +
        `in ${found.early} of ${all.length} samples every reader had dropped it before (counted as 0); ${lost}`,
      unit: 'ns/sample',
      samples: all,
      summary: summarize(all),
      extra: `${formatDuration(Math.min(...p99s))} – ${formatDuration(Math.max(...p99s))}`,
    }
  })
  const cases: CaseResult[] = [
    {
      id: 'coherence-stale-window',
      title: `Stale window after a delete (1 writer, ${READERS} readers)`,
      description:
        `Each instance is its own CacheService with its own connections on the bench's redis-server; same prefix, L1 on (l1Ttl ${L1_TTL_S} s), json. ` +
        'Per sample (a new key each): the writer sets the key, every reader applies that invalidation and then reads the key twice (the second read an L1 hit), the writer deletes it; ' +
        "the window runs from the writer's delete() resolving to the last reader's L1 dropping its copy (timed in the readers' applyInvalidation, no polling). " +
        `bus and tracking samples alternate, ${SAMPLES_PER_ROUND} per mode and round; the range column is the p99 of each round. ` +
        `invalidation 'none' is not measured: nothing invalidates, so readers serve a deleted value until their L1 entry expires, up to l1Ttl = ${L1_TTL_S} s ` +
        `(checked: ${noneCheck.stale} of ${noneCheck.reads} reads ${NONE_CHECK_WAIT_MS} ms after the delete still returned the deleted value).`,
      rows,
      extraHeading: 'p99 per round (min – max)',
    },
  ]
  const targets = MEASURED_MODES.map((mode, index) =>
    evaluateTarget(
      {
        id: `stale-window-${mode}`,
        topic: 'coherence',
        label: `stale window after delete, ${mode}: p99 (per round)`,
        comparison: '<',
        target: STALE_WINDOW_P99_NS,
        format: 'ns',
      },
      perRoundQuantile(samples[index] as number[][], 0.99),
    ),
  )
  return { cases, targets }
}

/** The parts of a plain client that {@link awaitServerSide} uses. */
interface RawClient {
  client(subcommand: 'LIST'): Promise<unknown>
  pubsub(subcommand: 'NUMSUB', channel: string): Promise<unknown>
  getBuffer(key: string): Promise<Buffer | null>
}

/** How many connections listen on the bus channel. */
async function busSubscribers(raw: RawClient): Promise<number> {
  const [, count] = (await raw.pubsub('NUMSUB', BUS_CHANNEL)) as [unknown, unknown]
  return Number(count)
}

/**
 * The services set up their subscriber connection and tracking in the background: waits (bounded,
 * 20 ms steps for at most 2 s) until Redis shows a broadcast-tracking client (flag `B`) and a
 * subscriber on the bus channel, so that every timed set runs with its mode fully in place.
 */
async function awaitServerSide(raw: RawClient): Promise<void> {
  for (let step = 0; step < 100; step++) {
    const tracking = /flags=\S*B/.test(String(await raw.client('LIST')))
    if (tracking && (await busSubscribers(raw)) > 0) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error('coherence: the bus subscription or tracking never showed up on the server')
}

/**
 * What the bus costs a write-through `set`: the set case's operation (json, L1 + L2, the same value)
 * on three services that differ only in `invalidation`, measured interleaved in the same rounds.
 * Each service is alone on its channel here: the bus service's own subscriber hears (and skips) its
 * own messages, as it would in production; no other instance's receiving runs in this process.
 */
async function runSetCost(ctx: BenchContext, raw: RawClient): Promise<GroupResult> {
  const modes: InvalidationMode[] = ['none', 'bus', 'tracking']
  const instances = modes.map((mode) => createInstance(ctx, mode, `bench-coherence-set-${mode}`, 3600))
  const name = (mode: InvalidationMode): string => `set, invalidation: '${mode}'`
  const cases: CaseResult[] = []
  const targets: TargetResult[] = []
  try {
    const [noneCache, busCache, trackingCache] = instances.map((instance) => instance.cache) as [
      OurCache<BenchRecord>,
      OurCache<BenchRecord>,
      OurCache<BenchRecord>,
    ]
    await awaitServerSide(raw)
    const subjects: Subject[] = [
      {
        name: name('none'),
        kind: 'baseline',
        note: 'no invalidation: other instances stay stale for up to l1Ttl',
        op: (i) => noneCache.set(KEYS[i & KEY_MASK] as string, SET_VALUE),
      },
      {
        name: name('bus'),
        kind: 'ours',
        note: 'the default: a PUBLISH at the end of the first tick, then one per millisecond for the SETs since',
        op: (i) => busCache.set(KEYS[i & KEY_MASK] as string, SET_VALUE),
      },
      {
        name: name('tracking'),
        kind: 'info',
        note: 'CLIENT TRACKING BCAST NOLOOP: the writer publishes nothing, Redis reports to the others',
        op: (i) => trackingCache.set(KEYS[i & KEY_MASK] as string, SET_VALUE),
      },
    ]
    for (const mode of ['sequential', 'in-flight'] as const) {
      const label = mode === 'sequential' ? 'sequential' : `${CONCURRENCY} in flight`
      ctx.log(`Bus cost on set, ${mode}: measuring`)
      const rows = rowsFromResults(
        await measureInterleaved(candidatesFor(subjects, mode, false), ctx.ioSettings),
      )
      const id = `coherence-set-${mode}`
      cases.push({
        id,
        title: `Write-through set by invalidation mode (${label})`,
        description:
          "The set case's write (json, L1 + L2, the same record) on three services that differ only in invalidation, each with its own connection(s). " +
          'No other instance listens in this process; the bus service hears (and skips) its own messages, as it does in production.',
        rows,
      })
      targets.push(
        evaluateTarget(
          {
            id: `${id}-bus-vs-none`,
            topic: 'coherence',
            label: `set ${label}: bus ÷ invalidation 'none' (throughput)`,
            comparison: '>=',
            target: BUS_SET_RATIO,
            format: 'x',
          },
          throughputRatio(rowNamed(rows, name('bus')), rowNamed(rows, name('none'))),
        ),
      )
    }
    for (const [index, mode] of modes.entries()) {
      const cache = instances[index]?.cache as OurCache<BenchRecord>
      await assertSetsReachedRedis(raw, cache, name(mode))
      const { messagesSent } = cache.getStats().invalidation
      if ((mode === 'bus') !== messagesSent > 0)
        throw new Error(`${name(mode)}: ${messagesSent} bus messages sent while timing sets`)
    }
  } finally {
    await Promise.all(instances.map((instance) => instance.service.close()))
  }
  return { cases, targets }
}

/**
 * The coherence group: the stale window, then the bus's cost on `set`. Its instances must be the
 * only ones on the bus channel: any other subscriber in this process (the shared service subscribes
 * once a group has made an L1 + L2 cache on it) would receive and skip every message on the measured
 * instances' time. main.ts runs this group first; this checks it.
 */
export async function runCoherence(ctx: BenchContext): Promise<GroupResult> {
  const raw = ctx.peers.rawIoredis6()
  const listening = await busSubscribers(raw)
  if (listening > 0)
    throw new Error(
      `coherence: ${listening} connection(s) already listen on the bus channel; run this group before any other creates an L1 + L2 cache`,
    )
  const window = await runStaleWindow(ctx)
  const cost = await runSetCost(ctx, raw)
  return { cases: [...window.cases, ...cost.cases], targets: [...window.targets, ...cost.targets] }
}
