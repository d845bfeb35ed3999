/**
 * OpenTelemetry metrics (`resilient-cache/otel`), through `@opentelemetry/api` (an optional peer: install
 * it, and an SDK with an exporter, in the application).
 *
 * ```ts
 * import { instrumentOpenTelemetry } from 'resilient-cache/otel'
 *
 * const metrics = instrumentOpenTelemetry(service)        // the global MeterProvider, or { meterProvider }
 * // on shutdown:
 * metrics.close()
 * ```
 */
import type {
  BatchObservableCallback,
  MeterProvider,
  Observable,
  ObservableCounter,
  ObservableGauge,
} from '@opentelemetry/api'
import type { CacheService, L2OperationEvent } from 'resilient-cache'
import {
  L2_DURATION_BUCKETS_SECONDS,
  L2_DURATION_HELP,
  l2OperationLabels,
  STATS_SERIES,
  samplesOf,
} from './metric-catalog.js'
import { otelApi } from './otel-api.js'

/**
 * The instrument names. An OpenTelemetry Prometheus exporter turns them into the series names of
 * `resilient-cache/prometheus` (dots into underscores, `_total` and the unit added).
 */
export const OTEL_METRIC_NAMES = {
  operations: 'resilient_cache.operations',
  l2Duration: 'resilient_cache.l2.operation.duration',
  breakerState: 'resilient_cache.circuit_breaker.state',
  l1Size: 'resilient_cache.l1.size',
  l1MaxSize: 'resilient_cache.l1.max_size',
  pendingRepairs: 'resilient_cache.pending_repairs',
  repairs: 'resilient_cache.repairs',
  invalidations: 'resilient_cache.invalidations',
  undecodableEntries: 'resilient_cache.undecodable_entries',
  invalidationFailing: 'resilient_cache.invalidation.failing',
  loaderEvents: 'resilient_cache.loader_events',
} as const

/** Options of {@link instrumentOpenTelemetry}. */
export interface OpenTelemetryMetricsOptions {
  /** Where the meter comes from. @default the global provider (`metrics.getMeterProvider()`) */
  meterProvider?: MeterProvider
  /** The meter's (instrumentation scope's) name. @default 'resilient-cache' */
  meterName?: string
}

/** The instrumentation of one service; `close()` ends it. */
export interface OpenTelemetryMetrics {
  /** Stops observing the service (its statistics and its `l2:operation` events). Idempotent. */
  close(): void
}

/**
 * Publishes a service's cache metrics through OpenTelemetry: counters of lookups by cache, layer and
 * result, an L2 latency histogram (seconds), the breaker state, L1 size and capacity, pending and
 * completed repairs, invalidation messages, and loader events (loads, errors, expired copies served,
 * eager refreshes, soft and hard timeouts). The counters and gauges are read from
 * `service.getStats()` when the SDK collects, so the data paths pay nothing; only the histogram
 * listens to each L2 operation. Attributes are cache names, layers, operations and outcomes, never keys.
 */
export function instrumentOpenTelemetry(
  service: CacheService,
  options: OpenTelemetryMetricsOptions = {},
): OpenTelemetryMetrics {
  const provider = options.meterProvider ?? otelApi.metrics.getMeterProvider()
  const meter = provider.getMeter(options.meterName ?? 'resilient-cache')
  const names = OTEL_METRIC_NAMES
  const instruments = STATS_SERIES.map((series) => {
    const options = { description: series.help, unit: series.unit }
    const instrument: ObservableCounter | ObservableGauge =
      series.kind === 'counter'
        ? meter.createObservableCounter(names[series.key], options)
        : meter.createObservableGauge(names[series.key], options)
    return { series, instrument }
  })
  const observables: Observable[] = instruments.map(({ instrument }) => instrument)
  // One getStats() per collection feeds every instrument, so they all describe the same moment.
  const observe: BatchObservableCallback = (result) => {
    const samples = samplesOf(service.getStats())
    for (const { series, instrument } of instruments) {
      for (const sample of samples[series.key]) result.observe(instrument, sample.value, sample.labels)
    }
  }
  meter.addBatchObservableCallback(observe, observables)
  const l2Duration = meter.createHistogram(names.l2Duration, {
    description: L2_DURATION_HELP,
    unit: 's',
    advice: { explicitBucketBoundaries: [...L2_DURATION_BUCKETS_SECONDS] },
  })
  const onOperation = (event: L2OperationEvent) => {
    l2Duration.record((event.durationMs ?? 0) / 1000, l2OperationLabels(event))
  }
  service.on('l2:operation', onOperation)

  let closed = false
  return {
    close() {
      if (closed) return
      closed = true
      meter.removeBatchObservableCallback(observe, observables)
      service.off('l2:operation', onOperation)
    },
  }
}
