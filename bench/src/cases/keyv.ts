/**
 * cache-manager 7 over resilient-cache's Keyv store (`resilient-cache/keyv`) beside cache-manager 7
 * over `@keyv/redis`, the store its README pairs with Redis: what a cache-manager (or NestJS) app
 * gets by swapping one store for the other, on the L1-hit and the L2-hit paths, in the same run.
 *
 * - L1 hit: ours (one store: L1 + L2 inside) vs the README's two stores, CacheableMemory then
 *   `@keyv/redis`; both answer from process memory.
 * - L2 hit, sequential and 100 in flight: ours with `l1Enabled: false` vs `@keyv/redis` alone; both
 *   make one Redis GET per call.
 *
 * "ours" is the configuration the docs recommend, Keyv's serialization off (the cache encodes Keyv's
 * records once, and an L1 hit decodes nothing); Keyv's default serialization is shown for information.
 */
import { type Cache as CacheManager, createCache } from 'cache-manager'
import Keyv from 'keyv'
import type { BenchContext, GroupResult } from '../context.js'
import { type BenchRecord, KEY_COUNT, KEY_MASK, KEYS, makeRecord, sameData } from '../data.js'
import { type Candidate, HitCheck, measureInterleaved } from '../measure.js'
import { type CaseResult, type Row, rowNamed, rowsFromResults } from '../report.js'
import { summarize } from '../stats.js'
import { TTL_MS } from '../subjects/peers.js'
import { createKeyvStore, type OurCache } from '../subjects/resilient-cache.js'
import { throughputRatio, timeRatio } from '../targets.js'
import { batchFor, CONCURRENCY, type Mode } from './l2.js'

const OURS = 'cache-manager 7 + resilient-cache store'
const OURS_KEYV_JSON = `${OURS} (Keyv's serialization on)`
const L1_CAPACITY = 10_000

/** cache-manager 7 over our store on `cache`; `serialize: false` turns Keyv's serialization off. */
function managerOver(cache: OurCache<unknown>, serialize: boolean): CacheManager {
  const store = createKeyvStore(cache)
  const keyv = serialize
    ? new Keyv({ store })
    : new Keyv({ store, serialize: undefined, deserialize: undefined })
  return createCache({ stores: [keyv], ttl: TTL_MS })
}

/** A read candidate: `read(key)` timed per `mode`, every result checked to be a hit. */
function reader(
  name: string,
  kind: Candidate['kind'],
  mode: Mode,
  read: (key: string) => Promise<unknown>,
  note?: string,
): Candidate {
  const hits = new HitCheck(name)
  return {
    name,
    kind,
    ...(note === undefined ? {} : { note }),
    batch: batchFor(mode, async (i) => hits.seen(await read(KEYS[i & KEY_MASK] as string))),
    verify: () => hits.assert(),
  }
}

/** "1.23x (1.10–1.31)": the median of per-round ratios and their range. */
function ratioText(samples: readonly number[]): string {
  const { median, min, max } = summarize(samples)
  return `${median.toFixed(2)}x (${min.toFixed(2)}–${max.toFixed(2)})`
}

async function fill(managers: readonly CacheManager[]): Promise<void> {
  for (let i = 0; i < KEY_COUNT; i++) {
    for (const manager of managers) await manager.set(KEYS[i] as string, makeRecord(i))
  }
  for (const manager of managers) {
    const value = await manager.get(KEYS[0] as string)
    if (!sameData(value, makeRecord(0)))
      throw new Error(`cache-manager: wrong value before timing: ${JSON.stringify(value)}`)
  }
}

function assertNoL2Trouble(cache: OurCache<unknown>): void {
  const { errors, timeouts } = cache.getStats().l2
  if (errors + timeouts > 0)
    throw new Error(`${OURS}: ${errors} L2 errors, ${timeouts} timeouts while timing`)
}

/** Runs the Keyv store cases: L1 hit, then L2 hit sequential and in flight. */
export async function runKeyv(ctx: BenchContext): Promise<GroupResult> {
  const cases: CaseResult[] = []
  const l1Options = {
    l1Enabled: true,
    l1MaxSize: L1_CAPACITY,
    l1Ttl: 3600,
    l2Ttl: 3600,
    serializer: 'json',
  } as const

  ctx.log('Keyv store, L1 hit: filling the caches')
  const oursL1 = ctx.ours.createCache<unknown>({ l2KeyPrefix: 'bench-keyv-l1', ...l1Options })
  const oursL1KeyvJson = ctx.ours.createCache<unknown>({ l2KeyPrefix: 'bench-keyv-l1-json', ...l1Options })
  const direct = ctx.ours.createCache<BenchRecord>({ l2KeyPrefix: 'bench-keyv-direct', ...l1Options })
  const managerOurs = managerOver(oursL1, false)
  const managerOursKeyvJson = managerOver(oursL1KeyvJson, true)
  const managerPeer = ctx.peers.cacheManager({
    namespace: 'cm-keyv-l1',
    l1: { lruSize: L1_CAPACITY },
    l2: true,
  })
  await fill([managerOurs, managerOursKeyvJson, managerPeer])
  for (let i = 0; i < KEY_COUNT; i++) await direct.set(KEYS[i] as string, makeRecord(i))
  const l1MissesBefore = oursL1.getStats().l1.misses + oursL1KeyvJson.getStats().l1.misses
  const PEER_L1 = 'cache-manager 7 + CacheableMemory + @keyv/redis'
  ctx.log('Keyv store, L1 hit: measuring')
  const l1Rows = rowsFromResults(
    await measureInterleaved(
      [
        reader(
          OURS,
          'ours',
          'sequential',
          (key) => managerOurs.get(key),
          "Keyv's serialization off; L1 + L2, json",
        ),
        reader(OURS_KEYV_JSON, 'info', 'sequential', (key) => managerOursKeyvJson.get(key)),
        reader(
          PEER_L1,
          'peer',
          'sequential',
          (key) => managerPeer.get(key),
          "cache-manager's README: two stores",
        ),
        reader('resilient-cache get (no cache-manager)', 'info', 'sequential', (key) => direct.get(key)),
      ],
      ctx.settings,
    ),
  )
  if (oursL1.getStats().l1.misses + oursL1KeyvJson.getStats().l1.misses !== l1MissesBefore)
    throw new Error(`${OURS}: L1 misses while timing L1 hits`)
  cases.push(
    withRatio(
      {
        id: 'keyv-l1-hit',
        title: 'cache-manager 7: our Keyv store vs @keyv/redis, L1 hit (sequential)',
        description:
          'Time per `cache.get()` of a key held in process memory, through cache-manager and Keyv.',
        rows: l1Rows,
      },
      `${PEER_L1} time ÷ ours`,
      timeRatio(rowNamed(l1Rows, PEER_L1), rowNamed(l1Rows, OURS)),
    ),
  )

  ctx.log('Keyv store, L2 hit: writing the entries')
  const l2Options = { l1Enabled: false, l2Ttl: 3600, serializer: 'json' } as const
  const oursL2 = ctx.ours.createCache<unknown>({ l2KeyPrefix: 'bench-keyv-l2', ...l2Options })
  const oursL2KeyvJson = ctx.ours.createCache<unknown>({ l2KeyPrefix: 'bench-keyv-l2-json', ...l2Options })
  const managerOursL2 = managerOver(oursL2, false)
  const managerOursL2KeyvJson = managerOver(oursL2KeyvJson, true)
  const managerPeerL2 = ctx.peers.cacheManager({ namespace: 'cm-keyv-l2', l2: true })
  const directL2 = ctx.ours.createCache<BenchRecord>({ l2KeyPrefix: 'bench-keyv-direct-l2', ...l2Options })
  await fill([managerOursL2, managerOursL2KeyvJson, managerPeerL2])
  for (let i = 0; i < KEY_COUNT; i++) await directL2.set(KEYS[i] as string, makeRecord(i))
  const PEER_L2 = 'cache-manager 7 + @keyv/redis'
  for (const mode of ['sequential', 'in-flight'] as const) {
    ctx.log(`Keyv store, L2 hit, ${mode}: measuring`)
    const rows = rowsFromResults(
      await measureInterleaved(
        [
          reader(
            OURS,
            'ours',
            mode,
            (key) => managerOursL2.get(key),
            "l1Enabled: false, Keyv's serialization off, json",
          ),
          reader(OURS_KEYV_JSON, 'info', mode, (key) => managerOursL2KeyvJson.get(key)),
          reader(PEER_L2, 'peer', mode, (key) => managerPeerL2.get(key)),
          reader('resilient-cache get, L1 off (no cache-manager)', 'info', mode, (key) => directL2.get(key)),
        ],
        ctx.ioSettings,
      ),
    )
    assertNoL2Trouble(oursL2)
    assertNoL2Trouble(oursL2KeyvJson)
    const inFlight = mode === 'in-flight'
    cases.push(
      withRatio(
        {
          id: `keyv-l2-hit-${mode}`,
          title: `cache-manager 7: our Keyv store vs @keyv/redis, L2 hit, L1 off (${inFlight ? `${CONCURRENCY} in flight` : 'sequential'})`,
          description: 'One Redis GET per `cache.get()`, through cache-manager and Keyv.',
          rows,
        },
        `ours ÷ ${PEER_L2} throughput`,
        throughputRatio(rowNamed(rows, OURS), rowNamed(rows, PEER_L2)),
      ),
    )
  }
  return { cases, targets: [] }
}

/** Adds the per-round ratio of the case's two main rows to its description. */
function withRatio(
  result: CaseResult & { rows: Row[] },
  label: string,
  samples: readonly number[],
): CaseResult {
  return { ...result, description: `${result.description} ${label}: ${ratioText(samples)}.` }
}
