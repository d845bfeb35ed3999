/**
 * Failover under load: a primary of a Redis Cluster, or the primary Sentinel watches, is killed
 * (SIGKILL) while two services use it, and Redis promotes a replica. What the cache must do: no call
 * throws; reads keep coming from L1 while the part of the data that lost its primary has none; reads
 * come from the new primary once Redis has promoted it, without a restart; and once the writer's
 * repair is replayed, no read returns a value that a resolved write had replaced.
 *
 * Deliberately free of Vitest imports, like scenarios.ts.
 */
import { setTimeout as delay } from 'node:timers/promises'
import { hashSlot } from '../../src/backends/l2/redis/cluster/slots.js'
import type { CacheFactoryConfigOptions } from '../../src/config/options.js'
import { CacheService } from '../../src/index.js'
import { encodeInvalidation, INVALIDATION_CHANNEL } from '../../src/invalidation/invalidation-message.js'
import { silentLogger } from '../../src/kernel/logger.js'
import type { ClusterNodeView, RedisCluster } from '../helpers/redis-cluster.js'
import type { RedisSentinelSet } from '../helpers/redis-sentinel.js'
import { pollUntil, startLoad, type VersionedValue, writerAndReader } from './load.js'

/** What a failover scenario measured. Times are milliseconds. */
export interface FailoverReport {
  scenario: string
  /** Cache calls made over the whole run, and how many threw (the promise: none). */
  calls: number
  threw: number
  errors: unknown[]
  /** Reads started after recovery (see {@link FailoverReport.recovered}) that returned a replaced value. */
  staleReads: number
  /** The same, for reads started before: the reader's L1 while it could not know. Shows the oracle works. */
  staleBeforeRecovery: number
  /** Reads of keys of the killed primary that returned a value while Redis had no primary for them. */
  servedWhileNoPrimary: number
  /** From the kill to Redis reporting the replica promoted. */
  redisFailoverMs: number
  /** From the kill to the first read served by L2 from the new primary. */
  firstReadFromNewPrimaryMs: number | undefined
  /**
   * From Redis reporting the replica promoted (every node agreeing, as the harness polls it) to that
   * first read; negative when the cache got there before the harness saw every node agree.
   */
  afterPromotionMs: number | undefined
  /** From the kill to the writer's journal replayed and both services' breakers closed. */
  recoveredMs: number | undefined
  recovered: boolean
  writerRepaired: boolean
  /** Keys the writer changed during the failover that L2 holds in an older version afterwards. */
  staleInL2: number
}

/** How a scenario drives one kind of deployment. */
interface Deployment {
  scenario: string
  config: CacheFactoryConfigOptions
  /**
   * Chooses the primary to kill, once both services listen on the bus; resolves whether a full L2 key
   * lives on it.
   */
  chooseVictim(): Promise<(fullKey: string) => boolean>
  /** Kills the chosen primary; `failedOver` resolves once Redis reports the replica promoted. */
  killPrimary(): Promise<{ failedOver: Promise<void> }>
  /** Publishes `message` on `channel` from every running data node; resolves how many. */
  publishEverywhere(channel: string, message: string): Promise<number>
}

/** Options of the failover scenarios. */
export interface FailoverOptions {
  /** `l2CommandTimeout` of the services, ms. @default 250 */
  commandTimeoutMs?: number
}

const KEYS = 200
const THRESHOLD = 3
/** Far longer than any scenario: recovery must come from probes and topology changes. */
const BREAKER_TIMEOUT_S = 60
const RECOVERY_LIMIT_MS = 20_000
const WARM_MS = 200
/** Reads kept going after recovery, to catch stale ones. */
const AFTER_MS = 1000

const keyName = (index: number) => `user_${index}`
const randomKey = () => keyName(Math.floor(Math.random() * KEYS))

const until = (condition: () => boolean, limitMs = RECOVERY_LIMIT_MS) => pollUntil(condition, limitMs)

/**
 * A Redis Cluster loses a primary that has a replica. It is one that no bus subscriber listens on: a
 * subscriber whose node dies moves to another node at once and drops its L1 (messages may have been
 * missed), which would leave nothing for the reader to serve from L1 during the failover.
 */
export async function clusterPrimaryKilled(
  cluster: RedisCluster,
  options: FailoverOptions = {},
): Promise<FailoverReport> {
  let victim: ClusterNodeView | undefined
  return failoverUnderLoad(
    {
      scenario: 'Redis Cluster: a primary killed (SIGKILL), its replica promoted',
      config: { l2Mode: 'cluster', l2ClusterNodes: cluster.seeds },
      async chooseVictim() {
        const listening = async () => {
          const ports: number[] = []
          for (const port of cluster.livePorts) {
            const clients = await cluster.server(port).command('CLIENT', 'LIST')
            for (const line of clients.split('\n')) if (/ sub=[1-9]/.test(line)) ports.push(port)
          }
          return ports
        }
        let subscribers = await listening()
        const deadline = performance.now() + RECOVERY_LIMIT_MS
        while (subscribers.length < 2 && performance.now() < deadline) {
          await delay(10)
          subscribers = await listening()
        }
        const candidates = await cluster.mastersWithReplica()
        victim = candidates.find((node) => !subscribers.includes(node.port)) ?? candidates[0]
        const chosen = victim
        if (chosen === undefined) throw new Error('the cluster has no primary with a replica left')
        return (fullKey) => {
          const slot = hashSlot(fullKey)
          return chosen.slots.some(([from, to]) => slot >= from && slot <= to)
        }
      },
      async killPrimary() {
        if (victim === undefined) throw new Error('no victim chosen')
        const dead = victim.port
        const heir = await cluster.killMaster(dead)
        return { failedOver: cluster.waitForFailover(dead, heir, RECOVERY_LIMIT_MS) }
      },
      async publishEverywhere(channel, message) {
        const ports = cluster.livePorts
        for (const port of ports) await cluster.server(port).command('PUBLISH', channel, message)
        return ports.length
      },
    },
    options,
  )
}

/** The primary Sentinel watches is killed; Sentinel promotes the replica. */
export async function sentinelPrimaryKilled(
  set: RedisSentinelSet,
  options: FailoverOptions = {},
): Promise<FailoverReport> {
  return failoverUnderLoad(
    {
      scenario: 'Sentinel: the primary killed (SIGKILL), the replica promoted',
      config: { l2Mode: 'sentinel', l2Sentinels: set.sentinels, l2SentinelName: set.name },
      // One primary holds every key.
      chooseVictim: async () => () => true,
      async killPrimary() {
        const { heirPort } = await set.killMaster()
        return { failedOver: set.waitForFailover(heirPort, RECOVERY_LIMIT_MS) }
      },
      async publishEverywhere(channel, message) {
        await set.server(await set.masterPort()).command('PUBLISH', channel, message)
        return 1
      },
    },
    options,
  )
}

/**
 * Service A writes, service B reads with L1 on (and a probe cache without L1 on B reads a key of the
 * killed primary, to tell when the new primary serves). The primary is killed; A keeps writing until
 * B reads from the new primary; then the run waits for recovery: A's journal replayed, both breakers
 * closed, and every bus message published before delivered to B (a marker published on every node
 * after them arrived: each node forwards its messages in order). Reads started after that are judged.
 */
async function failoverUnderLoad(deployment: Deployment, options: FailoverOptions): Promise<FailoverReport> {
  const config = {
    ...deployment.config,
    l2CommandTimeout: `${options.commandTimeoutMs ?? 250}ms`,
    circuitBreakerThreshold: THRESHOLD,
    circuitBreakerTimeout: BREAKER_TIMEOUT_S,
    logger: silentLogger,
  } satisfies CacheFactoryConfigOptions
  const serviceA = new CacheService(config)
  const serviceB = new CacheService(config)
  try {
    const { writer, reader, probe, ledger, recorder, write, seed } = writerAndReader(serviceA, serviceB, KEYS)
    await seed(keyName)
    const onVictim = await deployment.chooseVictim()
    let beaconIndex = 0
    while (!onVictim(`probe::beacon${beaconIndex}`)) beaconIndex++
    const beacon = `beacon${beaconIndex}`
    await probe.set(beacon, { key: beacon, seq: 0 })

    let killedAt = Number.POSITIVE_INFINITY
    let promotedAt = Number.POSITIVE_INFINITY
    let firstReadFromNewPrimaryAt: number | undefined
    let settledAt = Number.POSITIVE_INFINITY
    let staleReads = 0
    let staleBeforeRecovery = 0
    let servedWhileNoPrimary = 0
    const load = startLoad(4, async (worker) => {
      if (worker === 0) {
        const startedAt = performance.now()
        const value = await recorder.time('get', () => probe.get(beacon))
        if (value !== undefined && startedAt > killedAt) firstReadFromNewPrimaryAt ??= performance.now()
        return
      }
      const key = randomKey()
      const startedAt = performance.now()
      const value = await recorder.time('get', () => reader.get(key))
      const endedAt = performance.now()
      if (value !== undefined && startedAt > killedAt && endedAt < promotedAt) {
        if (onVictim(`users::${key}`)) servedWhileNoPrimary++
      }
      if (!ledger.isStale(key, value, startedAt)) return
      if (startedAt > settledAt) staleReads++
      else staleBeforeRecovery++
    })

    await delay(WARM_MS)
    recorder.enter('fault')
    const { failedOver } = await deployment.killPrimary()
    // From here on the primary's process has exited: no read started later can be answered by it.
    killedAt = performance.now()
    const changed = new Set<string>()
    let writing = true
    const writerLoop = (async () => {
      for (let step = 0; writing; step++) {
        const key = randomKey()
        changed.add(key)
        await write(key, step % 4 === 3)
        await delay(1)
      }
    })()
    await failedOver
    promotedAt = performance.now()
    const servedByNewPrimary = await until(() => firstReadFromNewPrimaryAt !== undefined)
    writing = false
    await writerLoop
    recorder.enter('after')

    const breakersClosed = () =>
      serviceA.getStats().l2.circuitBreaker.state === 'closed' &&
      serviceB.getStats().l2.circuitBreaker.state === 'closed'
    const repaired = await until(() => writer.getStats().l2.pendingRepairs === 0 && breakersClosed())
    const recoveredAt = performance.now()
    // The bus barrier: a marker from every node, after the writer's last announcement.
    const receivedBefore = reader.getStats().invalidation.messagesReceived
    const markers = await deployment.publishEverywhere(
      INVALIDATION_CHANNEL,
      encodeInvalidation({ sender: 'failover-scenario', cache: 'users', keys: ['__marker__'] }),
    )
    const delivered = await until(
      () => reader.getStats().invalidation.messagesReceived >= receivedBefore + markers,
    )
    settledAt = performance.now()
    await delay(AFTER_MS)
    await load.stop()

    // Every key the writer changed reads as it left it (or as a miss) on both services, and in L2.
    const direct = new CacheService(config)
    let staleInL2 = 0
    try {
      const l2Only = direct.createCache<VersionedValue>({ l2KeyPrefix: 'users' })
      for (const key of changed) {
        const startedAt = performance.now()
        if (ledger.isStale(key, await recorder.time('get', () => reader.get(key)), startedAt)) staleReads++
        if (ledger.isStale(key, await recorder.time('get', () => writer.get(key)), startedAt)) staleReads++
        if (ledger.isStale(key, await l2Only.get(key), startedAt)) staleInL2++
      }
    } finally {
      await direct.close()
    }

    const recovered = servedByNewPrimary && repaired && delivered
    return {
      scenario: deployment.scenario,
      calls: recorder.calls,
      threw: recorder.threw,
      errors: recorder.errors,
      staleReads,
      staleBeforeRecovery,
      servedWhileNoPrimary,
      redisFailoverMs: promotedAt - killedAt,
      firstReadFromNewPrimaryMs:
        firstReadFromNewPrimaryAt === undefined ? undefined : firstReadFromNewPrimaryAt - killedAt,
      afterPromotionMs:
        firstReadFromNewPrimaryAt === undefined ? undefined : firstReadFromNewPrimaryAt - promotedAt,
      recoveredMs: repaired ? recoveredAt - killedAt : undefined,
      recovered,
      writerRepaired: writer.getStats().l2.repairs > 0,
      staleInL2,
    }
  } finally {
    await Promise.all([serviceA.close(), serviceB.close()])
  }
}
