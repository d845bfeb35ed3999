import { CacheConfigurationError, CacheConnectionError } from '../../../kernel/errors.js'
import type { Logger } from '../../../kernel/logger.js'
import type { L2ConnectionSettings } from '../connection-settings.js'
import { DeferredL2Backend } from '../deferred-backend.js'
import type {
  L2Backend,
  L2BackendFactory,
  L2BackendOptions,
  L2ChannelListener,
  L2Readiness,
  L2Subscription,
  L2TrackingListener,
} from '../l2-backend.js'
import { clusterClientOptions, sentinelClientOptions, standaloneClientOptions } from './client-options.js'
import { ClusterTopology } from './cluster/cluster-topology.js'
import { isRedisLikeClient, isRedisLikeCluster, type RedisLikeClient } from './redis-client.js'
import {
  importRedisModule,
  type RedisModule,
  type RedisPackageName,
  requireRedisModule,
} from './redis-module.js'
import { reviveWhenEnded } from './revive-ended-client.js'
import { closeClient, type RedisTopology, type RedisTopologyContext, StandaloneTopology } from './topology.js'

/** Deletes KEYS[1] only if it still holds ARGV[1]: releases a lock without touching a successor's. */
const DELETE_IF_EQUALS_SCRIPT =
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end"

/** At most one connection-error log line per this period while Redis stays down. */
const ERROR_LOG_INTERVAL_MS = 10_000

/**
 * L2 on ioredis or iovalkey: one server, a primary behind Sentinel, or a Redis Cluster (what differs is
 * in its {@link RedisTopology}). The client is created here (and closed by `close()`), or passed in as
 * `l2Client` (and then never closed: its owner decides its lifetime).
 */
class RedisBackend implements L2Backend {
  readonly name: string
  readonly #client: RedisLikeClient
  readonly #topology: RedisTopology
  readonly #ownsClient: boolean
  readonly #logger: Logger
  readonly #readyListeners = new Set<() => void>()
  readonly #detach: () => void
  /** Whether commands are refused here while the client is not ready (see `RedisTopology`). */
  readonly #gated: boolean
  #lastErrorLogAt = 0
  #closed = false
  /** Whether the sockets are corked until the end of this tick (see `#batchWrites`). */
  #corked = false

  constructor(
    name: string,
    client: RedisLikeClient,
    createTopology: (context: RedisTopologyContext) => RedisTopology,
    ownsClient: boolean,
    logger: Logger,
  ) {
    this.name = name
    this.#client = client
    this.#ownsClient = ownsClient
    this.#logger = logger
    this.#topology = createTopology({
      logger,
      logConnectionError: (error) => this.#logConnectionError(error),
    })
    this.#gated = this.#topology.gatesCommands
    // Without an 'error' listener the client prints every failed reconnect; we log them, rate-limited.
    const onError = (error: unknown): void => this.#logConnectionError(error)
    client.on('error', onError)
    const stopReady = this.#topology.onReady(() => {
      for (const listener of this.#readyListeners) listener()
    })
    // A client we created must never stay given up; one we were given is its owner's to manage.
    const stopReviving = ownsClient ? reviveWhenEnded(client, () => this.#closed) : () => {}
    this.#detach = () => {
      stopReady()
      stopReviving()
      client.off('error', onError)
    }
  }

  get status(): string {
    return this.#client.status
  }

  readiness(): L2Readiness {
    switch (this.#client.status) {
      case 'ready':
        return 'ready'
      case 'wait':
      case 'connecting':
      case 'connect':
        return 'connecting'
      default:
        return 'down'
    }
  }

  onReady(listener: () => void): () => void {
    this.#readyListeners.add(listener)
    return () => this.#readyListeners.delete(listener)
  }

  get(key: string): Promise<Uint8Array | null> {
    if (this.#gated && this.#client.status !== 'ready') return this.#notReady()
    this.#batchWrites()
    return this.#client.getBuffer(key)
  }

  async getPrefix(key: string, bytes: number): Promise<Uint8Array | null> {
    if (this.#gated && this.#client.status !== 'ready') return this.#notReady()
    const prefix = await this.#client.getrangeBuffer(key, 0, bytes - 1)
    // GETRANGE answers a missing key with an empty string, and no stored value is empty.
    return prefix.length === 0 ? null : prefix
  }

  async set(key: string, value: Uint8Array, ttlMs: number): Promise<void> {
    if (this.#gated && this.#client.status !== 'ready') return this.#notReady()
    this.#batchWrites()
    await this.#client.set(key, asBuffer(value), 'PX', ttlMs)
  }

  async setIfNotExist(key: string, value: Uint8Array, ttlMs: number): Promise<boolean> {
    if (this.#gated && this.#client.status !== 'ready') return this.#notReady()
    this.#batchWrites()
    return (await this.#client.set(key, asBuffer(value), 'PX', ttlMs, 'NX')) === 'OK'
  }

  delete(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return Promise.resolve(0)
    if (this.#gated && this.#client.status !== 'ready') return this.#notReady()
    this.#batchWrites()
    return this.#topology.unlink(keys)
  }

  async exists(key: string): Promise<boolean> {
    if (this.#gated && this.#client.status !== 'ready') return this.#notReady()
    return (await this.#client.exists(key)) > 0
  }

  async remainingTtlMs(key: string): Promise<number | undefined> {
    if (this.#gated && this.#client.status !== 'ready') return this.#notReady()
    const pttl = await this.#client.pttl(key)
    if (pttl === -2) return undefined
    return pttl === -1 ? Number.POSITIVE_INFINITY : pttl
  }

  scan(cursor: string, match: string, count: number): Promise<{ cursor: string; keys: string[] }> {
    if (this.#gated && this.#client.status !== 'ready') return this.#notReady()
    return this.#topology.scan(cursor, match, count)
  }

  ping(): Promise<void> {
    if (this.#gated && this.#client.status !== 'ready') return this.#notReady()
    return this.#topology.ping()
  }

  async deleteIfEquals(key: string, expected: Uint8Array): Promise<boolean> {
    if (this.#gated && this.#client.status !== 'ready') return this.#notReady()
    return (await this.#client.eval(DELETE_IF_EQUALS_SCRIPT, 1, key, asBuffer(expected))) === 1
  }

  async publish(channel: string, message: string): Promise<void> {
    if (this.#gated && this.#client.status !== 'ready') return this.#notReady()
    this.#batchWrites()
    await this.#client.publish(channel, message)
  }

  /**
   * Holds the sockets' writes until the end of this tick, so that the commands of many concurrent
   * calls leave in one write system call per socket instead of one each (ioredis writes each command
   * at once). A lone call pays nothing measurable: the sockets are uncorked before any I/O could
   * happen anyway. A cluster has a socket per node: each is corked.
   */
  #batchWrites(): void {
    if (this.#corked) return
    const sockets = [...this.#topology.sockets()]
    if (sockets.length === 0) return
    for (const socket of sockets) socket.cork()
    this.#corked = true
    process.nextTick(() => {
      this.#corked = false
      // The very sockets that were corked, even if a reconnection has replaced them meanwhile.
      for (const socket of sockets) socket.uncork()
    })
  }

  subscribe(channel: string, listener: L2ChannelListener): L2Subscription {
    return this.#topology.subscribe(channel, listener)
  }

  track(prefix: string, listener: L2TrackingListener): L2Subscription {
    return this.#topology.track(prefix, listener)
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#readyListeners.clear()
    await this.#topology.close()
    this.#detach()
    if (this.#ownsClient) await closeClient(this.#client)
  }

  /** A command refused because the client is not ready (nothing may wait in its queue). */
  #notReady(): Promise<never> {
    return Promise.reject(new CacheConnectionError(`L2 is not connected (${this.#client.status})`))
  }

  #logConnectionError(error: unknown): void {
    const now = Date.now()
    if (now - this.#lastErrorLogAt < ERROR_LOG_INTERVAL_MS) return
    this.#lastErrorLogAt = now
    this.#logger.warn(
      { backend: this.name, status: this.#client.status, error: (error as Error)?.message ?? String(error) },
      'L2 connection error (further ones are logged at most every 10 s)',
    )
  }
}

/** ioredis sends a `Uint8Array` that is not a Buffer as its `toString()`: hand it a Buffer view. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** The topology of a client: a cluster client gets the cluster one. */
function topologyOf(client: RedisLikeClient): (context: RedisTopologyContext) => RedisTopology {
  return isRedisLikeCluster(client)
    ? (context) => new ClusterTopology(client, context)
    : (context) => new StandaloneTopology(client, context)
}

/** A client of the configured deployment, from the ioredis / iovalkey module. */
function createClient(module: RedisModule, config: L2ConnectionSettings) {
  if (config.l2Mode === 'cluster') {
    const { startupNodes, options } = clusterClientOptions(config)
    if (module.Cluster === undefined) {
      throw new CacheConfigurationError('l2Mode', 'this version of the client library has no Cluster class')
    }
    return new module.Cluster(startupNodes, options)
  }
  const ClientClass = module.Redis
  if (config.l2Mode === 'sentinel') return new ClientClass(sentinelClientOptions(config))
  const options = standaloneClientOptions(config)
  return config.l2Url === undefined ? new ClientClass(options) : new ClientClass(config.l2Url, options)
}

function createRedisBackend(name: string, packageName: RedisPackageName): L2BackendFactory {
  return ({ config, logger }: L2BackendOptions): L2Backend => {
    if (config.l2Client !== undefined) {
      if (!isRedisLikeClient(config.l2Client)) {
        throw new CacheConfigurationError('l2Client', 'expected an ioredis or iovalkey client instance')
      }
      return new RedisBackend(name, config.l2Client, topologyOf(config.l2Client), false, logger)
    }
    const create = (module: RedisModule): L2Backend => {
      const client = createClient(module, config)
      return new RedisBackend(name, client, topologyOf(client), true, logger)
    }
    const installed = requireRedisModule(packageName)
    if (installed !== undefined) return create(installed)
    // Not found on disk by `require`: bundled with the app (the bundler followed the import()), or missing.
    return new DeferredL2Backend(name, importRedisModule(packageName, name).then(create), logger)
  }
}

/** The `redis` L2 backend, on ioredis. */
export const redisL2Backend: L2BackendFactory = createRedisBackend('redis', 'ioredis')

/** The `valkey` L2 backend, on iovalkey. */
export const valkeyL2Backend: L2BackendFactory = createRedisBackend('valkey', 'iovalkey')
