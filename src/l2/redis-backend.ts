import type { ResolvedServiceOptions } from '../config/options.js'
import { CacheConfigurationError } from '../errors.js'
import type { Logger } from '../logger.js'
import { loadOptionalPeer } from '../optional-peer.js'
import type {
  L2Backend,
  L2BackendFactory,
  L2BackendOptions,
  L2ChannelListener,
  L2Readiness,
  L2Subscription,
  L2TrackingListener,
} from './l2-backend.js'
import { isRedisLikeClient, type RedisLikeClient, type RedisLikeClientClass } from './redis-client.js'
import { RedisSubscriber } from './redis-subscriber.js'

/** Deletes KEYS[1] only if it still holds ARGV[1]: releases a lock without touching a successor's. */
const DELETE_IF_EQUALS_SCRIPT =
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end"

/** Longest pause between two reconnection attempts: keeps recovery within a second of Redis returning. */
const MAX_RECONNECT_DELAY_MS = 500
/** Longest wait for QUIT before the socket is dropped on close. */
const QUIT_TIMEOUT_MS = 1000
/** At most one connection-error log line per this period while Redis stays down. */
const ERROR_LOG_INTERVAL_MS = 10_000

/**
 * Client options that keep the cache's promises: no offline queue (a write queued during an outage and
 * sent after recovery could overwrite newer data), no resending of unanswered commands after a
 * reconnect (same reason), no per-request retries (the breaker decides), and quick reconnection.
 */
function clientOptions(config: ResolvedServiceOptions): Record<string, unknown> {
  const options: Record<string, unknown> = {
    connectTimeout: config.l2ConnectTimeoutMs,
    socketTimeout: config.l2SocketTimeoutMs,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    enableReadyCheck: true,
    retryStrategy: (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 10), MAX_RECONNECT_DELAY_MS),
  }
  if (config.l2Url === undefined) {
    options.host = config.l2Host
    options.port = config.l2Port
    options.db = config.l2Db
    if (config.l2Password !== undefined) options.password = config.l2Password
    if (config.l2Username !== undefined) options.username = config.l2Username
  }
  if (config.l2Tls !== false) options.tls = config.l2Tls === true ? {} : config.l2Tls
  return options
}

/**
 * L2 on ioredis or iovalkey. The client is created here (and closed by `close()`), or passed in as
 * `l2Client` (and then never closed: its owner decides its lifetime).
 */
class RedisBackend implements L2Backend {
  readonly name: string
  readonly #client: RedisLikeClient
  readonly #ownsClient: boolean
  readonly #logger: Logger
  readonly #readyListeners = new Set<() => void>()
  readonly #detach: () => void
  #lastErrorLogAt = 0
  #closed = false
  /** Whether the socket is corked until the end of this tick (see `#batchWrites`). */
  #corked = false
  /** The connection for invalidations, opened by the first `subscribe` or `track`. */
  #subscriber: { client: RedisLikeClient; subscriber: RedisSubscriber } | undefined

  constructor(name: string, client: RedisLikeClient, ownsClient: boolean, logger: Logger) {
    this.name = name
    this.#client = client
    this.#ownsClient = ownsClient
    this.#logger = logger
    const onReady = (): void => {
      for (const listener of this.#readyListeners) listener()
    }
    // Without an 'error' listener the client prints every failed reconnect; we log them, rate-limited.
    const onError = (error: unknown): void => this.#logConnectionError(error)
    client.on('ready', onReady)
    client.on('error', onError)
    this.#detach = () => {
      client.off('ready', onReady)
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
    this.#batchWrites()
    return this.#client.getBuffer(key)
  }

  async set(key: string, value: Uint8Array, ttlMs: number): Promise<void> {
    this.#batchWrites()
    await this.#client.set(key, asBuffer(value), 'PX', ttlMs)
  }

  async setIfNotExist(key: string, value: Uint8Array, ttlMs: number): Promise<boolean> {
    this.#batchWrites()
    return (await this.#client.set(key, asBuffer(value), 'PX', ttlMs, 'NX')) === 'OK'
  }

  delete(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return Promise.resolve(0)
    this.#batchWrites()
    return this.#client.unlink(...keys)
  }

  async exists(key: string): Promise<boolean> {
    return (await this.#client.exists(key)) > 0
  }

  async remainingTtlMs(key: string): Promise<number | undefined> {
    const pttl = await this.#client.pttl(key)
    if (pttl === -2) return undefined
    return pttl === -1 ? Number.POSITIVE_INFINITY : pttl
  }

  async scan(cursor: string, match: string, count: number): Promise<{ cursor: string; keys: string[] }> {
    const [next, keys] = await this.#client.scan(cursor, 'MATCH', match, 'COUNT', count)
    return { cursor: next, keys }
  }

  async ping(): Promise<void> {
    await this.#client.ping()
  }

  async deleteIfEquals(key: string, expected: Uint8Array): Promise<boolean> {
    return (await this.#client.eval(DELETE_IF_EQUALS_SCRIPT, 1, key, asBuffer(expected))) === 1
  }

  async publish(channel: string, message: string): Promise<void> {
    this.#batchWrites()
    await this.#client.publish(channel, message)
  }

  /**
   * Holds the socket's writes until the end of this tick, so that the commands of many concurrent
   * calls leave in one write system call instead of one each (ioredis writes each command at once).
   * A lone call pays nothing measurable: the socket is uncorked before any I/O could happen anyway.
   */
  #batchWrites(): void {
    if (this.#corked) return
    const stream = (this.#client as { stream?: { cork?: () => void; uncork?: () => void } }).stream
    if (typeof stream?.cork !== 'function' || typeof stream.uncork !== 'function') return
    stream.cork()
    this.#corked = true
    process.nextTick(() => {
      this.#corked = false
      // The very socket that was corked, even if a reconnection has replaced it meanwhile.
      stream.uncork?.()
    })
  }

  subscribe(channel: string, listener: L2ChannelListener): L2Subscription {
    return this.#getSubscriber().subscribe(channel, listener)
  }

  track(prefix: string, listener: L2TrackingListener): L2Subscription {
    return this.#getSubscriber().track(prefix, listener)
  }

  #getSubscriber(): RedisSubscriber {
    if (this.#subscriber === undefined) {
      // RESP2 (ioredis 6 speaks RESP3 by default and drops the tracking pushes RESP3 would bring), and
      // no automatic resubscription: RedisSubscriber puts subscriptions back itself, then resyncs.
      const client = this.#client.duplicate({ protocol: 2, autoResubscribe: false, lazyConnect: false })
      client.on('error', (error: unknown) => this.#logConnectionError(error))
      this.#subscriber = { client, subscriber: new RedisSubscriber(this.#client, client, this.#logger) }
    }
    return this.#subscriber.subscriber
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#readyListeners.clear()
    if (this.#subscriber !== undefined) {
      // The subscriber connection is always ours, also around a passed-in client.
      await this.#subscriber.subscriber.close()
      await closeClient(this.#subscriber.client)
    }
    this.#detach()
    if (this.#ownsClient) await closeClient(this.#client)
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

const ignoreError = (): void => {}

/** QUITs a client we created (bounded), then drops its socket and any reconnection timer. */
async function closeClient(client: RedisLikeClient): Promise<void> {
  if (client.status === 'ready') {
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, QUIT_TIMEOUT_MS)
    })
    await Promise.race([client.quit().catch(() => undefined), timedOut])
    clearTimeout(timer)
  }
  // Commands of a connection still being made fail as it closes; ioredis reports that as an 'error'
  // event, which must not reach the console as "unhandled" once we have let the client go.
  client.on('error', ignoreError)
  // disconnect() also stops a pending reconnection timer; it is a no-op on an ended client.
  client.disconnect()
}

/** ioredis sends a `Uint8Array` that is not a Buffer as its `toString()`: hand it a Buffer view. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

function createRedisBackend(name: string, packageName: string): L2BackendFactory {
  return ({ config, logger }: L2BackendOptions): L2Backend => {
    if (config.l2Client !== undefined) {
      if (!isRedisLikeClient(config.l2Client)) {
        throw new CacheConfigurationError('l2Client', 'expected an ioredis or iovalkey client instance')
      }
      return new RedisBackend(name, config.l2Client, false, logger)
    }
    const module = loadOptionalPeer<RedisLikeClientClass & { Redis?: RedisLikeClientClass }>(
      packageName,
      'l2Backend',
      `The '${name}' L2 backend`,
    )
    const ClientClass = module.Redis ?? module
    const options = clientOptions(config)
    const client =
      config.l2Url === undefined ? new ClientClass(options) : new ClientClass(config.l2Url, options)
    return new RedisBackend(name, client, true, logger)
  }
}

/** The `redis` L2 backend, on ioredis. */
export const redisL2Backend: L2BackendFactory = createRedisBackend('redis', 'ioredis')

/** The `valkey` L2 backend, on iovalkey. */
export const valkeyL2Backend: L2BackendFactory = createRedisBackend('valkey', 'iovalkey')
