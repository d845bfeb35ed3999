/**
 * A `deleteByTag` made while Redis is down (hung: SIGSTOP, so L2 keeps the tagged entries), with three
 * services on one server: A calls it during the outage, B and C read all the time with L1 on. The
 * oracle is the fault suite's ledger: `deleteByTag` is recorded as a newer "write" of every key it
 * covers, so any tagged value written before it is stale once it resolved.
 *
 * Deliberately free of Vitest imports: the chaos report runs it through tsx.
 */
import { setTimeout as delay } from 'node:timers/promises'
import { CacheService, type ResilientTwoLevelCache } from '../../src/index.js'
import { silentLogger } from '../../src/kernel/logger.js'
import { RedisServer } from '../helpers/redis-server.js'
import { LoadRecorder, pollUntil, startLoad, type VersionedValue, WriteLedger } from './load.js'
import type { ScenarioOptions, ScenarioReport } from './scenarios.js'

type Cache = ResilientTwoLevelCache<VersionedValue>

const TAGGED = 100
const OTHERS = 50

/**
 * Facts: `journaled` (A's journal held the deleteByTag during the outage), `recovered`,
 * `staleDuringOutage` (B's and C's L1 answers while nobody could tell them), `taggedServedAfter`
 * (covered keys any instance served in the final sweep: must be 0), `othersServedAfter` (keys with
 * another tag that a fresh instance still reads from L2: all of them). `staleReads` counts B's and C's reads started after
 * they dropped what they may have missed, and A's after its deleteByTag resolved.
 */
export async function deleteByTagDuringOutage(options: ScenarioOptions = {}): Promise<ScenarioReport> {
  const server = new RedisServer()
  await server.start()
  const config = {
    l2Url: server.url,
    l2CommandTimeout: `${options.commandTimeoutMs ?? 250}ms`,
    circuitBreakerThreshold: 3,
    circuitBreakerTimeout: 60,
    logger: options.logger ?? silentLogger,
  }
  const services = [0, 1, 2].map(() => new CacheService(config))
  try {
    const [a, b, c] = services.map((service) =>
      service.createCache<VersionedValue>({ l2KeyPrefix: 'shop', l1Enabled: true, l1Ttl: 600 }),
    ) as [Cache, Cache, Cache]
    const readers = [b, c]
    const ledger = new WriteLedger()
    const recorder = new LoadRecorder()
    const tagged = Array.from({ length: TAGGED }, (_, index) => `p${index}`)
    const others = Array.from({ length: OTHERS }, (_, index) => `u${index}`)
    const seq = ledger.nextSeq()
    await a.setMany(
      tagged.map((key) => [key, { key, seq }] as const),
      { tags: ['products'] },
    )
    await a.setMany(
      others.map((key) => [key, { key, seq }] as const),
      { tags: ['users'] },
    )
    for (const key of [...tagged, ...others]) ledger.resolved(key, seq)
    for (const reader of readers) await reader.getMany([...tagged, ...others])

    // A reader is back once it dropped what it may have missed: it heard the deleteByTag (A announces
    // it when its journal is replayed) or resynced its L1. Stale reads count only after that.
    let faultAt = Number.POSITIVE_INFINITY
    // A itself must never serve a covered entry once its deleteByTag resolved (index 2).
    const recoveredAt = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY]
    readers.forEach((reader, index) => {
      const back = () => {
        if (performance.now() > faultAt)
          recoveredAt[index] = Math.min(recoveredAt[index] as number, performance.now())
      }
      reader.on('resync', back)
      reader.on('invalidation', (event) => {
        if (event.tags?.includes('products')) back()
      })
    })
    let staleReads = 0
    let staleDuringOutage = 0
    // Two workers read on B, two on C, one on A (whose reads also bring its journal's replay about).
    const load = startLoad(5, async (worker) => {
      const readerIndex = worker === 4 ? 2 : worker % 2
      const reader = (readerIndex === 2 ? a : readers[readerIndex]) as Cache
      const key =
        Math.random() < 0.7
          ? tagged[Math.floor(Math.random() * TAGGED)]
          : others[Math.floor(Math.random() * OTHERS)]
      const startedAt = performance.now()
      const value = await recorder.time('get', () => reader.get(key as string))
      if (!ledger.isStale(key as string, value, startedAt)) return
      if (startedAt > (recoveredAt[readerIndex] as number)) staleReads++
      else staleDuringOutage++
    })

    await delay(100)
    recorder.enter('fault')
    faultAt = performance.now()
    await server.pause()
    const deleteSeq = ledger.nextSeq()
    await recorder.time('deleteByTag', () => a.deleteByTag('products'))
    for (const key of tagged) ledger.resolved(key, deleteSeq)
    recoveredAt[2] = performance.now()
    const journaled = a.getStats().l2.pendingRepairs > 0
    await delay(options.faultMs ?? 1500)
    await server.resume()
    recorder.enter('after')
    const recovered = await pollUntil(
      () =>
        a.getStats().l2.pendingRepairs === 0 &&
        a.getStats().l2.repairs > 0 &&
        recoveredAt.every((at) => Number.isFinite(at)) &&
        services.every((service) => service.getStats().caches.shop?.l2.circuitBreaker.state === 'closed'),
      10_000,
    )
    await delay(500)
    await load.stop()

    let taggedServedAfter = 0
    for (const cache of [a, b, c]) {
      const values = await cache.getMany(tagged)
      taggedServedAfter += values.filter((value) => value !== undefined).length
    }
    // The other tag's entries, read from L2 by a fresh instance with time to spare (a busy machine can
    // time the three instances' reads out, which would be misses for another reason).
    const fresh = new CacheService({ ...config, l2CommandTimeout: '5s' })
    const othersServedAfter = (
      await fresh.createCache<VersionedValue>({ l2KeyPrefix: 'shop' }).getMany(others)
    ).filter((value) => value !== undefined).length
    await fresh.close()
    return {
      scenario: 'deleteByTag while Redis hung (SIGSTOP), three instances',
      get: recorder.latency('fault', 'get'),
      set: recorder.latency('fault', 'deleteByTag'),
      calls: recorder.calls,
      threw: recorder.threw,
      errors: recorder.errors,
      staleReads,
      recoveryMs: undefined,
      facts: { journaled, recovered, staleDuringOutage, taggedServedAfter, othersServedAfter },
    }
  } finally {
    await Promise.all(services.map((service) => service.close()))
    await server.stop()
  }
}
