import type { Server } from 'node:http'
import { serve } from '@hono/node-server'
import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { Registry } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import { instrumentOpenTelemetry, OTEL_METRIC_NAMES } from '../../src/addons/metrics/otel.js'
import { createPrometheusMetrics, PROMETHEUS_METRIC_NAMES } from '../../src/addons/metrics/prometheus.js'
import { FakeClock } from '../helpers/fake-clock.js'
import { closeHttpServer, loopbackUrl } from '../helpers/http-server.js'
import { RedisServer } from '../helpers/redis-server.js'
import { useRedisServer, useServices } from '../helpers/services.js'

const redis = useRedisServer()
const openService = useServices()
const cleanups: Array<() => Promise<void> | void> = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A service with one two-level cache (L1 of 50 entries), bus off so that L2 sees only the cache's calls. */
async function busyService(prefix: string) {
  const service = openService({ l2Url: redis.server.url, invalidation: 'none' })
  const cache = service.createCache({ l2KeyPrefix: prefix, l1Enabled: true, l1MaxSize: 50 })
  return { service, cache }
}

/** One set, 3 L1 hits, 2 misses (L1 and L2): 1 L2 set and 2 L2 gets, with a key and value to look for. */
async function exercise(cache: Awaited<ReturnType<typeof busyService>>['cache']): Promise<void> {
  await cache.set('user:secret-key', 'secret-value')
  for (let i = 0; i < 3; i++) await cache.get('user:secret-key')
  await cache.get('absent-1')
  await cache.get('absent-2')
}

describe('OpenTelemetry metrics (resilient-cache/otel)', () => {
  it('appear in an in-memory metric reader: operations, L2 latency, breaker state, L1 size, pending repairs', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 })
    const meterProvider = new MeterProvider({ readers: [reader] })
    cleanups.push(() => meterProvider.shutdown())
    const { service, cache } = await busyService('otel')
    const instrumentation = instrumentOpenTelemetry(service, { meterProvider })
    cleanups.push(() => instrumentation.close())
    await exercise(cache)

    await reader.forceFlush()
    const exported = exporter.getMetrics().at(-1)
    const metrics = new Map<string, MetricData>()
    for (const scope of exported?.scopeMetrics ?? []) {
      expect(scope.scope.name).toBe('resilient-cache')
      for (const metric of scope.metrics) metrics.set(metric.descriptor.name, metric)
    }
    const points = (name: string) => (metrics.get(name)?.dataPoints ?? []) as DataPoint<unknown>[]
    const pointValue = (name: string, attributes: Record<string, string>) =>
      points(name).find((point) => Object.entries(attributes).every(([k, v]) => point.attributes[k] === v))
        ?.value

    expect(pointValue(OTEL_METRIC_NAMES.operations, { cache: 'otel', layer: 'l1', result: 'hit' })).toBe(3)
    expect(pointValue(OTEL_METRIC_NAMES.operations, { cache: 'otel', layer: 'l1', result: 'miss' })).toBe(2)
    expect(pointValue(OTEL_METRIC_NAMES.operations, { cache: 'otel', layer: 'l2', result: 'miss' })).toBe(2)
    expect(pointValue(OTEL_METRIC_NAMES.operations, { cache: 'otel', layer: 'l2', result: 'error' })).toBe(0)
    expect(pointValue(OTEL_METRIC_NAMES.breakerState, { cache: 'otel', state: 'closed' })).toBe(1)
    expect(pointValue(OTEL_METRIC_NAMES.breakerState, { cache: 'otel', state: 'open' })).toBe(0)
    expect(pointValue(OTEL_METRIC_NAMES.l1Size, { cache: 'otel' })).toBe(1)
    expect(pointValue(OTEL_METRIC_NAMES.l1MaxSize, { cache: 'otel' })).toBe(50)
    expect(pointValue(OTEL_METRIC_NAMES.pendingRepairs, { cache: 'otel' })).toBe(0)

    const duration = metrics.get(OTEL_METRIC_NAMES.l2Duration)
    expect(duration?.descriptor.unit).toBe('s')
    const gets = points(OTEL_METRIC_NAMES.l2Duration).find(
      (point) => point.attributes.operation === 'get' && point.attributes.outcome === 'ok',
    ) as DataPoint<Histogram> | undefined
    expect(gets?.value.count).toBe(2)
    expect(gets?.value.sum).toBeGreaterThan(0)
    expect(gets?.value.sum).toBeLessThan(1)

    // Attributes name caches, layers, operations and outcomes: never a key or a value.
    expect(JSON.stringify([...metrics.values()].map((metric) => metric.dataPoints))).not.toContain('secret')
  })

  it('reports the breaker open and the pending repairs while Redis is down, and stops observing on close()', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 })
    const meterProvider = new MeterProvider({ readers: [reader] })
    cleanups.push(() => meterProvider.shutdown())
    const server = new RedisServer()
    await server.start()
    cleanups.push(() => server.stop())
    const service = openService({ l2Url: server.url, circuitBreakerThreshold: 1, invalidation: 'none' })
    const cache = service.createCache({ l2KeyPrefix: 'down', l1Enabled: true })
    const instrumentation = instrumentOpenTelemetry(service, { meterProvider })
    await cache.set('a', 1)
    await server.kill()
    await cache.set('b', 2)
    await cache.set('c', 3)
    await reader.forceFlush()
    const last = () =>
      exporter
        .getMetrics()
        .at(-1)
        ?.scopeMetrics.flatMap((scope) => scope.metrics) ?? []
    const point = (name: string, attributes: Record<string, string>) =>
      last()
        .find((metric) => metric.descriptor.name === name)
        ?.dataPoints.find((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v))?.value
    expect(point(OTEL_METRIC_NAMES.breakerState, { cache: 'down', state: 'open' })).toBe(1)
    expect(point(OTEL_METRIC_NAMES.pendingRepairs, { cache: 'down' })).toBe(2)

    instrumentation.close()
    await cache.set('d', 4)
    expect(cache.getStats().l2.pendingRepairs).toBe(3)
    await reader.forceFlush()
    // No longer observed: the SDK keeps the last value it was given, not the cache's new one.
    expect(point(OTEL_METRIC_NAMES.pendingRepairs, { cache: 'down' })).toBe(2)
    expect(service.listenerCount('l2:operation')).toBe(0)
  })
})

/** A strict parser of the Prometheus text format: every line must be a comment or a sample. */
function parseExposition(text: string) {
  const types = new Map<string, string>()
  const samples: Array<{ name: string; labels: Record<string, string>; value: number }> = []
  for (const line of text.split('\n')) {
    if (line === '') continue
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line)
    if (type) {
      types.set(type[1] as string, type[2] as string)
      continue
    }
    if (/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*$/.test(line)) continue
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/.exec(line)
    if (!sample) throw new Error(`not a valid exposition line: ${JSON.stringify(line)}`)
    const labels: Record<string, string> = {}
    for (const [, name, value] of (sample[2] ?? '').matchAll(
      /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g,
    )) {
      labels[name as string] = value as string
    }
    samples.push({ name: sample[1] as string, labels, value: Number(sample[3]) })
  }
  const find = (name: string, labels: Record<string, string>) =>
    samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value
  return { types, samples, find }
}

describe('Prometheus metrics (resilient-cache/prometheus)', () => {
  it('exposes the expected series in a valid text exposition', async () => {
    const { service, cache } = await busyService('prom')
    const prometheus = createPrometheusMetrics(service)
    cleanups.push(() => prometheus.close())
    await exercise(cache)
    const { contentType, body } = await prometheus.scrape()
    expect(contentType).toContain('text/plain')
    const parsed = parseExposition(body)
    const names = PROMETHEUS_METRIC_NAMES
    expect(parsed.types.get(names.operations)).toBe('counter')
    expect(parsed.types.get(names.l2Duration)).toBe('histogram')
    expect(parsed.types.get(names.breakerState)).toBe('gauge')
    expect(parsed.find(names.operations, { cache: 'prom', layer: 'l1', result: 'hit' })).toBe(3)
    expect(parsed.find(names.operations, { cache: 'prom', layer: 'l2', result: 'miss' })).toBe(2)
    expect(parsed.find(names.breakerState, { cache: 'prom', state: 'closed' })).toBe(1)
    expect(parsed.find(names.breakerState, { cache: 'prom', state: 'open' })).toBe(0)
    expect(parsed.find(names.l1Size, { cache: 'prom' })).toBe(1)
    expect(parsed.find(names.pendingRepairs, { cache: 'prom' })).toBe(0)
    expect(parsed.types.get(names.undecodableEntries)).toBe('counter')
    expect(parsed.find(names.undecodableEntries, { cache: 'prom', kind: 'corrupt' })).toBe(0)
    expect(parsed.find(names.undecodableEntries, { cache: 'prom', kind: 'unsupported' })).toBe(0)
    expect(parsed.find(names.invalidationFailing, { operation: 'publish' })).toBe(0)
    expect(parsed.find(`${names.l2Duration}_count`, { cache: 'prom', operation: 'get', outcome: 'ok' })).toBe(
      2,
    )
    expect(parsed.find(`${names.l2Duration}_count`, { cache: 'prom', operation: 'set', outcome: 'ok' })).toBe(
      1,
    )
    expect(
      parsed.find(`${names.l2Duration}_bucket`, {
        cache: 'prom',
        operation: 'get',
        outcome: 'ok',
        le: '+Inf',
      }),
    ).toBe(2)
    const labelValues = parsed.samples.flatMap((sample) => Object.values(sample.labels))
    expect(labelValues.some((value) => value.includes('secret'))).toBe(false)
  })

  it('registers into a given registry and leaves it clean on close()', async () => {
    const { service } = await busyService('prom-own')
    const registry = new Registry()
    const prometheus = createPrometheusMetrics(service, { registry })
    expect(registry.getSingleMetric(PROMETHEUS_METRIC_NAMES.operations)).toBeDefined()
    prometheus.close()
    expect(registry.getMetricsAsArray()).toHaveLength(0)
    expect(service.listenerCount('l2:operation')).toBe(0)
  })

  it('serves /metrics from Express, Fastify and Hono with the ready handlers', async () => {
    const { service, cache } = await busyService('prom-http')
    const prometheus = createPrometheusMetrics(service)
    cleanups.push(() => prometheus.close())
    await exercise(cache)

    const expressApp = express()
    expressApp.get('/metrics', prometheus.nodeHandler)
    const expressServer = expressApp.listen(0, '127.0.0.1')
    cleanups.push(() => closeHttpServer(expressServer))

    const fastifyApp = Fastify()
    fastifyApp.get('/metrics', prometheus.fastifyHandler)
    const fastifyUrl = await fastifyApp.listen({ port: 0, host: '127.0.0.1' })
    cleanups.push(() => fastifyApp.close())

    const honoApp = new Hono()
    honoApp.get('/metrics', () => prometheus.fetchHandler())
    const honoServer = serve({ fetch: honoApp.fetch, port: 0, hostname: '127.0.0.1' }) as Server
    cleanups.push(() => closeHttpServer(honoServer))

    for (const base of [await loopbackUrl(expressServer), fastifyUrl, await loopbackUrl(honoServer)]) {
      const response = await fetch(`${base}/metrics`)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toContain('text/plain; version=0.0.4')
      expect(response.headers.get('cache-control')).toBe('no-store')
      const parsed = parseExposition(await response.text())
      expect(
        parsed.find(PROMETHEUS_METRIC_NAMES.operations, { cache: 'prom-http', layer: 'l1', result: 'hit' }),
      ).toBe(3)
    }
  })
})

describe('loader events in both exporters', () => {
  it('count loads, loader errors and expired copies served, by cache and event', async () => {
    const clock = new FakeClock()
    const service = openService({ l2Url: redis.server.url, invalidation: 'none' }, { clock })
    const cache = service.createCache({ l2KeyPrefix: 'loader-events', l1Enabled: true })
    await cache.getOrSet('k', () => 'v', { ttl: 10, grace: '1h' })
    clock.advance(11_000)
    expect(
      await cache.getOrSet(
        'k',
        () => {
          throw new Error('down')
        },
        { grace: '1h' },
      ),
    ).toBe('v')

    const prometheus = createPrometheusMetrics(service)
    cleanups.push(() => prometheus.close())
    const { body } = await prometheus.scrape()
    const series = PROMETHEUS_METRIC_NAMES.loaderEvents
    expect(body).toContain(`${series}{cache="loader-events",event="load"} 2`)
    expect(body).toContain(`${series}{cache="loader-events",event="error"} 1`)
    expect(body).toContain(`${series}{cache="loader-events",event="stale_served"} 1`)
    expect(body).toContain(`${series}{cache="loader-events",event="hard_timeout"} 0`)

    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 })
    const meterProvider = new MeterProvider({ readers: [reader] })
    cleanups.push(() => meterProvider.shutdown())
    const instrumentation = instrumentOpenTelemetry(service, { meterProvider })
    cleanups.push(() => instrumentation.close())
    await reader.forceFlush()
    const metric = exporter
      .getMetrics()
      .at(-1)
      ?.scopeMetrics.flatMap((scope) => scope.metrics)
      .find((candidate) => candidate.descriptor.name === OTEL_METRIC_NAMES.loaderEvents)
    const stale = metric?.dataPoints.find((point) => point.attributes.event === 'stale_served')
    expect(stale?.value).toBe(1)
  })
})
