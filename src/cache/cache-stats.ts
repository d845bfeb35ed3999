import type { L1Backend } from '../backends/l1/l1-backend.js'
import type { InvalidationMode, ResolvedCacheOptions } from '../config/options.js'
import type { L1Invalidator } from '../invalidation/l1-invalidator.js'
import type { LoadingCounters } from '../loading/loading-counters.js'
import { type CircuitBreakerStats, idleCircuitBreakerStats } from '../resilience/circuit-breaker.js'
import type { BatchCounters } from './batch-operations.js'
import { type L2Layer, newL2Counters } from './l2-layer.js'

/** A cache's statistics, as returned by the synchronous `getStats()`. */
export interface CacheStats {
  enabled: boolean
  l1: {
    enabled: boolean
    backend: string
    size: number
    maxSize: number
    /** Seconds. */
    ttl: number
    hits: number
    misses: number
    /** Hits over lookups, 0 to 1 (0 before any lookup). */
    hitRate: number
    /** Approximate bytes held, when L1 is bounded by bytes (`l1MaxBytes`); else `null`. */
    bytes: number | null
    /** The `l1MaxBytes` bound, or `null` for none. */
    maxBytes: number | null
    /** `size / maxSize * 100`. */
    usagePercent: number
    /** Times L1 was dropped because invalidations may have been missed (after an outage or reconnection). */
    resyncs: number
  }
  l2: {
    enabled: boolean
    backend: string
    keyPrefix: string | null
    /** Seconds. */
    ttl: number
    serializer: string
    hits: number
    misses: number
    /** Failed L2 calls (errors, refused connections). */
    errors: number
    /** L2 calls that took longer than `l2CommandTimeout`. */
    timeouts: number
    /** Entries that were damaged or not ours (foreign, truncated, bad payload): misses, deleted. */
    corruptEntries: number
    /**
     * Well-formed entries this process cannot read (a newer format version, another serializer, a
     * serializer that cannot decode here): misses, left in place for the instances that can.
     */
    unsupportedEntries: number
    circuitBreaker: CircuitBreakerStats
    /** Keys (plus one for a pending prefix clear) that must be invalidated in L2 when it returns. */
    pendingRepairs: number
    /** Journal replays completed after outages. */
    repairs: number
  }
  /** What `getOrSet` / `wrap` did: loader calls, errors, expired copies served, refreshes, timeouts, locks. */
  loading: LoadingCounters
  invalidation: {
    /** The mode in force (`none` when the cache has no L2, or the backend cannot carry the mode). */
    mode: InvalidationMode
    /** Bus messages this cache published, and the keys they named. */
    messagesSent: number
    keysSent: number
    /** Invalidations received from other instances (bus messages, or tracking reports). */
    messagesReceived: number
    /** L1 entries they dropped. */
    keysInvalidated: number
  }
  /** What the batch calls did: calls of each, the keys they named, and `getOrSetMany`'s loader calls. */
  batches: BatchCounters & { loads: number }
  tags: {
    /** `deleteByTag`s applied to this cache's L1: made here, or heard from other instances. */
    invalidations: number
    /** L1 entries they dropped. */
    l1EntriesDropped: number
    /** `deleteByTag`s that reached L2 from this instance (right away, or in a repair). */
    l2Invalidations: number
  }
}

/** The counters and parts a cache's statistics are read from. */
export interface CacheStatsSources {
  options: ResolvedCacheOptions
  l1: L1Backend | undefined
  l1Counters: { hits: number; misses: number }
  l2: L2Layer | undefined
  loading: LoadingCounters
  invalidation: InvalidationMode
  invalidator: L1Invalidator
  batches: BatchCounters & { loads: number }
}

/** A cache's statistics from its counters, synchronously and without I/O. */
export function cacheStatsOf(sources: CacheStatsSources): CacheStats {
  const { options, l1, l2, l1Counters } = sources
  const l1Lookups = l1Counters.hits + l1Counters.misses
  const l1Size = l1?.size ?? 0
  const l1MaxSize = l1?.maxSize ?? options.l1MaxSize
  return {
    enabled: l1 !== undefined || l2 !== undefined,
    l1: {
      enabled: l1 !== undefined,
      backend: options.l1Backend,
      size: l1Size,
      maxSize: l1MaxSize,
      bytes: l1?.bytes ?? null,
      maxBytes: l1?.maxBytes ?? options.l1MaxBytes ?? null,
      ttl: options.l1TtlMs / 1000,
      hits: l1Counters.hits,
      misses: l1Counters.misses,
      hitRate: l1Lookups === 0 ? 0 : l1Counters.hits / l1Lookups,
      usagePercent: (l1Size / l1MaxSize) * 100,
      resyncs: sources.invalidator.resyncs,
    },
    l2: {
      enabled: l2 !== undefined,
      backend: l2?.guard.backend.name ?? 'none',
      keyPrefix: options.l2KeyPrefix ?? null,
      ttl: options.l2TtlMs / 1000,
      serializer: options.serializer.name,
      ...(l2?.counters ?? newL2Counters()),
      circuitBreaker:
        l2?.guard.breaker.stats() ??
        idleCircuitBreakerStats({
          enabled: false,
          threshold: options.circuitBreakerThreshold,
          timeoutMs: options.circuitBreakerTimeoutMs,
        }),
      pendingRepairs: l2?.journal.size ?? 0,
      repairs: l2?.repairs ?? 0,
    },
    loading: { ...sources.loading },
    invalidation: {
      mode: sources.invalidation,
      messagesSent: l2?.publisher?.messagesSent ?? 0,
      keysSent: l2?.publisher?.keysSent ?? 0,
      ...sources.invalidator.counters,
    },
    batches: sources.batches,
    tags: {
      invalidations: sources.invalidator.tagCounters.tagInvalidations,
      l1EntriesDropped: sources.invalidator.tagCounters.l1EntriesDropped,
      l2Invalidations: l2?.tagInvalidations ?? 0,
    },
  }
}
