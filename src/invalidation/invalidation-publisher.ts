/**
 * How long after a message the next one waits, collecting keys: a writer in a tight loop then sends
 * one message per millisecond instead of one per write, which halves the cost of a sequential `set`
 * (measured: `npm run bench -- --only coherence`), while other instances hear of a change at most
 * this much later. An isolated write is announced at once (end of its tick).
 */
const COALESCE_WINDOW_MS = 1

/**
 * What became of one message: it reached L2 (`sent`); L2 could not be reached (`unreachable`: its keys
 * are repaired when L2 is back, like a write that missed L2); or the server refused it (`refused`: a
 * user without channel rights; the data in L2 is right, only other instances' L1 copies may be stale).
 */
export type PublishOutcome = 'sent' | 'unreachable' | 'refused'

/**
 * Collects the keys one cache changed in L2 and publishes them as bus messages, after the writes
 * succeeded (the cache calls it only then). The first change is announced at the end of its tick,
 * in the same socket write as the commands issued meanwhile (the backend batches a tick's writes);
 * changes during the following {@link COALESCE_WINDOW_MS} wait and leave together when it ends.
 * Writes resolve without waiting for the publish; a publish that could not reach L2 hands its keys
 * back through `onFailed`, so that the cache journals them for repair like a write that missed L2. A
 * refused publish is not journaled (a repair deletes the keys and would be refused too): this cache
 * then owes one whole-cache announcement, sent in place of the next message once the server takes them.
 */
export class InvalidationPublisher {
  readonly #send: (keys: readonly string[] | null) => Promise<PublishOutcome>
  readonly #onFailed: (keys: readonly string[] | null) => void
  #pending = new Set<string>()
  #cleared = false
  #tickScheduled = false
  #window: NodeJS.Timeout | undefined
  #disposed = false
  /** A refused message's keys were dropped: the next message names the whole cache. */
  #owesWholeCache = false
  messagesSent = 0
  keysSent = 0

  /**
   * @param send publishes one message; resolves what became of it (never rejects).
   * @param onFailed receives what a failed publish carried (`null`: the whole cache).
   */
  constructor(
    send: (keys: readonly string[] | null) => Promise<PublishOutcome>,
    onFailed: (keys: readonly string[] | null) => void,
  ) {
    this.#send = send
    this.#onFailed = onFailed
  }

  /** `key` was written or deleted in L2. */
  keyChanged(key: string): void {
    if (!this.#cleared) this.#pending.add(key)
    this.#schedule()
  }

  /** The whole cache was cleared in L2: one message covers every key. */
  cleared(): void {
    this.#cleared = true
    this.#pending.clear()
    this.#schedule()
  }

  /** An announcement of this cache (a repair's) was refused: the next message names the whole cache. */
  owesWholeCache(): void {
    this.#owesWholeCache = true
  }

  /** Publishes what is pending now (used before close and by tests). */
  async flush(): Promise<void> {
    if (this.#disposed || !this.#hasPending()) return
    const cleared = this.#cleared
    const keys = cleared || this.#owesWholeCache ? null : [...this.#pending]
    this.#pending = new Set()
    this.#cleared = false
    const outcome = await this.#send(keys)
    if (outcome === 'sent') {
      if (keys === null) this.#owesWholeCache = false
      this.messagesSent++
      this.keysSent += keys?.length ?? 0
    } else if (outcome === 'refused' || (keys === null && !cleared)) {
      // An owed announcement stays owed: journaling `null` would make the repair empty the cache in L2.
      this.#owesWholeCache = true
    } else {
      this.#onFailed(keys)
    }
  }

  /** Stops the window timer and sends nothing more (the service is closing; flush first). */
  dispose(): void {
    this.#disposed = true
    clearTimeout(this.#window)
    this.#window = undefined
  }

  #hasPending(): boolean {
    return this.#cleared || this.#pending.size > 0
  }

  #schedule(): void {
    // Inside a window the timer takes what comes; otherwise this tick's end does.
    if (this.#window !== undefined || this.#tickScheduled || this.#disposed) return
    this.#tickScheduled = true
    process.nextTick(() => {
      this.#tickScheduled = false
      void this.flush()
      this.#openWindow()
    })
  }

  #openWindow(): void {
    if (this.#disposed) return
    this.#window = setTimeout(() => {
      this.#window = undefined
      if (!this.#hasPending()) return
      void this.flush()
      this.#openWindow()
    }, COALESCE_WINDOW_MS)
    this.#window.unref()
  }
}
