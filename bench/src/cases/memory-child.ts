/**
 * One memory measurement in a fresh process (spawned by `memory.ts`): fills one candidate with
 * ENTRIES records and prints `{"bytesPerEntry": n}` on stdout.
 *
 * A fresh process per candidate and round keeps one candidate's heap (and what V8 kept around
 * after collecting it) out of the next one's numbers. Bytes are heap plus ArrayBuffer memory:
 * lru-cache (and so resilient-cache's L1) keeps its index in typed arrays, whose backing stores
 * live outside the V8 heap and would be missed by `heapUsed` alone.
 */
import { LRUCache } from 'lru-cache'
import { keyOf, makeRecord } from '../data.js'
import { inFlight } from '../measure.js'
import { Peers, TTL_MS } from '../subjects/peers.js'
import { CacheService } from '../subjects/resilient-cache.js'

/** Entries per measurement. */
export const ENTRIES = 100_000

/** What one candidate needs: a way to store an entry, and the object that holds them. */
interface Filler {
  set(key: string, value: unknown): unknown
  close?(): Promise<unknown>
}

const gc = (globalThis as { gc?: () => void }).gc

function bytesInUse(): number {
  const usage = process.memoryUsage()
  return usage.heapUsed + usage.arrayBuffers
}

function settle(): void {
  if (gc === undefined) throw new Error('memory-child needs --expose-gc')
  // Several passes: the first one may only promote what the next one frees.
  for (let pass = 0; pass < 4; pass++) gc()
}

async function makeFiller(name: string, redisUrl: string | undefined): Promise<Filler> {
  const peers = new Peers({ host: '127.0.0.1', port: 0, url: redisUrl ?? 'redis://127.0.0.1:0' })
  switch (name) {
    case 'map':
      return new Map<string, unknown>()
    case 'lru-cache':
      return new LRUCache<string, object>({ max: ENTRIES })
    case 'lru-cache-ttl':
      // The configuration of resilient-cache's `ttl` L1 backend.
      return new LRUCache<string, object>({ max: ENTRIES, ttl: TTL_MS, ttlResolution: 0 })
    case 'ours': {
      const service = new CacheService()
      const cache = service.createCache({
        l2Enabled: false,
        l1Enabled: true,
        l1MaxSize: ENTRIES,
        l1Ttl: 3600,
      })
      return { set: (key, value) => cache.set(key, value), close: () => service.close() }
    }
    case 'ours-l2': {
      if (redisUrl === undefined) throw new Error('ours-l2 needs REDIS_URL')
      const service = new CacheService({ l2Url: redisUrl })
      const cache = service.createCache({
        l2KeyPrefix: 'bench-memory',
        l1Enabled: true,
        l1MaxSize: ENTRIES,
        l1Ttl: 3600,
        serializer: 'json',
      })
      await cache.clear()
      return { set: (key, value) => cache.set(key, value), close: () => service.close() }
    }
    case 'bentocache': {
      const bento = peers.bentocache({ prefix: 'bento-memory', l1: { maxItems: ENTRIES }, l2: false })
      return { set: (key, value) => bento.set({ key, value }), close: () => peers.closeAll() }
    }
    case 'cacheable': {
      const cache = peers.cacheable({ namespace: 'cacheable-memory', primary: 'memory', secondary: false })
      return { set: (key, value) => cache.set(key, value), close: () => peers.closeAll() }
    }
    case 'cache-manager': {
      const cache = peers.cacheManager({ namespace: 'cm-memory', l1: { lruSize: ENTRIES }, l2: false })
      return { set: (key, value) => cache.set(key, value), close: () => peers.closeAll() }
    }
    default:
      throw new Error(`memory-child: unknown candidate '${name}'`)
  }
}

async function main(): Promise<void> {
  const name = process.argv[2] ?? ''
  const redisUrl = process.env.BENCH_REDIS_URL
  // Warm the code paths on a throw-away instance so that compiled code and lazily created
  // module state are not counted as the entries' memory.
  const warm = await makeFiller(name, redisUrl)
  for (let i = 0; i < 1000; i++) await warm.set(keyOf(ENTRIES + i), makeRecord(ENTRIES + i))
  await warm.close?.()
  settle()
  const before = bytesInUse()
  const filler = await makeFiller(name, redisUrl)
  // Writes through L2 run 100 at a time, as a busy service would; in-memory ones need no waiting.
  await inFlight(async (i) => filler.set(keyOf(i), makeRecord(i)), name === 'ours-l2' ? 100 : 1)(ENTRIES)
  settle()
  const after = bytesInUse()
  process.stdout.write(`${JSON.stringify({ bytesPerEntry: (after - before) / ENTRIES })}\n`)
  // Still referenced here, so that nothing above could be collected before `after` was read.
  await filler.close?.()
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
