/**
 * Fault scenarios against real redis-server processes: each starts its own server (and proxy), drives
 * load through real `CacheService`s while it injects a fault, and returns what it measured. The fault
 * tests assert on these reports; `npm run chaos` prints them as a table.
 *
 * Deliberately free of Vitest imports: the chaos report runs them through tsx.
 */
import { setTimeout as delay } from 'node:timers/promises'
import { Redis } from 'ioredis'
import type { CacheFactoryConfigOptions } from '../../src/config/options.js'
import { CacheService } from '../../src/index.js'
import { type Logger, silentLogger } from '../../src/kernel/logger.js'
import { type L2CommandLog, registerInstrumentedBackend } from '../helpers/instrumented-backend.js'
import { RedisServer } from '../helpers/redis-server.js'
import { TcpProxy } from '../helpers/tcp-proxy.js'
import {
  type LatencySummary,
  LoadRecorder,
  pollUntil,
  startLoad,
  type VersionedValue,
  WriteLedger,
  writerAndReader,
} from './load.js'

/** What a scenario measured. Latencies are of the calls started while the fault lasted. */
export interface ScenarioReport {
  scenario: string
  get: LatencySummary
  set: LatencySummary
  /** Cache calls made over the whole run. */
  calls: number
  /** Cache calls that threw or rejected (the promise: zero). */
  threw: number
  /** The first few exceptions, for a failure message. */
  errors: unknown[]
  /** Reads that returned data a resolved write had replaced, after the reader recovered (the promise: zero). */
  staleReads: number
  /** From Redis accepting connections again to the first read served by L2; `undefined` if none came. */
  recoveryMs: number | undefined
  /** Scenario-specific observations, for assertions and the report. */
  facts: Record<string, number | boolean>
}

/** Knobs shared by the scenarios. */
export interface ScenarioOptions {
  /** `l2CommandTimeout` of the services, ms. @default 250 */
  commandTimeoutMs?: number
  /** How long the fault lasts, ms. @default 1500 */
  faultMs?: number
  /** Logger of the services. @default silent */
  logger?: Logger
}

const KEYS = 200
/** Far longer than any scenario: recovery must come from the probe and reconnection, not the timeout. */
const BREAKER_TIMEOUT_S = 60
const THRESHOLD = 3
/** How long recovery may take before the scenario gives up (it then reports `recoveryMs: undefined`). */
const RECOVERY_LIMIT_MS = 10_000
/** Load kept running after recovery, to catch stale reads. */
const AFTER_MS = 500
/** Load before the fault, so that the fault hits calls in flight. */
const WARM_MS = 200

const keyName = (index: number) => `user_${index}`
const randomKey = () => keyName(Math.floor(Math.random() * KEYS))

function serviceConfig(url: string, options: ScenarioOptions, extra: CacheFactoryConfigOptions = {}) {
  return {
    l2Url: url,
    l2CommandTimeout: `${options.commandTimeoutMs ?? 250}ms`,
    circuitBreakerThreshold: THRESHOLD,
    circuitBreakerTimeout: BREAKER_TIMEOUT_S,
    logger: options.logger ?? silentLogger,
    ...extra,
  } satisfies CacheFactoryConfigOptions
}

/** Resolves once `condition` holds, polling every 5 ms; false after `limitMs`. */
const until = (condition: () => boolean, limitMs = RECOVERY_LIMIT_MS) => pollUntil(condition, limitMs)

/** Runs `body` with a fresh redis-server and whatever it registers for cleanup, then tears all down. */
async function withRedis<T>(
  body: (server: RedisServer, cleanup: Array<() => Promise<unknown>>) => Promise<T>,
): Promise<T> {
  const server = new RedisServer()
  await server.start()
  const cleanup: Array<() => Promise<unknown>> = []
  try {
    return await body(server, cleanup)
  } finally {
    for (const step of cleanup.reverse()) await step().catch(() => undefined)
    await server.stop()
  }
}

function report(
  scenario: string,
  recorder: LoadRecorder,
  fields: { staleReads?: number; recoveryMs?: number | undefined; facts?: ScenarioReport['facts'] },
): ScenarioReport {
  const get = recorder.latency('fault', 'get')
  const set = recorder.latency('fault', 'set')
  return {
    scenario,
    get,
    set,
    calls: recorder.calls,
    threw: recorder.threw,
    errors: recorder.errors,
    staleReads: fields.staleReads ?? 0,
    recoveryMs: fields.recoveryMs,
    facts: fields.facts ?? {},
  }
}

/**
 * Redis hangs mid-load (SIGSTOP, or a network black hole through the proxy) and comes back.
 * Facts: `breakerOpened`; `commandsWhileOpen` (ordinary L2 commands started while the breaker was
 * open: must be 0); `maxWhileOpenMs` (slowest call started while open); `timeouts`.
 */
export async function hungRedis(
  options: ScenarioOptions & { via?: 'sigstop' | 'blackhole' } = {},
): Promise<ScenarioReport> {
  const via = options.via ?? 'sigstop'
  return withRedis(async (server, cleanup) => {
    const proxy = await TcpProxy.start(server.port)
    cleanup.push(() => proxy.close())
    const instrumented = registerInstrumentedBackend()
    const service = new CacheService(serviceConfig(proxy.url, options, { l2Backend: instrumented.name }))
    cleanup.push(() => service.close())
    const users = service.createCache<VersionedValue>({ l2KeyPrefix: 'users', l1Enabled: true })
    const probe = service.createCache<VersionedValue>({ l2KeyPrefix: 'probe' })
    const recorder = new LoadRecorder()
    for (let index = 0; index < KEYS / 2; index++)
      await users.set(keyName(index), { key: keyName(index), seq: 0 })
    await probe.set('beacon', { key: 'beacon', seq: 0 })

    const commandsWhileOpen = countCommandsWhileOpen(service, instrumented.log)
    let openedAt: number | undefined
    service.on('breaker:open', () => {
      openedAt ??= performance.now()
    })
    const recovery = new RecoveryClock()
    const load = startLoad(4, async (worker) => {
      if (worker === 0) {
        await recovery.readBeacon(recorder, probe)
        return
      }
      const key = randomKey()
      if (worker === 1) await recorder.time('set', () => users.set(key, { key, seq: 1 }))
      else await recorder.time('get', () => users.get(key))
    })

    await delay(WARM_MS)
    recorder.enter('fault')
    if (via === 'sigstop') await server.pause()
    else proxy.setMode('blackhole')
    await delay(options.faultMs ?? 1500)
    const resumingAt = performance.now()
    if (via === 'sigstop') await server.resume()
    else proxy.setMode('pass')
    recovery.serverBack()
    recorder.enter('after')
    const whileOpen = recorder.latencyWithin(openedAt ?? resumingAt, resumingAt, 'get')
    const whileOpenSet = recorder.latencyWithin(openedAt ?? resumingAt, resumingAt, 'set')
    await until(() => recovery.ms !== undefined)
    await delay(AFTER_MS)
    await load.stop()

    const stats = service.getStats()
    return report(`Redis hung (${via === 'sigstop' ? 'SIGSTOP' : 'network black hole'})`, recorder, {
      recoveryMs: recovery.ms,
      facts: {
        breakerOpened: openedAt !== undefined,
        commandsWhileOpen: commandsWhileOpen(),
        maxWhileOpenMs: Math.max(whileOpen.max, whileOpenSet.max),
        callsWhileOpen: whileOpen.count + whileOpenSet.count,
        timeouts: stats.caches.users?.l2.timeouts ?? 0,
        maxPingsInFlight: instrumented.log.maxPingsInFlight,
      },
    })
  })
}

/**
 * Redis is killed (SIGKILL, or SHUTDOWN) mid-load and restarted empty on the same port, with two
 * services on it: A writes (updates half the keys and deletes a quarter during the outage), B reads
 * all the time with L1 on. `staleReads` counts B's reads, started after B recovered, that returned a
 * value A had replaced or deleted. Facts: `staleDuringOutage` (B's L1 answers while it could not
 * know), `writerRepaired`, `readerResynced`, `keysLeftInL2` (keys A changed that L2 still holds).
 */
export async function killedAndRestarted(
  options: ScenarioOptions & { stop?: 'kill' | 'shutdown' } = {},
): Promise<ScenarioReport> {
  const stop = options.stop ?? 'kill'
  return withRedis(async (server, cleanup) => {
    const serviceA = new CacheService(serviceConfig(server.url, options))
    const serviceB = new CacheService(serviceConfig(server.url, options))
    cleanup.push(
      () => serviceA.close(),
      () => serviceB.close(),
    )
    const { writer, reader, probe, ledger, recorder, write, seed } = writerAndReader(serviceA, serviceB, KEYS)
    await seed(keyName)
    await probe.set('beacon', { key: 'beacon', seq: 0 })
    const beaconBytes = await withRawClient(server, (raw) => raw.getBuffer('probe::beacon'))

    let readerRecoveredAt = Number.POSITIVE_INFINITY
    let faultStartedAt = Number.POSITIVE_INFINITY
    serviceB.on('resync', () => {
      if (performance.now() > faultStartedAt)
        readerRecoveredAt = Math.min(readerRecoveredAt, performance.now())
    })
    let staleReads = 0
    let staleDuringOutage = 0
    const recovery = new RecoveryClock()
    const load = startLoad(4, async (worker) => {
      if (worker === 0) {
        await recovery.readBeacon(recorder, probe)
        return
      }
      const key = randomKey()
      const startedAt = performance.now()
      const value = await recorder.time('get', () => reader.get(key))
      if (!ledger.isStale(key, value, startedAt)) return
      if (startedAt > readerRecoveredAt) staleReads++
      else staleDuringOutage++
    })

    await delay(WARM_MS)
    recorder.enter('fault')
    faultStartedAt = performance.now()
    await (stop === 'kill' ? server.kill() : server.shutdown())
    const changed: string[] = []
    for (let index = 0; index < (KEYS * 3) / 4; index++) {
      changed.push(keyName(index))
      await write(keyName(index), index >= KEYS / 2)
    }
    await delay(options.faultMs ?? 1500)
    await server.restart()
    recovery.serverBack()
    // An empty server: put the probe's entry back, as a warm replica would have it.
    if (beaconBytes !== null) await withRawClient(server, (raw) => raw.set('probe::beacon', beaconBytes))
    recorder.enter('after')
    const recovered = await until(
      () =>
        recovery.ms !== undefined &&
        Number.isFinite(readerRecoveredAt) &&
        writer.getStats().l2.pendingRepairs === 0 &&
        writer.getStats().l2.circuitBreaker.state === 'closed',
    )
    await delay(AFTER_MS)
    await load.stop()

    // Every key A changed during the outage reads as A left it (or as a miss) on both instances.
    for (const key of changed) {
      const startedAt = performance.now()
      if (ledger.isStale(key, await recorder.time('get', () => reader.get(key)), startedAt)) staleReads++
      if (ledger.isStale(key, await recorder.time('get', () => writer.get(key)), startedAt)) staleReads++
    }
    const keysLeftInL2 = await withRawClient(server, (raw) =>
      raw.exists(...changed.map((key) => `users::${key}`)),
    )
    return report(`Redis ${stop === 'kill' ? 'killed (SIGKILL)' : 'shut down'}, restarted empty`, recorder, {
      staleReads,
      recoveryMs: recovery.ms,
      facts: {
        recovered,
        staleDuringOutage,
        writerRepaired: writer.getStats().l2.repairs > 0,
        readerResynced: reader.getStats().l1.resyncs > 0,
        keysLeftInL2,
      },
    })
  })
}

/**
 * Redis flaps: the proxy refuses connections and lets them through in turn, every `flapMs`, while one
 * service writes new keys and reads them back. Facts: `maxPingsInFlight` (probes at once: must be 1 or
 * less), `maxPendingRepairs` (must stay within `journalBound`), `finalPendingRepairs`, `breakerOpens`.
 */
export async function flappingRedis(
  options: ScenarioOptions & { flapMs?: number; journalMaxEntries?: number } = {},
): Promise<ScenarioReport> {
  const flapMs = options.flapMs ?? 250
  const journalMaxEntries = options.journalMaxEntries ?? 50
  return withRedis(async (server, cleanup) => {
    const proxy = await TcpProxy.start(server.port)
    cleanup.push(() => proxy.close())
    const instrumented = registerInstrumentedBackend()
    const service = new CacheService(
      serviceConfig(proxy.url, options, {
        l2Backend: instrumented.name,
        repairJournalMaxEntries: journalMaxEntries,
      }),
    )
    cleanup.push(() => service.close())
    const cache = service.createCache<VersionedValue>({ l2KeyPrefix: 'flap', l1Enabled: true })
    const probe = service.createCache<VersionedValue>({ l2KeyPrefix: 'flap-probe' })
    await probe.set('beacon', { key: 'beacon', seq: 0 })
    const ledger = new WriteLedger()
    const recorder = new LoadRecorder()
    let breakerOpens = 0
    service.on('breaker:open', () => breakerOpens++)
    let maxPendingRepairs = 0
    let staleReads = 0
    let written = 0
    const recovery = new RecoveryClock()
    const load = startLoad(4, async (worker) => {
      if (worker === 3) {
        await recovery.readBeacon(recorder, probe)
        return
      }
      if (worker < 2) {
        // New keys all the time, so that a long outage would overflow the journal.
        const key = `k${written++}`
        const seq = ledger.nextSeq()
        await recorder.time('set', () => cache.set(key, { key, seq }))
        ledger.resolved(key, seq)
      } else {
        const key = `k${Math.max(0, written - 1 - Math.floor(Math.random() * 20))}`
        const startedAt = performance.now()
        if (ledger.isStale(key, await recorder.time('get', () => cache.get(key)), startedAt)) staleReads++
      }
      maxPendingRepairs = Math.max(maxPendingRepairs, cache.getStats().l2.pendingRepairs)
    })

    await delay(WARM_MS)
    recorder.enter('fault')
    const flaps = Math.max(2, Math.round((options.faultMs ?? 1500) / flapMs / 2))
    for (let flap = 1; ; flap++) {
      proxy.setMode('refuse')
      await delay(flapMs)
      proxy.setMode('pass')
      if (flap === flaps) break
      await delay(flapMs)
    }
    recovery.serverBack()
    recorder.enter('after')
    const recovered = await until(
      () =>
        recovery.ms !== undefined &&
        cache.getStats().l2.pendingRepairs === 0 &&
        cache.getStats().l2.circuitBreaker.state === 'closed',
    )
    await delay(AFTER_MS)
    await load.stop()
    return report(`Redis flapping (every ${flapMs} ms)`, recorder, {
      staleReads,
      recoveryMs: recovery.ms,
      facts: {
        recovered,
        breakerOpens,
        maxPingsInFlight: instrumented.log.maxPingsInFlight,
        maxPendingRepairs,
        journalBound: journalMaxEntries + 1,
        finalPendingRepairs: cache.getStats().l2.pendingRepairs,
      },
    })
  })
}

/**
 * Redis is unreachable when the service starts (the proxy refuses), then comes up. The entries seeded
 * before are updated or deleted while it is down. Facts: `keysLeftInL2` (old entries still in L2
 * after the repair: must be 0), `writeReachedL2` (a set after recovery is in Redis), `repaired`.
 */
export async function downAtStartup(options: ScenarioOptions = {}): Promise<ScenarioReport> {
  return withRedis(async (server, cleanup) => {
    const seeder = new CacheService(serviceConfig(server.url, options))
    const seeded = seeder.createCache<VersionedValue>({ l2KeyPrefix: 'users' })
    const ledger = new WriteLedger()
    for (let index = 0; index < KEYS; index++) {
      const key = keyName(index)
      const seq = ledger.nextSeq()
      await seeded.set(key, { key, seq })
      ledger.resolved(key, seq)
    }
    await seeder
      .createCache<VersionedValue>({ l2KeyPrefix: 'probe' })
      .set('beacon', { key: 'beacon', seq: 0 })
    await seeder.close()

    const proxy = await TcpProxy.start(server.port)
    cleanup.push(() => proxy.close())
    proxy.setMode('refuse')
    const service = new CacheService(serviceConfig(proxy.url, options))
    cleanup.push(() => service.close())
    const users = service.createCache<VersionedValue>({ l2KeyPrefix: 'users', l1Enabled: true })
    const probe = service.createCache<VersionedValue>({ l2KeyPrefix: 'probe' })
    const recorder = new LoadRecorder()
    let staleReads = 0
    const recovery = new RecoveryClock()
    const load = startLoad(3, async (worker) => {
      if (worker === 0) {
        await recovery.readBeacon(recorder, probe)
        return
      }
      const key = randomKey()
      const startedAt = performance.now()
      if (ledger.isStale(key, await recorder.time('get', () => users.get(key)), startedAt)) staleReads++
    })

    recorder.enter('fault')
    const changed: string[] = []
    for (let index = 0; index < KEYS / 2; index++) {
      const key = keyName(index)
      changed.push(key)
      const seq = ledger.nextSeq()
      if (index % 2 === 0) await recorder.time('set', () => users.set(key, { key, seq }))
      else await recorder.time('delete', () => users.delete(key))
      ledger.resolved(key, seq)
    }
    await delay(options.faultMs ?? 1500)
    proxy.setMode('pass')
    recovery.serverBack()
    recorder.enter('after')
    const recovered = await until(() => recovery.ms !== undefined && users.getStats().l2.pendingRepairs === 0)
    await delay(AFTER_MS)
    await load.stop()

    const keysLeftInL2 = await withRawClient(server, (raw) =>
      raw.exists(...changed.map((key) => `users::${key}`)),
    )
    await users.set('after-recovery', { key: 'after-recovery', seq: 0 })
    return report('Redis down at start-up, up later', recorder, {
      staleReads,
      recoveryMs: recovery.ms,
      facts: {
        recovered,
        repaired: users.getStats().l2.repairs > 0,
        keysLeftInL2,
        writeReachedL2: (await withRawClient(server, (raw) => raw.exists('users::after-recovery'))) === 1,
      },
    })
  })
}

/**
 * Redis answers slowly through the proxy: first with a round trip of half `l2CommandTimeout` (every
 * call must succeed), then above it (calls are cut at the timeout and the breaker opens), then fast
 * again. Facts: `timeoutsBelow` (must be 0), `wrongReadsBelow` (must be 0), `breakerOpenedAbove`.
 * Latencies are of the "above" phase.
 */
export async function slowRedis(options: ScenarioOptions = {}): Promise<ScenarioReport> {
  const commandTimeoutMs = options.commandTimeoutMs ?? 400
  return withRedis(async (server, cleanup) => {
    const proxy = await TcpProxy.start(server.port)
    cleanup.push(() => proxy.close())
    const service = new CacheService(serviceConfig(proxy.url, { ...options, commandTimeoutMs }))
    cleanup.push(() => service.close())
    const cache = service.createCache<VersionedValue>({ l2KeyPrefix: 'slow' })
    for (let index = 0; index < 20; index++)
      await cache.set(keyName(index), { key: keyName(index), seq: index })
    const recorder = new LoadRecorder()
    let wrongReadsBelow = 0
    const recovery = new RecoveryClock()
    const load = startLoad(3, async (worker) => {
      const index = Math.floor(Math.random() * 20)
      const key = keyName(index)
      if (worker === 0) {
        await recorder.time('set', () => cache.set(key, { key, seq: index }))
        return
      }
      const window = recorder.window
      const value = await recorder.time('get', () => cache.get(key))
      const wholeCallBelow = window === 'below' && recorder.window === 'below'
      if (wholeCallBelow && value?.seq !== index) wrongReadsBelow++
      if (window === 'after') recovery.onRead(value !== undefined)
    })

    // Each way: 25% of the timeout (a round trip of 50%, leaving room for a loaded machine's jitter),
    // then 75% (150%).
    recorder.enter('below')
    proxy.latencyMs = commandTimeoutMs * 0.25
    await delay(options.faultMs ?? 1500)
    const timeoutsBelow = cache.getStats().l2.timeouts
    const breakerOpenedBelow = cache.getStats().l2.circuitBreaker.state !== 'closed'
    recorder.enter('fault')
    proxy.latencyMs = commandTimeoutMs * 0.75
    await delay(options.faultMs ?? 1500)
    const breakerOpenedAbove = service.getStats().l2.circuitBreaker.state !== 'closed'
    proxy.latencyMs = 0
    recorder.enter('after')
    recovery.serverBack()
    await until(() => recovery.ms !== undefined)
    await load.stop()
    const below = recorder.latency('below', 'get')
    return report('Redis slow (round trip 0.5x, then 1.5x the timeout)', recorder, {
      recoveryMs: recovery.ms,
      facts: {
        timeoutsBelow,
        breakerOpenedBelow,
        wrongReadsBelow,
        readsBelow: below.count,
        p50BelowMs: below.p50,
        breakerOpenedAbove,
        timeoutsAbove: cache.getStats().l2.timeouts - timeoutsBelow,
      },
    })
  })
}

/**
 * Runs `body` with a plain client connected now. A fresh one each time: a client kept across an
 * outage would reconnect on its own backoff (up to 2 s) and make the scenario measure that.
 */
async function withRawClient<T>(server: RedisServer, body: (raw: Redis) => Promise<T>): Promise<T> {
  const raw = new Redis(server.url)
  try {
    return await body(raw)
  } finally {
    await raw.quit()
  }
}

/** Counts ordinary L2 commands started while the service's breaker is open (probes excluded). */
function countCommandsWhileOpen(service: CacheService, log: L2CommandLog): () => number {
  let open = false
  let count = 0
  service.on('breaker:open', () => {
    open = true
  })
  service.on('breaker:half_open', () => {
    open = false
  })
  log.onStart = (operation) => {
    if (open && operation !== 'ping') count++
  }
  return () => count
}

/** Time from "Redis is back" to the first read served by L2 after it. */
class RecoveryClock {
  #backAt: number | undefined
  ms: number | undefined

  serverBack(): void {
    this.#backAt = performance.now()
  }

  /** One timed read of the L2-only `beacon` key, which counts as the first L2 hit when it returns it. */
  async readBeacon(recorder: LoadRecorder, probe: { get(key: string): Promise<unknown> }): Promise<void> {
    this.onRead((await recorder.time('get', () => probe.get('beacon'))) !== undefined)
  }

  onRead(servedByL2: boolean): void {
    if (servedByL2 && this.#backAt !== undefined && this.ms === undefined) {
      this.ms = performance.now() - this.#backAt
    }
  }
}

/** Every scenario with its default options, in report order. */
export const ALL_SCENARIOS: ReadonlyArray<{
  name: string
  run: (options?: ScenarioOptions) => Promise<ScenarioReport>
}> = [
  { name: 'hung-sigstop', run: (options) => hungRedis({ ...options, via: 'sigstop' }) },
  { name: 'hung-blackhole', run: (options) => hungRedis({ ...options, via: 'blackhole' }) },
  { name: 'killed', run: (options) => killedAndRestarted({ ...options, stop: 'kill' }) },
  { name: 'shutdown', run: (options) => killedAndRestarted({ ...options, stop: 'shutdown' }) },
  { name: 'flapping', run: (options) => flappingRedis(options) },
  { name: 'down-at-startup', run: (options) => downAtStartup(options) },
  { name: 'slow', run: (options) => slowRedis(options) },
]
