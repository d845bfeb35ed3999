import type {
  CacheServiceStats,
  CircuitState,
  InvalidationOperation,
  L2OperationEvent,
} from 'resilient-cache'

/**
 * The metrics both exporters publish, read from `service.getStats()` at collection time (so the data
 * paths pay nothing for them) and, for the latency histogram, from the service's `l2:operation` event.
 * Labels are the cache's name (its L2 prefix), the layer, the operation and outcomes: never a key.
 */
export const L2_DURATION_HELP =
  'Duration of L2 operations, by cache, operation and outcome (ok, error, timeout)'

/** A series read from the statistics: how both exporters declare it. */
export interface StatsSeries {
  key: keyof StatsSamples
  kind: 'counter' | 'gauge'
  help: string
  labelNames: readonly string[]
  /** The OpenTelemetry unit (UCUM annotation). */
  unit: string
}

/** Every series read from `getStats()`, in exposition order. */
export const STATS_SERIES: readonly StatsSeries[] = [
  {
    key: 'operations',
    kind: 'counter',
    help: 'Cache lookups and L2 failures, by cache, layer (l1, l2) and result (hit, miss, error, timeout)',
    labelNames: ['cache', 'layer', 'result'],
    unit: '{operation}',
  },
  {
    key: 'breakerState',
    kind: 'gauge',
    help: 'Circuit breaker guarding each cache: 1 for its current state (closed, half_open, open), else 0',
    labelNames: ['cache', 'state'],
    unit: '1',
  },
  {
    key: 'l1Size',
    kind: 'gauge',
    help: 'Entries in the L1 of each cache',
    labelNames: ['cache'],
    unit: '{entry}',
  },
  {
    key: 'l1MaxSize',
    kind: 'gauge',
    help: 'Most entries the L1 of each cache holds',
    labelNames: ['cache'],
    unit: '{entry}',
  },
  {
    key: 'pendingRepairs',
    kind: 'gauge',
    help: 'Keys (plus one for a pending prefix clear) each cache must invalidate in L2 when it returns',
    labelNames: ['cache'],
    unit: '{key}',
  },
  {
    key: 'repairs',
    kind: 'counter',
    help: 'Journal replays completed after L2 outages, by cache',
    labelNames: ['cache'],
    unit: '{repair}',
  },
  {
    key: 'invalidations',
    kind: 'counter',
    help: 'Invalidation messages, by cache and direction (sent, received)',
    labelNames: ['cache', 'direction'],
    unit: '{message}',
  },
  {
    key: 'undecodableEntries',
    kind: 'counter',
    help: 'L2 entries read as misses because they could not be decoded, by cache and kind (corrupt: deleted; unsupported: left in place)',
    labelNames: ['cache', 'kind'],
    unit: '{entry}',
  },
  {
    key: 'invalidationFailing',
    kind: 'gauge',
    help: 'Whether the last attempt of an invalidation operation (publish, subscribe, tracking) failed: 1, else 0',
    labelNames: ['operation'],
    unit: '1',
  },
  {
    key: 'loaderEvents',
    kind: 'counter',
    help: 'getOrSet and wrap loading, by cache and event (load, error, stale_served, eager_refresh, soft_timeout, hard_timeout)',
    labelNames: ['cache', 'event'],
    unit: '{event}',
  },
]

/** The operations an invalidation-failing series is reported for. */
export const INVALIDATION_OPERATIONS: readonly InvalidationOperation[] = ['publish', 'subscribe', 'tracking']

/** `event` of the loader-events counter, and the `stats.loading` counter each one reads. */
export const LOADER_EVENTS = [
  ['load', 'loads'],
  ['error', 'loadErrors'],
  ['stale_served', 'staleServed'],
  ['eager_refresh', 'eagerRefreshes'],
  ['soft_timeout', 'softTimeouts'],
  ['hard_timeout', 'hardTimeouts'],
] as const satisfies ReadonlyArray<readonly [string, keyof CacheServiceStats['caches'][string]['loading']]>

/** Bucket bounds of the L2 latency histogram, in seconds: 100 µs (loopback) to 2.5 s (far past any timeout). */
export const L2_DURATION_BUCKETS_SECONDS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
]

/** The states a breaker-state series is reported for. */
export const BREAKER_STATES: readonly CircuitState[] = ['closed', 'half_open', 'open']

/** `result` of the operations counter. */
export type OperationResult = 'hit' | 'miss' | 'error' | 'timeout'

/** One value of a labelled series. */
export interface Sample<L extends string> {
  labels: Record<L, string>
  value: number
}

/** Everything the exporters read from one `getStats()`. */
export interface StatsSamples {
  operations: Sample<'cache' | 'layer' | 'result'>[]
  breakerState: Sample<'cache' | 'state'>[]
  l1Size: Sample<'cache'>[]
  l1MaxSize: Sample<'cache'>[]
  pendingRepairs: Sample<'cache'>[]
  repairs: Sample<'cache'>[]
  invalidations: Sample<'cache' | 'direction'>[]
  undecodableEntries: Sample<'cache' | 'kind'>[]
  invalidationFailing: Sample<'operation'>[]
  loaderEvents: Sample<'cache' | 'event'>[]
}

/** Reads the series of every cache from a service's statistics. */
export function samplesOf(stats: CacheServiceStats): StatsSamples {
  const samples: StatsSamples = {
    operations: [],
    breakerState: [],
    l1Size: [],
    l1MaxSize: [],
    pendingRepairs: [],
    repairs: [],
    invalidations: [],
    undecodableEntries: [],
    invalidationFailing: INVALIDATION_OPERATIONS.map((operation) => ({
      labels: { operation },
      value: stats.invalidation.failing.includes(operation) ? 1 : 0,
    })),
    loaderEvents: [],
  }
  for (const [cache, cacheStats] of Object.entries(stats.caches)) {
    const operation = (layer: 'l1' | 'l2', result: OperationResult, value: number) =>
      samples.operations.push({ labels: { cache, layer, result }, value })
    for (const [event, counter] of LOADER_EVENTS) {
      samples.loaderEvents.push({ labels: { cache, event }, value: cacheStats.loading[counter] })
    }
    if (cacheStats.l1.enabled) {
      operation('l1', 'hit', cacheStats.l1.hits)
      operation('l1', 'miss', cacheStats.l1.misses)
      samples.l1Size.push({ labels: { cache }, value: cacheStats.l1.size })
      samples.l1MaxSize.push({ labels: { cache }, value: cacheStats.l1.maxSize })
    }
    const l2 = cacheStats.l2
    if (l2.enabled) {
      operation('l2', 'hit', l2.hits)
      operation('l2', 'miss', l2.misses)
      operation('l2', 'error', l2.errors)
      operation('l2', 'timeout', l2.timeouts)
      for (const state of BREAKER_STATES) {
        samples.breakerState.push({
          labels: { cache, state },
          value: l2.circuitBreaker.state === state ? 1 : 0,
        })
      }
      samples.pendingRepairs.push({ labels: { cache }, value: l2.pendingRepairs })
      samples.repairs.push({ labels: { cache }, value: l2.repairs })
      samples.undecodableEntries.push({ labels: { cache, kind: 'corrupt' }, value: l2.corruptEntries })
      samples.undecodableEntries.push({
        labels: { cache, kind: 'unsupported' },
        value: l2.unsupportedEntries,
      })
      const invalidation = cacheStats.invalidation
      if (invalidation.mode !== 'none') {
        samples.invalidations.push({ labels: { cache, direction: 'sent' }, value: invalidation.messagesSent })
        samples.invalidations.push({
          labels: { cache, direction: 'received' },
          value: invalidation.messagesReceived,
        })
      }
    }
  }
  return samples
}

/**
 * The labels of one L2 operation in the latency histogram: `cache` is empty for the service's own
 * calls (recovery probes, `ping()`).
 */
export function l2OperationLabels(
  event: L2OperationEvent,
): Record<'cache' | 'operation' | 'outcome', string> {
  return { cache: event.cache ?? '', operation: event.operation, outcome: event.outcome ?? 'ok' }
}
