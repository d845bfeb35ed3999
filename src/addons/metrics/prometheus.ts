/**
 * Prometheus metrics (`resilient-cache/prometheus`), through `prom-client` (an optional peer), with a
 * ready `/metrics` handler for Express (or `node:http`), Fastify and Hono.
 *
 * ```ts
 * import { createPrometheusMetrics } from 'resilient-cache/prometheus'
 *
 * const prometheus = createPrometheusMetrics(service)     // its own Registry, or { registry }
 * app.get('/metrics', prometheus.nodeHandler)                                  // Express
 * fastify.get('/metrics', prometheus.fastifyHandler)                           // Fastify
 * hono.get('/metrics', () => prometheus.fetchHandler())                        // Hono
 * ```
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Registry } from 'prom-client'
import type { CacheService, L2OperationEvent } from 'resilient-cache'
import {
  L2_DURATION_BUCKETS_SECONDS,
  L2_DURATION_HELP,
  l2OperationLabels,
  STATS_SERIES,
  samplesOf,
} from './metric-catalog.js'
import { promClient } from './prom-client-module.js'

/** The series names (the same as `resilient-cache/otel`'s through an OpenTelemetry Prometheus exporter). */
export const PROMETHEUS_METRIC_NAMES = {
  operations: 'resilient_cache_operations_total',
  l2Duration: 'resilient_cache_l2_operation_duration_seconds',
  breakerState: 'resilient_cache_circuit_breaker_state',
  l1Size: 'resilient_cache_l1_size',
  l1MaxSize: 'resilient_cache_l1_max_size',
  pendingRepairs: 'resilient_cache_pending_repairs',
  repairs: 'resilient_cache_repairs_total',
  invalidations: 'resilient_cache_invalidations_total',
  undecodableEntries: 'resilient_cache_undecodable_entries_total',
  invalidationFailing: 'resilient_cache_invalidation_failing',
  loaderEvents: 'resilient_cache_loader_events_total',
} as const

/** Options of {@link createPrometheusMetrics}. */
export interface PrometheusMetricsOptions {
  /**
   * Where the metrics are registered: pass prom-client's global `register` to serve them with your
   * other metrics. @default a new Registry of their own
   */
  registry?: Registry
}

/** The subset of a Fastify reply that {@link PrometheusMetrics.fastifyHandler} uses. */
export interface FastifyReplyLike {
  header(name: string, value: string): unknown
  send(payload: string): unknown
}

/** A service's metrics in a prom-client registry, and handlers that serve them. */
export interface PrometheusMetrics {
  readonly registry: Registry
  /** The text exposition of the registry and its content type. */
  scrape(): Promise<{ contentType: string; body: string }>
  /** A `(req, res)` handler for Express and `node:http`. */
  readonly nodeHandler: (request: IncomingMessage, response: ServerResponse) => void
  /** A Fastify route handler: `fastify.get('/metrics', prometheus.fastifyHandler)`. */
  readonly fastifyHandler: (request: unknown, reply: FastifyReplyLike) => Promise<unknown>
  /** A fetch-style handler (Hono, and other fetch frameworks): `hono.get('/metrics', () => prometheus.fetchHandler())`. */
  readonly fetchHandler: () => Promise<Response>
  /** Removes the metrics from the registry and stops observing the service. Idempotent. */
  close(): void
}

/**
 * Registers a service's cache metrics in a prom-client registry: counters of lookups by cache, layer
 * and result, an L2 latency histogram (seconds), the breaker state, L1 size and capacity, pending and
 * completed repairs, invalidation messages, and loader events (loads, errors, expired copies served,
 * eager refreshes, soft and hard timeouts). All but the histogram are read from
 * `service.getStats()` at scrape time, so the data paths pay nothing for them. Labels are cache names,
 * layers, operations and outcomes, never keys.
 */
export function createPrometheusMetrics(
  service: CacheService,
  options: PrometheusMetricsOptions = {},
): PrometheusMetrics {
  const registry = options.registry ?? new promClient.Registry()
  const registers = [registry]
  const names = PROMETHEUS_METRIC_NAMES
  for (const series of STATS_SERIES) {
    const common = {
      name: names[series.key],
      help: series.help,
      labelNames: [...series.labelNames],
      registers,
    }
    // Each scrape copies the values from the statistics (no I/O), from zero, so nothing is kept here.
    if (series.kind === 'counter') {
      new promClient.Counter({
        ...common,
        collect() {
          this.reset()
          for (const sample of samplesOf(service.getStats())[series.key])
            this.inc(sample.labels, sample.value)
        },
      })
    } else {
      new promClient.Gauge({
        ...common,
        collect() {
          this.reset()
          for (const sample of samplesOf(service.getStats())[series.key])
            this.set(sample.labels, sample.value)
        },
      })
    }
  }
  const l2Duration = new promClient.Histogram({
    name: names.l2Duration,
    help: L2_DURATION_HELP,
    labelNames: ['cache', 'operation', 'outcome'],
    buckets: [...L2_DURATION_BUCKETS_SECONDS],
    registers,
  })
  const onOperation = (event: L2OperationEvent) => {
    l2Duration.observe(l2OperationLabels(event), (event.durationMs ?? 0) / 1000)
  }
  service.on('l2:operation', onOperation)

  const scrape = async () => ({ contentType: registry.contentType, body: await registry.metrics() })
  let closed = false
  return {
    registry,
    scrape,
    nodeHandler(_request, response) {
      scrape().then(
        ({ contentType, body }) => {
          response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' })
          response.end(body)
        },
        (error: unknown) => {
          response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
          response.end(`metrics collection failed: ${(error as Error)?.message}\n`)
        },
      )
    },
    async fastifyHandler(_request, reply) {
      const { contentType, body } = await scrape()
      reply.header('content-type', contentType)
      reply.header('cache-control', 'no-store')
      return reply.send(body)
    },
    async fetchHandler() {
      const { contentType, body } = await scrape()
      return new Response(body, { headers: { 'content-type': contentType, 'cache-control': 'no-store' } })
    },
    close() {
      if (closed) return
      closed = true
      service.off('l2:operation', onOperation)
      for (const name of Object.values(names)) registry.removeSingleMetric(name)
    },
  }
}
