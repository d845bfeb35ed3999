/** Most keys whose backoff is remembered at once. */
const MAX_KEYS = 10_000

/**
 * `graceBackoff`: after a loader failed and the expired copy was served, the keys whose copy is
 * served again without calling the loader, and until when. Bounded: keys never asked for again would
 * otherwise stay for ever; the oldest goes first (a lost backoff costs one loader call, no more).
 */
export class GraceBackoff {
  readonly #until = new Map<string, number>()

  /** Serve `key`'s copy without calling the loader until `untilMs`. */
  start(key: string, untilMs: number): void {
    const until = this.#until
    until.delete(key)
    until.set(key, untilMs)
    if (until.size > MAX_KEYS) until.delete(until.keys().next().value as string)
  }

  /** Whether `key` is backing off at `nowMs`; forgets a backoff that is over. */
  isActive(key: string, nowMs: number): boolean {
    const untilMs = this.#until.get(key)
    if (untilMs === undefined) return false
    if (nowMs < untilMs) return true
    this.#until.delete(key)
    return false
  }

  /** The loader succeeded: no more backoff for `key`. */
  end(key: string): void {
    this.#until.delete(key)
  }
}
