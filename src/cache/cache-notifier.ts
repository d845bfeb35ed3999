import type {
  CacheErrorKind,
  CacheEventSink,
  CacheEvents,
  CacheLayer,
  ForwardedCacheEvent,
} from '../kernel/events.js'
import type { Logger } from '../kernel/logger.js'
import { HIT, MISS } from '../kernel/watched-emitter.js'

/** Emits one event on the cache itself (its EventEmitter's `emit`). */
export type EmitHere = (event: string, ...payload: unknown[]) => boolean

/**
 * A cache's events: what is watched (listened to on the cache or on its service), and the emission
 * of each event on the cache, then on the service. The data paths test `watched` before building a
 * payload, so an event nobody listens to costs a bit test.
 */
export class CacheNotifier {
  /** Events with a listener on the cache or on the service (a mask of the watched-event bits). */
  watched: number
  #serviceListening: number
  #cacheListening = 0
  readonly #cache: string
  readonly #emitHere: EmitHere
  readonly #sink: CacheEventSink
  readonly #logger: Logger

  constructor(
    cache: string,
    emitHere: EmitHere,
    sink: CacheEventSink,
    serviceListening: number,
    logger: Logger,
  ) {
    this.#cache = cache
    this.#emitHere = emitHere
    this.#sink = sink
    this.#logger = logger
    this.#serviceListening = serviceListening
    this.watched = serviceListening
  }

  /** The service's listeners changed. */
  serviceListeningChanged(mask: number): void {
    this.#serviceListening = mask
    this.watched = this.#cacheListening | mask
  }

  /** The cache's own listeners changed. */
  cacheListeningChanged(mask: number): void {
    this.#cacheListening = mask
    this.watched = mask | this.#serviceListening
  }

  /** A `hit` (L1 or L2). */
  hit(key: string, layer: CacheLayer): void {
    this.notify('hit', { cache: this.#cache, key, layer })
  }

  /** The event of a lookup that went past L1: an L2 `hit`, or a `miss`. */
  lookUp(key: string, found: unknown): void {
    if (found !== undefined) {
      if ((this.watched & HIT) !== 0) this.hit(key, 'l2')
    } else if ((this.watched & MISS) !== 0) {
      this.notify('miss', { cache: this.#cache, key })
    }
  }

  /** An `l2:error` event. */
  error(operation: string, kind: CacheErrorKind, error: unknown): void {
    const asError = error instanceof Error ? error : new Error(String(error))
    this.notify('l2:error', { cache: this.#cache, operation, kind, error: asError })
  }

  /** Emits on the cache, then on the service. */
  notify<E extends ForwardedCacheEvent>(event: E, ...payload: CacheEvents[E]): void {
    this.here(event, ...payload)
    this.#sink(event, ...payload)
  }

  /** Emits on the cache only; a throwing listener is logged, never turned into an error of the call. */
  here<E extends keyof CacheEvents>(event: E, ...payload: CacheEvents[E]): void {
    try {
      this.#emitHere(event, ...payload)
    } catch (error) {
      this.#logger.error(
        { cache: this.#cache, event, error: (error as Error).message },
        'A cache event listener threw',
      )
    }
  }
}
