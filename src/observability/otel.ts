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
import {
  type BatchObservableCallback,
  type MeterProvider,
  metrics,
  type Observable,
  type ObservableCounter,
  type ObservableGauge,
} from '@opentelemetry/api'
import type { CacheService, L2OperationEvent } from 'resilient-cache'
import {
  L2_DURATION_BUCKETS_SECONDS,
  l2OperationLabels,
  METRIC_HELP,
  type Sample,
  samplesOf,
} from './metric-catalog.js'

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
 * completed repairs, and invalidation messages. The counters and gauges are read from
 * `service.getStats()` when the SDK collects, so the data paths pay nothing; only the histogram
 * listens to each L2 operation. Attributes are cache names, layers, operations and outcomes, never keys.
 */
export function instrumentOpenTelemetry(
  service: CacheService,
  options: OpenTelemetryMetricsOptions = {},
): OpenTelemetryMetrics {
  const provider = options.meterProvider ?? metrics.getMeterProvider()
  const meter = provider.getMeter(options.meterName ?? 'resilient-cache')
  const names = OTEL_METRIC_NAMES
  const operations = meter.createObservableCounter(names.operations, {
    description: METRIC_HELP.operations,
    unit: '{operation}',
  })
  const breakerState = meter.createObservableGauge(names.breakerState, {
    description: METRIC_HELP.breakerState,
  })
  const l1Size = meter.createObservableGauge(names.l1Size, {
    description: METRIC_HELP.l1Size,
    unit: '{entry}',
  })
  const l1MaxSize = meter.createObservableGauge(names.l1MaxSize, {
    description: METRIC_HELP.l1MaxSize,
    unit: '{entry}',
  })
  const pendingRepairs = meter.createObservableGauge(names.pendingRepairs, {
    description: METRIC_HELP.pendingRepairs,
    unit: '{key}',
  })
  const repairs = meter.createObservableCounter(names.repairs, {
    description: METRIC_HELP.repairs,
    unit: '{repair}',
  })
  const invalidations = meter.createObservableCounter(names.invalidations, {
    description: METRIC_HELP.invalidations,
    unit: '{message}',
  })
  const l2Duration = meter.createHistogram(names.l2Duration, {
    description: METRIC_HELP.l2Duration,
    unit: 's',
    advice: { explicitBucketBoundaries: [...L2_DURATION_BUCKETS_SECONDS] },
  })

  const observables: Observable[] = [
    operations,
    breakerState,
    l1Size,
    l1MaxSize,
    pendingRepairs,
    repairs,
    invalidations,
  ]
  // One getStats() per collection feeds every instrument, so they all describe the same moment.
  const observe: BatchObservableCallback = (result) => {
    const samples = samplesOf(service.getStats())
    const each = (instrument: ObservableCounter | ObservableGauge, series: Sample<string>[]) => {
      for (const sample of series) result.observe(instrument, sample.value, sample.labels)
    }
    each(operations, samples.operations)
    each(breakerState, samples.breakerState)
    each(l1Size, samples.l1Size)
    each(l1MaxSize, samples.l1MaxSize)
    each(pendingRepairs, samples.pendingRepairs)
    each(repairs, samples.repairs)
    each(invalidations, samples.invalidations)
  }
  meter.addBatchObservableCallback(observe, observables)
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
