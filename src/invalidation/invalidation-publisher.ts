/**
 * How long after a message the next one waits, collecting keys: a writer in a tight loop then sends
 * one message per millisecond instead of one per write, which halves the cost of a sequential `set`
 * (measured: `npm run bench -- --only coherence`), while other instances hear of a change at most
 * this much later. An isolated write is announced at once (end of its tick).
 */
const COALESCE_WINDOW_MS = 1

/**
 * Collects the keys one cache changed in L2 and publishes them as bus messages, after the writes
 * succeeded (the cache calls it only then). The first change is announced at the end of its tick,
 * in the same socket write as the commands issued meanwhile (the backend batches a tick's writes);
 * changes during the following {@link COALESCE_WINDOW_MS} wait and leave together when it ends.
 * Writes resolve without waiting for the publish; a publish that fails hands its keys back through
 * `onFailed`, so that the cache journals them for repair like a write that missed L2.
 */
export class InvalidationPublisher {
  readonly #send: (keys: readonly string[] | null, tags: readonly string[]) => Promise<boolean>
  readonly #onFailed: (keys: readonly string[] | null, tags: readonly string[]) => void
  #pending = new Set<string>()
  #pendingTags = new Set<string>()
  #cleared = false
  #tickScheduled = false
  #window: NodeJS.Timeout | undefined
  #disposed = false
  messagesSent = 0
  keysSent = 0

  /**
   * @param send publishes one message; resolves whether it reached L2 (never rejects).
   * @param onFailed receives what a failed publish carried (`null` keys: the whole cache).
   */
  constructor(
    send: (keys: readonly string[] | null, tags: readonly string[]) => Promise<boolean>,
    onFailed: (keys: readonly string[] | null, tags: readonly string[]) => void,
  ) {
    this.#send = send
    this.#onFailed = onFailed
  }

  /** `key` was written or deleted in L2. */
  keyChanged(key: string): void {
    if (!this.#cleared) this.#pending.add(key)
    this.#schedule()
  }

  /** The entries carrying these tags were invalidated in L2 (`deleteByTag`). */
  tagsInvalidated(tags: readonly string[]): void {
    for (const tag of tags) this.#pendingTags.add(tag)
    this.#schedule()
  }

  /** The whole cache was cleared in L2: one message covers every key. */
  cleared(): void {
    this.#cleared = true
    this.#pending.clear()
    this.#schedule()
  }

  /** Publishes what is pending now (used before close and by tests). */
  async flush(): Promise<void> {
    if (this.#disposed || !this.#hasPending()) return
    const keys = this.#cleared ? null : [...this.#pending]
    const tags = [...this.#pendingTags]
    this.#pending = new Set()
    this.#pendingTags = new Set()
    this.#cleared = false
    if (await this.#send(keys, tags)) {
      this.messagesSent++
      this.keysSent += keys?.length ?? 0
    } else {
      this.#onFailed(keys, tags)
    }
  }

  /** Stops the window timer and sends nothing more (the service is closing; flush first). */
  dispose(): void {
    this.#disposed = true
    clearTimeout(this.#window)
    this.#window = undefined
  }

  #hasPending(): boolean {
    return this.#cleared || this.#pending.size > 0 || this.#pendingTags.size > 0
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
