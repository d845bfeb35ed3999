import { randomUUID } from 'node:crypto'
import type { L2Backend, L2Subscription } from '../backends/l2/l2-backend.js'
import type { ResyncReason } from '../kernel/events.js'
import type { Logger } from '../kernel/logger.js'
import type { InvalidationHealth } from './invalidation-health.js'
import { decodeInvalidation, encodeInvalidation, INVALIDATION_CHANNEL } from './invalidation-message.js'

/** A cache that keeps an L1 and listens on the bus. */
export interface InvalidationReceiver {
  readonly name: string
  /** Drops these keys (all keys for `null`) from L1, and stops reads in flight from promoting them. */
  applyInvalidation(keys: readonly string[] | null): void
  /** The bus missed messages (its connection was lost): drop all of L1. */
  resync(reason: ResyncReason): void
}

/**
 * One per service: the channel every instance publishes its caches' changed keys on, and the
 * dispatch of what others published to this service's caches. Its own messages are recognised by a
 * random sender id and ignored. Subscribes (a second connection) when the first receiver registers.
 */
export class InvalidationBus {
  readonly senderId = randomUUID()
  readonly #backend: L2Backend & Required<Pick<L2Backend, 'publish' | 'subscribe'>>
  readonly #logger: Logger
  /** Where this service's bus and tracking failures are reported (never to the breaker). */
  readonly health: InvalidationHealth
  readonly #receivers = new Map<string, InvalidationReceiver>()
  #subscription: L2Subscription | undefined
  messagesReceived = 0
  /** Messages that were not ours and not readable (another program on the channel). */
  foreignMessages = 0

  constructor(
    backend: L2Backend & Required<Pick<L2Backend, 'publish' | 'subscribe'>>,
    logger: Logger,
    health: InvalidationHealth,
  ) {
    this.#backend = backend
    this.#logger = logger
    this.health = health
  }

  /** Whether a backend can carry the bus. */
  static supports(
    backend: L2Backend,
  ): backend is L2Backend & Required<Pick<L2Backend, 'publish' | 'subscribe'>> {
    return typeof backend.publish === 'function' && typeof backend.subscribe === 'function'
  }

  /** The message announcing that `keys` (every key for `null`) of `cache` changed. */
  encode(cache: string, keys: readonly string[] | null): string {
    return encodeInvalidation({ sender: this.senderId, cache, keys })
  }

  get channel(): string {
    return INVALIDATION_CHANNEL
  }

  /** Starts delivering other instances' invalidations of `receiver.name`; returns the undo. */
  register(receiver: InvalidationReceiver): () => void {
    this.#receivers.set(receiver.name, receiver)
    this.#subscription ??= this.#backend.subscribe(INVALIDATION_CHANNEL, {
      message: (payload) => this.#onMessage(payload),
      resubscribed: () => {
        this.#logger.info({ channel: INVALIDATION_CHANNEL }, 'Invalidation bus reconnected: resyncing L1')
        for (const cache of this.#receivers.values()) cache.resync('subscriber')
      },
      failed: (error) => this.health.failed('subscribe', error),
      established: () => this.health.succeeded('subscribe'),
    })
    return () => this.#receivers.delete(receiver.name)
  }

  async close(): Promise<void> {
    this.#receivers.clear()
    await this.#subscription?.close()
  }

  #onMessage(payload: string): void {
    const message = decodeInvalidation(payload)
    if (message === undefined) {
      this.foreignMessages++
      return
    }
    if (message.sender === this.senderId) return
    this.messagesReceived++
    this.#receivers.get(message.cache)?.applyInvalidation(message.keys)
  }
}
