import { EventEmitter } from 'node:events'

/** Bit of `hit` in a listening mask: the events whose payload a data path builds have one each. */
export const HIT = 1
/** Bit of `miss`. */
export const MISS = 2
/** Bit of `set`. */
export const SET = 4
/** Bit of `delete`. */
export const DELETE = 8
/** Bit of `clear`. */
export const CLEAR = 16
/** Bit of `l2:error`. */
export const ERROR = 32
/** Bit of `invalidation`. */
export const INVALIDATION = 64
/** Bit of `l2:operation`. */
export const L2_OPERATION = 128
/** Bit of `load`. */
export const LOAD = 256
/** Bit of `load:error`. */
export const LOAD_ERROR = 512
/** Bit of `stale`. */
export const STALE = 1024

/**
 * The events whose payload a data path builds (a `hit` on every L1 hit, say), with their bits: the path
 * checks the bit before building anything, so that an event nobody listens to costs one field read.
 */
export const WATCHED_EVENT_BITS: ReadonlyMap<string, number> = new Map([
  ['hit', HIT],
  ['miss', MISS],
  ['set', SET],
  ['delete', DELETE],
  ['clear', CLEAR],
  ['l2:error', ERROR],
  ['invalidation', INVALIDATION],
  ['l2:operation', L2_OPERATION],
  ['load', LOAD],
  ['load:error', LOAD_ERROR],
  ['stale', STALE],
])

type EventMap<T> = Record<keyof T, unknown[]>

/**
 * An EventEmitter that keeps a bitmask of which {@link WATCHED_EVENT_BITS} events have listeners, and
 * tells its subclass when that changes. The mask is kept by Node's own `newListener` / `removeListener`
 * notifications, so `on`, `once`, `off`, `prependListener` and the rest all keep it right.
 */
export abstract class WatchedEmitter<T extends EventMap<T>> extends EventEmitter<T> {
  #listening = 0
  #removingAll = false

  constructor() {
    super()
    this.#track()
  }

  /** The watched events that have at least one listener on this emitter, as a bitmask. */
  protected get listening(): number {
    return this.#listening
  }

  /** Called whenever {@link listening} changes. Runs before a new listener is added. */
  protected abstract listeningChanged(mask: number): void

  /** As EventEmitter's; then resumes tracking, which a call without an event name would have ended. */
  override removeAllListeners(...args: Parameters<EventEmitter<T>['removeAllListeners']>): this {
    // Without an event name, Node.js calls this method again for each event: only the outer call acts.
    if (this.#removingAll) return super.removeAllListeners(...args)
    this.#removingAll = true
    try {
      super.removeAllListeners(...args)
    } finally {
      this.#removingAll = false
    }
    const plain = this as unknown as EventEmitter
    if (plain.listenerCount('newListener') === 0 || plain.listenerCount('removeListener') === 0) {
      EventEmitter.prototype.removeAllListeners.call(this, 'newListener')
      EventEmitter.prototype.removeAllListeners.call(this, 'removeListener')
      this.#track()
    }
    this.#recompute()
    return this
  }

  #track(): void {
    const plain = this as unknown as EventEmitter
    // newListener comes before the listener is added: set the bit now, so its first event is not missed.
    plain.on('newListener', (event: string | symbol) => {
      const bit = typeof event === 'string' ? WATCHED_EVENT_BITS.get(event) : undefined
      if (bit !== undefined && (this.#listening & bit) === 0) this.#set(this.#listening | bit)
    })
    // removeListener comes after the listener is gone.
    plain.on('removeListener', (event: string | symbol) => {
      const bit = typeof event === 'string' ? WATCHED_EVENT_BITS.get(event) : undefined
      if (bit !== undefined && plain.listenerCount(event) === 0) this.#set(this.#listening & ~bit)
    })
  }

  #recompute(): void {
    const plain = this as unknown as EventEmitter
    let mask = 0
    for (const [event, bit] of WATCHED_EVENT_BITS) {
      if (plain.listenerCount(event) > 0) mask |= bit
    }
    this.#set(mask)
  }

  #set(mask: number): void {
    if (mask === this.#listening) return
    this.#listening = mask
    this.listeningChanged(mask)
  }
}
