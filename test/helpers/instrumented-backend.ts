/**
 * An L2 backend that wraps the real `redis` backend and records the commands the cache sends through
 * it: how many of each were started, and how many PINGs (probes) were in flight at once. Registered
 * through the public `registerL2Backend`, as an application's own backend would be.
 *
 * Deliberately free of Vitest imports: the chaos report runs it through tsx.
 */
import type { L2Backend, L2BackendOptions } from '../../src/backends/l2/l2-backend.js'
import { redisL2Backend } from '../../src/backends/l2/redis/redis-backend.js'
import { registerL2Backend } from '../../src/backends/l2/registry.js'

/** What an instrumented backend has seen. */
export interface L2CommandLog {
  /** Commands started, by operation (`get`, `set`, `delete`, `ping`, ...). */
  readonly started: Record<string, number>
  /** PINGs in flight now, and the most ever in flight at once. */
  pingsInFlight: number
  maxPingsInFlight: number
  /** Called as each command starts; a test may set it to watch the order of events. */
  onStart: ((operation: string) => void) | undefined
  /** Awaited before each GET is sent: a test holds a read in flight with it. */
  beforeGet: (() => Promise<void>) | undefined
  /** Makes PUBLISH fail (as if that one command met a dead connection). */
  failPublish: boolean
  /** How many backends the service asked the factory for (each opens a connection). */
  backendsCreated: number
}

let registered = 0

/** Registers a fresh instrumented backend; pass `name` as the service's `l2Backend`. */
export function registerInstrumentedBackend(): { name: string; log: L2CommandLog } {
  const name = `instrumented-redis-${++registered}`
  const log: L2CommandLog = {
    started: {},
    pingsInFlight: 0,
    maxPingsInFlight: 0,
    onStart: undefined,
    beforeGet: undefined,
    failPublish: false,
    backendsCreated: 0,
  }
  registerL2Backend(name, (options: L2BackendOptions) => {
    log.backendsCreated++
    return instrument(redisL2Backend(options), log)
  })
  return { name, log }
}

function instrument(inner: L2Backend, log: L2CommandLog): L2Backend {
  const counted = <A extends unknown[], R>(operation: string, call: (...args: A) => Promise<R>) => {
    return async (...args: A): Promise<R> => {
      log.started[operation] = (log.started[operation] ?? 0) + 1
      log.onStart?.(operation)
      if (operation !== 'ping') return call(...args)
      log.pingsInFlight++
      log.maxPingsInFlight = Math.max(log.maxPingsInFlight, log.pingsInFlight)
      try {
        return await call(...args)
      } finally {
        log.pingsInFlight--
      }
    }
  }
  return {
    name: inner.name,
    get status() {
      return inner.status
    },
    readiness: () => inner.readiness(),
    onReady: (listener) => inner.onReady(listener),
    close: () => inner.close(),
    get: counted('get', async (key) => {
      await log.beforeGet?.()
      return inner.get(key)
    }),
    set: counted('set', (key, value, ttlMs) => inner.set(key, value, ttlMs)),
    setIfNotExist: counted('setIfNotExist', (key, value, ttlMs) => inner.setIfNotExist(key, value, ttlMs)),
    delete: counted('delete', (keys) => inner.delete(keys)),
    exists: counted('exists', (key) => inner.exists(key)),
    remainingTtlMs: counted('remainingTtlMs', (key) => inner.remainingTtlMs(key)),
    scan: counted('scan', (cursor, match, count) => inner.scan(cursor, match, count)),
    ping: counted('ping', () => inner.ping()),
    publish: counted('publish', async (channel: string, message: string) => {
      if (log.failPublish) throw new Error('PUBLISH failed (instrumented)')
      return (inner.publish as NonNullable<L2Backend['publish']>)(channel, message)
    }),
    subscribe: (channel, listener) =>
      (inner.subscribe as NonNullable<L2Backend['subscribe']>)(channel, listener),
    track: (prefix, listener) => (inner.track as NonNullable<L2Backend['track']>)(prefix, listener),
  }
}
