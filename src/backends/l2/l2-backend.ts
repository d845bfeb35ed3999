import type { Logger } from '../../kernel/logger.js'
import type { L2ConnectionSettings } from './connection-settings.js'

/** Whether an L2 backend can take a command now, is (re)connecting, or is known to be down. */
export type L2Readiness = 'ready' | 'connecting' | 'down'

/** What a channel subscription hears (see {@link L2Backend.subscribe}). */
export interface L2ChannelListener {
  /** One message published on the channel. */
  message(payload: string): void
  /**
   * The subscriber connection was lost and is subscribed again: messages published meanwhile were
   * missed. Called once the subscription is back in place, never for the first one.
   */
  resubscribed(): void
  /** Optional: the subscription could not be made (a refusal such as NOPERM, or a lost connection). */
  failed?(error: unknown): void
  /** Optional: the subscription is in place (after a failure: it works again). */
  established?(): void
}

/** What server-assisted tracking reports (see {@link L2Backend.track}). */
export interface L2TrackingListener {
  /** Keys under a tracked prefix were changed by another client; `null`: the whole database was flushed. */
  invalidated(keys: readonly string[] | null): void
  /** Tracking was lost (a connection dropped) and is in place again: invalidations may have been missed. */
  resubscribed(): void
  /** Optional: tracking could not be set up (its subscription or `CLIENT TRACKING` failed). */
  failed?(error: unknown): void
  /** Optional: tracking is in place (after a failure: it works again). */
  established?(): void
}

/** A subscription or tracking registration; `close()` ends it. */
export interface L2Subscription {
  close(): Promise<void>
}

/**
 * A shared, remote cache store. Every call is async and may reject or hang: the cache bounds each
 * call with `l2CommandTimeout` and a circuit breaker, so a backend need not time out on its own.
 * A backend must not queue commands while disconnected (it rejects them instead), because a queued
 * write sent after recovery could overwrite newer data.
 */
export interface L2Backend {
  /** Backend name, as registered. */
  readonly name: string
  /** Connection state, for stats (`ready`, `connecting`, `reconnecting`, `end` ...). */
  readonly status: string
  /** Whether a command sent now can be answered. */
  readiness(): L2Readiness
  /** Calls `listener` each time the connection becomes ready; returns a function that stops it. */
  onReady(listener: () => void): () => void
  /** The stored bytes, or `null` when the key is missing. */
  get(key: string): Promise<Uint8Array | null>
  /**
   * Optional: the first `bytes` bytes of the stored value (`GETRANGE`), or `null` when the key is
   * missing. Lets the cache read an entry's header (its expiry) without the payload; without it the
   * cache reads the whole value.
   */
  getPrefix?(key: string, bytes: number): Promise<Uint8Array | null>
  /** Stores bytes with a lifetime in ms. */
  set(key: string, value: Uint8Array, ttlMs: number): Promise<void>
  /** Stores bytes only when the key is missing (`SET NX`); `true` when this call wrote them. */
  setIfNotExist(key: string, value: Uint8Array, ttlMs: number): Promise<boolean>
  /** Removes keys; returns how many existed. */
  delete(keys: readonly string[]): Promise<number>
  /** Whether the key exists. */
  exists(key: string): Promise<boolean>
  /** Remaining lifetime in ms, `Infinity` for a key without expiry, `undefined` when missing. */
  remainingTtlMs(key: string): Promise<number | undefined>
  /** One step of a cursor scan over keys matching a glob pattern; cursor `'0'` starts and ends it. */
  scan(cursor: string, match: string, count: number): Promise<{ cursor: string; keys: string[] }>
  /** Round trip to the server; rejects when it does not answer. */
  ping(): Promise<void>
  /** Releases what the backend created (a passed-in client is left open). Idempotent. */
  close(): Promise<void>
  /**
   * Optional, for `getOrSet(..., { lock: 'distributed' })`: deletes the key only if it holds exactly
   * `expected` (atomically); resolves whether it did. Without it a lock is never released early and
   * simply expires.
   */
  deleteIfEquals?(key: string, expected: Uint8Array): Promise<boolean>
  /**
   * Optional, for `invalidation: 'bus'`: publishes a message on a channel; resolves when the server
   * accepted it. Rejects like any command when the server cannot be reached.
   */
  publish?(channel: string, message: string): Promise<void>
  /**
   * Optional, for `invalidation: 'bus'`: delivers the channel's messages, on a connection of its own
   * that is subscribed again after every reconnection. Never throws; trouble is retried and logged.
   */
  subscribe?(channel: string, listener: L2ChannelListener): L2Subscription
  /**
   * Optional, for `invalidation: 'tracking'`: asks the server to report every change, by any other
   * client, of keys starting with `prefix` (Redis `CLIENT TRACKING ... BCAST PREFIX`), set up again
   * after every reconnection. Changes made through this backend are not reported.
   */
  track?(prefix: string, listener: L2TrackingListener): L2Subscription
}

/** What an L2 factory is given. */
export interface L2BackendOptions {
  /** Where and how to connect: the service's validated connection options (timeouts in ms, `l2Client`). */
  config: L2ConnectionSettings
  logger: Logger
}

/** Creates an L2 backend; it starts connecting at once and never throws for an unreachable server. */
export type L2BackendFactory = (options: L2BackendOptions) => L2Backend
