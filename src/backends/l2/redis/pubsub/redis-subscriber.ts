import type { Logger } from '../../../../kernel/logger.js'
import type { L2ChannelListener, L2Subscription, L2TrackingListener } from '../../l2-backend.js'
import { serverRefusalCode } from '../../server-refusal.js'
import type { RedisLikeClient } from '../redis-client.js'

/** What {@link RedisSubscriber} uses of a connection. */
export type SubscriberClient = Pick<RedisLikeClient, 'status' | 'client' | 'subscribe' | 'on' | 'off'>

/** Options of a {@link RedisSubscriber}. */
export interface RedisSubscriberOptions {
  /**
   * Call `resubscribed()` on the tracking listeners once tracking is first in place, as after a
   * reconnection: for a subscriber that replaces one whose tracking was lost (a cluster primary that
   * failed over), so invalidations may have been missed in between. @default false
   */
  announceFirstTracking?: boolean
  /**
   * After the server refused a subscription or the tracking set-up (a user without channel rights),
   * how long until it is asked again: the refusal lasts until someone changes the server's ACL, so
   * one attempt per period is enough, and the fix takes effect without a restart. @default 30000 (ms)
   */
  refusedRetryMs?: number
}

const DEFAULT_REFUSED_RETRY_MS = 30_000

/** Where Redis delivers tracking invalidations to the connection named in `REDIRECT`. */
const TRACKING_CHANNEL = '__redis__:invalidate'

/**
 * The second connection of a Redis backend, for invalidations: it receives the bus channels' messages
 * and, for server-assisted tracking, the `__redis__:invalidate` messages that Redis sends it on behalf
 * of the main connection (`CLIENT TRACKING ON REDIRECT <this id> BCAST PREFIX ... NOLOOP`, so that the
 * main connection's own writes are not reported).
 *
 * Subscriptions and tracking are put back by this class, not by the client library, after either
 * connection is made again; only once they are in place are listeners told that messages may have
 * been missed, so that a cache resyncing then cannot miss one published in between.
 */
export class RedisSubscriber {
  readonly #main: SubscriberClient
  readonly #connection: SubscriberClient
  readonly #logger: Logger
  readonly #channels = new Map<string, Set<L2ChannelListener>>()
  readonly #prefixes = new Map<string, Set<L2TrackingListener>>()
  readonly #detach: () => void
  /** State of the subscriber connection as it is now; reset when it is made again. */
  #subscribed = new Set<string>()
  #connectionId: string | undefined
  /** Tracking as set on the main connection now; reset when it is made again. */
  #trackingRedirect: string | undefined
  #trackedPrefixes = new Set<string>()
  #wasReady = { connection: false, main: false }
  #syncing: Promise<void> | undefined
  #dirty = false
  #notifyChannels = false
  #notifyTracking = false
  #closed = false
  readonly #refusedRetryMs: number
  #refusedRetry: NodeJS.Timeout | undefined

  /**
   * `connection` must be a fresh client of its own, speaking RESP2 (see the Redis backend), to the
   * same server as `main` when tracking is used.
   */
  constructor(
    main: SubscriberClient,
    connection: SubscriberClient,
    logger: Logger,
    options: RedisSubscriberOptions = {},
  ) {
    this.#main = main
    this.#connection = connection
    this.#logger = logger
    this.#notifyTracking = options.announceFirstTracking === true
    this.#refusedRetryMs = options.refusedRetryMs ?? DEFAULT_REFUSED_RETRY_MS
    const onConnectionReady = () => {
      this.#subscribed = new Set()
      this.#connectionId = undefined
      this.#trackingRedirect = undefined
      if (this.#wasReady.connection) {
        this.#notifyChannels = true
        this.#notifyTracking = true
      }
      this.#wasReady.connection = true
      this.#scheduleSync()
    }
    const onMainReady = () => {
      this.#trackingRedirect = undefined
      this.#trackedPrefixes = new Set()
      if (this.#wasReady.main) this.#notifyTracking = true
      this.#wasReady.main = true
      this.#scheduleSync()
    }
    const onMessage = (channel: unknown, payload: unknown) => this.#onMessage(String(channel), payload)
    connection.on('ready', onConnectionReady)
    main.on('ready', onMainReady)
    connection.on('messageBuffer', onMessage)
    this.#wasReady.main = main.status === 'ready'
    this.#detach = () => {
      connection.off('ready', onConnectionReady)
      main.off('ready', onMainReady)
      connection.off('messageBuffer', onMessage)
    }
  }

  subscribe(channel: string, listener: L2ChannelListener): L2Subscription {
    return this.#add(this.#channels, channel, listener)
  }

  track(prefix: string, listener: L2TrackingListener): L2Subscription {
    return this.#add(this.#prefixes, prefix, listener)
  }

  /** Resolves when no (re)subscription is running (for tests). */
  async settled(): Promise<void> {
    while (this.#syncing !== undefined) await this.#syncing
  }

  async close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#refusedRetry)
    this.#detach()
    await this.settled()
  }

  #add<L>(registry: Map<string, Set<L>>, name: string, listener: L): L2Subscription {
    let listeners = registry.get(name)
    if (listeners === undefined) {
      listeners = new Set()
      registry.set(name, listeners)
      this.#scheduleSync()
    }
    listeners.add(listener)
    return {
      close: async () => {
        listeners.delete(listener)
        // The server side (a subscription, a tracked prefix) stays until the connection closes: it
        // costs nothing and a later cache with the same name would need it again.
      },
    }
  }

  #scheduleSync(): void {
    this.#dirty = true
    if (this.#syncing !== undefined || this.#closed) return
    this.#syncing = this.#syncLoop().finally(() => {
      this.#syncing = undefined
    })
  }

  async #syncLoop(): Promise<void> {
    while (this.#dirty && !this.#closed) {
      this.#dirty = false
      try {
        await this.#sync()
      } catch (error) {
        // The connection dropped mid-way: its next `ready` starts over. Or the server refused (the
        // listeners report that): asked again later, as the ACL may be fixed meanwhile.
        const refused = serverRefusalCode(error) !== undefined
        if (refused) this.#retryLater()
        const log = refused ? this.#logger.debug : this.#logger.warn
        log.call(
          this.#logger,
          { error: (error as Error).message },
          'L2 invalidation subscription not in place yet',
        )
      }
    }
  }

  async #sync(): Promise<void> {
    const connection = this.#connection
    if (this.#prefixes.size === 0) this.#notifyTracking = false
    if (connection.status !== 'ready') return
    // CLIENT ID must come before SUBSCRIBE: a subscribed RESP2 connection takes no other command.
    if (this.#prefixes.size > 0 && this.#connectionId === undefined && this.#subscribed.size === 0) {
      this.#connectionId = String(await connection.client('ID'))
    }
    const wanted = [...this.#channels.keys()]
    if (this.#prefixes.size > 0) wanted.push(TRACKING_CHANNEL)
    const missing = wanted.filter((channel) => !this.#subscribed.has(channel))
    if (missing.length > 0) {
      try {
        await connection.subscribe(...missing)
      } catch (error) {
        // Messages published until it is in place are missed: once it is, the caches resync.
        this.#notifyChannels = true
        if (this.#prefixes.size > 0) this.#notifyTracking = true
        this.#tell(this.#channels, (listener) => listener.failed?.(error))
        this.#tell(this.#prefixes, (listener) => listener.failed?.(error))
        throw error
      }
      for (const channel of missing) this.#subscribed.add(channel)
    }
    this.#tell(this.#channels, (listener) => listener.established?.())
    if (this.#notifyChannels) {
      this.#notifyChannels = false
      for (const listeners of this.#channels.values())
        for (const listener of listeners) listener.resubscribed()
    }
    if (this.#prefixes.size > 0) await this.#syncTracking()
  }

  async #syncTracking(): Promise<void> {
    const main = this.#main
    const redirect = this.#connectionId
    if (main.status !== 'ready' || redirect === undefined) return
    try {
      await this.#setTracking(main, redirect)
    } catch (error) {
      this.#notifyTracking = true
      this.#tell(this.#prefixes, (listener) => listener.failed?.(error))
      throw error
    }
    this.#tell(this.#prefixes, (listener) => listener.established?.())
    if (this.#notifyTracking) {
      this.#notifyTracking = false
      for (const listeners of this.#prefixes.values())
        for (const listener of listeners) listener.resubscribed()
    }
  }

  /** Points tracking at the subscriber connection, for every prefix. */
  async #setTracking(main: SubscriberClient, redirect: string): Promise<void> {
    const prefixes = [...this.#prefixes.keys()]
    if (this.#trackingRedirect !== redirect) {
      // A new subscriber connection: tracking must point at it, with every prefix.
      if (this.#trackingRedirect !== undefined) await main.client('TRACKING', 'OFF')
      await main.client('TRACKING', 'ON', 'REDIRECT', redirect, 'BCAST', ...prefixArgs(prefixes), 'NOLOOP')
      this.#trackingRedirect = redirect
      this.#trackedPrefixes = new Set(prefixes)
    } else {
      const added = prefixes.filter((prefix) => !this.#trackedPrefixes.has(prefix))
      if (added.length > 0) {
        await main.client('TRACKING', 'ON', 'REDIRECT', redirect, 'BCAST', ...prefixArgs(added), 'NOLOOP')
        for (const prefix of added) this.#trackedPrefixes.add(prefix)
      }
    }
  }

  /** Asks again, once, after a refusal. */
  #retryLater(): void {
    if (this.#refusedRetry !== undefined || this.#closed) return
    this.#refusedRetry = setTimeout(() => {
      this.#refusedRetry = undefined
      this.#scheduleSync()
    }, this.#refusedRetryMs)
    this.#refusedRetry.unref()
  }

  /** Calls `tell` for every listener in `registry`. */
  #tell<L>(registry: Map<string, Set<L>>, tell: (listener: L) => void): void {
    for (const listeners of registry.values()) for (const listener of listeners) tell(listener)
  }

  #onMessage(channel: string, payload: unknown): void {
    if (channel === TRACKING_CHANNEL) {
      this.#onTrackingMessage(payload)
      return
    }
    const listeners = this.#channels.get(channel)
    if (listeners === undefined || !Buffer.isBuffer(payload)) return
    const message = payload.toString()
    for (const listener of listeners) listener.message(message)
  }

  #onTrackingMessage(payload: unknown): void {
    // An array of keys, or null when the database was flushed.
    const keys = Array.isArray(payload) ? payload.map((key) => String(key)) : null
    for (const [prefix, listeners] of this.#prefixes) {
      const mine = keys === null ? null : keys.filter((key) => key.startsWith(prefix))
      if (mine !== null && mine.length === 0) continue
      for (const listener of listeners) listener.invalidated(mine)
    }
  }
}

function prefixArgs(prefixes: readonly string[]): string[] {
  return prefixes.flatMap((prefix) => ['PREFIX', prefix])
}
