/**
 * Collects the keys one cache changed in L2 during one tick and publishes them as one bus message,
 * after the writes succeeded (the cache calls it only then). The message leaves at the end of the
 * tick, in the same socket write as the commands issued meanwhile (the backend batches a tick's
 * writes), so a sequential writer pays no extra round trip for it. Writes resolve without
 * waiting for the publish; a publish that fails hands its keys back through `onFailed`, so that the
 * cache journals them for repair like a write that missed L2.
 */
export class InvalidationPublisher {
  readonly #send: (keys: readonly string[] | null) => Promise<boolean>
  readonly #onFailed: (keys: readonly string[] | null) => void
  #pending = new Set<string>()
  #cleared = false
  #scheduled = false
  #disposed = false
  messagesSent = 0
  keysSent = 0

  /**
   * @param send publishes one message; resolves whether it reached L2 (never rejects).
   * @param onFailed receives what a failed publish carried (`null`: the whole cache).
   */
  constructor(
    send: (keys: readonly string[] | null) => Promise<boolean>,
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

  /** Publishes what is pending now (used before close and by tests). */
  async flush(): Promise<void> {
    if (this.#disposed) return
    const keys = this.#cleared ? null : [...this.#pending]
    if (keys !== null && keys.length === 0) return
    this.#pending = new Set()
    this.#cleared = false
    if (await this.#send(keys)) {
      this.messagesSent++
      this.keysSent += keys?.length ?? 0
    } else {
      this.#onFailed(keys)
    }
  }

  /** Drops what is pending without sending it (the service is closing). */
  dispose(): void {
    this.#disposed = true
  }

  #schedule(): void {
    if (this.#scheduled) return
    this.#scheduled = true
    process.nextTick(() => {
      this.#scheduled = false
      void this.flush()
    })
  }
}
