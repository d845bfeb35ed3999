/**
 * One load of one key in this process, shared by the callers that arrive while it is in flight. The
 * callers get `result` (the value, an expired copy, or an error), which may settle before the loader
 * does (`softTimeout`, `hardTimeout`); the loader's `signal` is aborted once no caller waits any more.
 */
export class LoadFlight<V> {
  /** Aborts the loader's `ctx.signal`. */
  readonly controller = new AbortController()
  /** What the callers get. */
  readonly result: Promise<V>
  /** Whether `result` has settled. */
  settled = false
  /** Nobody waits for the loader any more and nobody will: its late value is dropped. */
  abandoned = false
  /** Called when the last caller left before `result` settled (each by its own signal). */
  onAllLeft: (() => void) | undefined
  /**
   * Set when callers got an expired copy while the loader goes on (`softTimeout`): until when that
   * copy is within `grace`, on the cache's clock. Past it, new callers do not join this load.
   */
  staleUntilMs: number | undefined
  /** The cache's tracking of this load, until it ends (see {@link invalidated}). */
  ticket: { readonly invalidated: boolean } | undefined
  #waiters = 0
  // Typed loosely so that a flight of a narrower V stays assignable to one of `unknown` (a cache of
  // `User` passed where a cache of `unknown` is expected).
  #resolve!: (value: unknown) => void
  #reject!: (error: unknown) => void
  readonly #timers: NodeJS.Timeout[] = []

  constructor() {
    this.result = new Promise<V>((resolve, reject) => {
      this.#resolve = resolve as (value: unknown) => void
      this.#reject = reject
    })
    // A flight nobody waits for (an eager refresh, or one every caller left) must not end as an
    // unhandled rejection; the callers that do wait get their own handlers from `wait`.
    this.result.catch(() => undefined)
  }

  /**
   * Whether the key was written, deleted or invalidated since this load started: what it loads may
   * predate that change, so it is not stored, and new callers do not join it.
   */
  get invalidated(): boolean {
    return this.ticket?.invalidated === true
  }

  /** Settles `result` with a value, unless it has settled already. */
  resolve(value: V): void {
    if (this.settled) return
    this.settled = true
    this.#resolve(value)
  }

  /** Settles `result` with an error, unless it has settled already. */
  reject(error: unknown): void {
    if (this.settled) return
    this.settled = true
    this.#reject(error)
  }

  /** Runs `fn` after `ms` unless {@link clearTimers} comes first; never keeps the process alive. */
  after(ms: number, fn: () => void): void {
    const timer = setTimeout(fn, ms)
    timer.unref()
    this.#timers.push(timer)
  }

  /** Cancels the timers set with {@link after}. */
  clearTimers(): void {
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.length = 0
  }

  /** Nobody will use the loader's value: abort its signal with `reason`, stop the timers. */
  abandon(reason: unknown): void {
    if (this.abandoned) return
    this.abandoned = true
    this.clearTimers()
    this.controller.abort(reason)
  }

  /**
   * One caller's wait: `result`, or a rejection with the reason of the caller's `signal` when it
   * aborts first. The shared load goes on while another caller still waits.
   */
  wait(signal: AbortSignal | undefined): Promise<V> {
    this.#waiters++
    if (signal === undefined) return this.result
    if (signal.aborted) {
      this.#leave()
      return Promise.reject(signal.reason)
    }
    return new Promise<V>((resolve, reject) => {
      const onAbort = () => {
        reject(signal.reason)
        this.#leave()
      }
      signal.addEventListener('abort', onAbort, { once: true })
      this.result.then(
        (value) => {
          signal.removeEventListener('abort', onAbort)
          resolve(value)
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort)
          reject(error)
        },
      )
    })
  }

  #leave(): void {
    this.#waiters--
    if (this.#waiters === 0 && !this.settled) this.onAllLeft?.()
  }
}
