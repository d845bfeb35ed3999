import type { Logger } from '../../kernel/logger.js'
import type {
  L2Backend,
  L2ChannelListener,
  L2Readiness,
  L2Subscription,
  L2TrackingListener,
} from './l2-backend.js'

/** `status` while the backend's client library is still being loaded. */
const LOADING_STATUS = 'loading'

/** `status` when the client library could not be loaded (for instance, it is not installed). */
export const UNLOADABLE_STATUS = 'client-library-missing'

/**
 * An L2 backend whose client library is loaded asynchronously, with an `import()` of its literal name
 * (so that esbuild, webpack and Vite see it and bundle it). It is usable at once: while the library
 * loads it is "connecting" (the cache waits for it within `l2CommandTimeout`, as for a connection
 * being made), then it is the loaded backend. When the library cannot be loaded, the error (a
 * `CacheConfigurationError` naming the package) is logged once, and the backend stays down: every
 * command rejects with that error, so the caches serve from L1 and never throw because of it.
 */
export class DeferredL2Backend implements L2Backend {
  readonly name: string
  readonly #loading: Promise<L2Backend>
  readonly #readyListeners = new Set<() => void>()
  #loaded: L2Backend | undefined
  #failure: unknown
  #closed = false

  constructor(name: string, loading: Promise<L2Backend>, logger: Logger) {
    this.name = name
    this.#loading = loading
    loading.then(
      (backend) => {
        if (this.#closed) {
          void backend.close()
          return
        }
        this.#loaded = backend
        backend.onReady(() => this.#notifyReady())
        if (backend.readiness() === 'ready') this.#notifyReady()
      },
      (error: unknown) => {
        this.#failure = error
        if (this.#closed) return
        logger.error(
          { backend: name, error: (error as Error)?.message ?? String(error) },
          'The L2 backend cannot start: L2 stays unavailable and the caches serve from L1',
        )
      },
    )
  }

  get status(): string {
    if (this.#loaded !== undefined) return this.#loaded.status
    return this.#failure === undefined ? LOADING_STATUS : UNLOADABLE_STATUS
  }

  readiness(): L2Readiness {
    if (this.#loaded !== undefined) return this.#loaded.readiness()
    return this.#failure === undefined ? 'connecting' : 'down'
  }

  onReady(listener: () => void): () => void {
    this.#readyListeners.add(listener)
    return () => this.#readyListeners.delete(listener)
  }

  get(key: string): Promise<Uint8Array | null> {
    return this.#loaded?.get(key) ?? this.#call((backend) => backend.get(key))
  }

  set(key: string, value: Uint8Array, ttlMs: number): Promise<void> {
    return this.#loaded?.set(key, value, ttlMs) ?? this.#call((backend) => backend.set(key, value, ttlMs))
  }

  setIfNotExist(key: string, value: Uint8Array, ttlMs: number): Promise<boolean> {
    return (
      this.#loaded?.setIfNotExist(key, value, ttlMs) ??
      this.#call((backend) => backend.setIfNotExist(key, value, ttlMs))
    )
  }

  delete(keys: readonly string[]): Promise<number> {
    return this.#loaded?.delete(keys) ?? this.#call((backend) => backend.delete(keys))
  }

  exists(key: string): Promise<boolean> {
    return this.#loaded?.exists(key) ?? this.#call((backend) => backend.exists(key))
  }

  remainingTtlMs(key: string): Promise<number | undefined> {
    return this.#loaded?.remainingTtlMs(key) ?? this.#call((backend) => backend.remainingTtlMs(key))
  }

  scan(cursor: string, match: string, count: number): Promise<{ cursor: string; keys: string[] }> {
    return (
      this.#loaded?.scan(cursor, match, count) ?? this.#call((backend) => backend.scan(cursor, match, count))
    )
  }

  ping(): Promise<void> {
    return this.#loaded?.ping() ?? this.#call((backend) => backend.ping())
  }

  deleteIfEquals(key: string, expected: Uint8Array): Promise<boolean> {
    return this.#call((backend) => {
      if (backend.deleteIfEquals === undefined) return Promise.resolve(false)
      return backend.deleteIfEquals(key, expected)
    })
  }

  publish(channel: string, message: string): Promise<void> {
    return this.#call((backend) => {
      if (backend.publish === undefined) throw new TypeError(`the ${this.name} backend cannot publish`)
      return backend.publish(channel, message)
    })
  }

  subscribe(channel: string, listener: L2ChannelListener): L2Subscription {
    return this.#later((backend) => backend.subscribe?.(channel, listener))
  }

  track(prefix: string, listener: L2TrackingListener): L2Subscription {
    return this.#later((backend) => backend.track?.(prefix, listener))
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#readyListeners.clear()
    await this.#loaded?.close()
  }

  #notifyReady(): void {
    for (const listener of this.#readyListeners) listener()
  }

  /**
   * Runs a command once the backend is loaded; a caller arriving mid-load waits for it (the cache bounds
   * the wait). The data commands call the loaded backend directly when it is there: no closure per call.
   */
  #call<T>(command: (backend: L2Backend) => Promise<T>): Promise<T> {
    if (this.#loaded !== undefined) return command(this.#loaded)
    if (this.#failure !== undefined) return Promise.reject(this.#failure)
    return this.#loading.then(command)
  }

  /** A subscription made once the backend is loaded (none when it never loads), ended by `close()` either way. */
  #later(open: (backend: L2Backend) => L2Subscription | undefined): L2Subscription {
    if (this.#loaded !== undefined) return open(this.#loaded) ?? { close: async () => {} }
    let cancelled = false
    const opening = this.#loading.then(
      (backend) => (cancelled || this.#closed ? undefined : open(backend)),
      () => undefined,
    )
    return {
      async close() {
        cancelled = true
        await (await opening)?.close()
      },
    }
  }
}
