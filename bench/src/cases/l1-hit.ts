/**
 * L1 hit: reading a key that is in process memory. resilient-cache is read through its public,
 * promise-returning `await cache.get()` with L2 on (the hit never reaches L2, but the cache is
 * configured as in production), beside the synchronous data structures under it and the async
 * floor: an `async` function returning `Map.get`, the least any promise-returning get can cost.
 *
 * Every candidate has its own loop, written out below rather than built by a shared helper: a
 * shared loop calling candidates through one call site would turn megamorphic and add a few
 * nanoseconds to the nanosecond-scale rows.
 */
import { LRUCache } from 'lru-cache'
import type { BenchContext, GroupResult } from '../context.js'
import { type BenchRecord, KEY_COUNT, KEY_MASK, KEYS, makeRecord, sameData } from '../data.js'
import { type Candidate, HitCheck, measureInterleaved } from '../measure.js'
import { rowNamed, rowsFromResults } from '../report.js'
import { evaluateTarget, timeRatio } from '../targets.js'

const L1_CAPACITY = 10_000
const OURS = 'resilient-cache'
const FLOOR = 'async floor: await (async () => Map.get)()'
const BENTO = 'BentoCache 1.6 (memory L1 + Redis L2)'

async function expectHit(name: string, read: () => Promise<unknown> | unknown): Promise<void> {
  const value = await read()
  if (!sameData(value, makeRecord(0)))
    throw new Error(`${name}: wrong value before timing: ${JSON.stringify(value)}`)
}

/** Runs the L1-hit case and evaluates its two targets. */
export async function runL1Hit(ctx: BenchContext): Promise<GroupResult> {
  ctx.log('L1 hit: filling the caches')
  const records = KEYS.map((_, i) => makeRecord(i))
  const map = new Map<string, BenchRecord>()
  const lru = new LRUCache<string, BenchRecord>({ max: L1_CAPACITY })
  const ours = ctx.ours.createCache<BenchRecord>({
    l2KeyPrefix: 'bench-l1',
    l1Enabled: true,
    l1MaxSize: L1_CAPACITY,
    l1Ttl: 3600,
    l2Ttl: 3600,
    serializer: 'json',
  })
  const bento = ctx.peers.bentocache({ prefix: 'bento-l1', l1: { maxItems: L1_CAPACITY }, l2: true })
  const cacheable = ctx.peers.cacheable({ namespace: 'cacheable-l1', primary: 'memory', secondary: true })
  const cacheableNoClones = ctx.peers.cacheable({
    namespace: 'cacheable-l1-noclone',
    primary: 'memory',
    secondary: true,
    useClone: false,
  })
  const manager = ctx.peers.cacheManager({ namespace: 'cm-l1', l1: { lruSize: L1_CAPACITY }, l2: true })
  for (let i = 0; i < KEY_COUNT; i++) {
    const key = KEYS[i] as string
    const value = records[i] as BenchRecord
    map.set(key, value)
    lru.set(key, value)
    await ours.set(key, value)
    await bento.set({ key, value })
    await cacheable.set(key, value)
    await cacheableNoClones.set(key, value)
    await manager.set(key, value)
  }
  const key0 = KEYS[0] as string
  await expectHit(OURS, () => ours.get(key0))
  await expectHit('BentoCache', () => bento.get({ key: key0 }))
  await expectHit('cacheable', () => cacheable.get(key0))
  await expectHit('cache-manager', () => manager.get(key0))

  const mapGet = async (key: string): Promise<BenchRecord | undefined> => map.get(key)
  const cMap = new HitCheck('Map.get')
  const cLru = new HitCheck('lru-cache')
  const cFloor = new HitCheck(FLOOR)
  const cOurs = new HitCheck(OURS)
  const cBento = new HitCheck(BENTO)
  const cCacheable = new HitCheck('cacheable')
  const cCacheableNoClones = new HitCheck('cacheable (useClone: false)')
  const cManager = new HitCheck('cache-manager')
  const verify = (hitCheck: HitCheck) => () => hitCheck.assert()
  const l1MissesBefore = ours.getStats().l1.misses

  const candidates: Candidate[] = [
    {
      name: 'Map.get (sync)',
      kind: 'baseline',
      batch: (ops) => {
        for (let i = 0; i < ops; i++) cMap.seen(map.get(KEYS[i & KEY_MASK] as string))
      },
      verify: verify(cMap),
    },
    {
      name: 'lru-cache 11 get (sync)',
      kind: 'baseline',
      batch: (ops) => {
        for (let i = 0; i < ops; i++) cLru.seen(lru.get(KEYS[i & KEY_MASK] as string))
      },
      verify: verify(cLru),
    },
    {
      name: FLOOR,
      kind: 'baseline',
      batch: async (ops) => {
        for (let i = 0; i < ops; i++) cFloor.seen(await mapGet(KEYS[i & KEY_MASK] as string))
      },
      verify: verify(cFloor),
    },
    {
      name: OURS,
      kind: 'ours',
      note: 'L1 (ttl backend, lru-cache) + L2 configured; breaker, timeout and header on; serializer json',
      batch: async (ops) => {
        for (let i = 0; i < ops; i++) cOurs.seen(await ours.get(KEYS[i & KEY_MASK] as string))
      },
      verify: verify(cOurs),
    },
    {
      name: BENTO,
      kind: 'peer',
      note: 'memoryDriver defaults (entries serialized in L1)',
      batch: async (ops) => {
        for (let i = 0; i < ops; i++) cBento.seen(await bento.get({ key: KEYS[i & KEY_MASK] as string }))
      },
      verify: verify(cBento),
    },
    {
      name: 'cacheable 2 (memory + @keyv/redis)',
      kind: 'peer',
      note: 'default primary (CacheableMemory, useClone: true)',
      batch: async (ops) => {
        for (let i = 0; i < ops; i++) cCacheable.seen(await cacheable.get(KEYS[i & KEY_MASK] as string))
      },
      verify: verify(cCacheable),
    },
    {
      name: 'cacheable 2 (useClone: false)',
      kind: 'info',
      note: "cacheable's documented tuning: L1 values by reference, as resilient-cache keeps them",
      batch: async (ops) => {
        for (let i = 0; i < ops; i++)
          cCacheableNoClones.seen(await cacheableNoClones.get(KEYS[i & KEY_MASK] as string))
      },
      verify: verify(cCacheableNoClones),
    },
    {
      name: 'cache-manager 7 (CacheableMemory + @keyv/redis)',
      kind: 'peer',
      batch: async (ops) => {
        for (let i = 0; i < ops; i++) cManager.seen(await manager.get(KEYS[i & KEY_MASK] as string))
      },
      verify: verify(cManager),
    },
  ]
  ctx.log('L1 hit: measuring')
  const rows = rowsFromResults(await measureInterleaved(candidates, ctx.settings))
  // Every timed read must have been an L1 hit; a miss would have gone to L2 and flattered nobody.
  if (ours.getStats().l1.misses !== l1MissesBefore)
    throw new Error('resilient-cache: L1 misses while timing L1 hits')

  const oursRow = rowNamed(rows, OURS)
  return {
    cases: [
      {
        id: 'l1-hit',
        title: 'L1 hit (sequential, one key of 1024 per call)',
        description:
          'Time per read of a key held in process memory. Sync rows are plain data structures; every other row awaits a promise.',
        rows,
      },
    ],
    targets: [
      evaluateTarget(
        {
          id: 'l1-vs-floor',
          label: 'L1 hit: ours ÷ async floor (time)',
          comparison: '<=',
          target: 2,
          format: 'x',
        },
        timeRatio(oursRow, rowNamed(rows, FLOOR)),
      ),
      evaluateTarget(
        {
          id: 'l1-vs-bento',
          label: 'L1 hit: BentoCache ÷ ours (time)',
          comparison: '>=',
          target: 15,
          format: 'x',
        },
        timeRatio(rowNamed(rows, BENTO), oursRow),
      ),
    ],
  }
}
