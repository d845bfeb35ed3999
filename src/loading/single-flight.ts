/**
 * Coalesces concurrent calls for one key into a single call: the first caller's `fn` runs, and every
 * caller that arrives while it is in flight gets the same promise. Nothing is kept once it settles, so
 * the next call after that runs `fn` again (this is not a cache), and an error reaches every caller of
 * that flight without being remembered.
 *
 * Within one process only: callers in other processes are not coalesced.
 *
 * @example
 * const flights = new SingleFlight<User>()
 * const user = await flights.run(`user:${id}`, () => db.users.find(id))
 */
export class SingleFlight<T> {
  readonly #inFlight = new Map<string, Promise<T>>()

  /**
   * Runs `fn` for `key`, or joins the call already in flight for it. When no call is in flight, `fn`
   * is invoked synchronously, before `run` returns: a caller can tell that it leads the flight by
   * setting a flag inside `fn`. A synchronous throw of `fn` rejects the returned promise like an
   * asynchronous one.
   */
  run(key: string, fn: () => T | PromiseLike<T>): Promise<T> {
    const current = this.#inFlight.get(key)
    if (current !== undefined) return current
    let flight: Promise<T>
    try {
      flight = Promise.resolve(fn())
    } catch (error) {
      // Nothing was registered yet, so there is nothing to clean up and nobody else to tell.
      return Promise.reject(error)
    }
    this.#inFlight.set(key, flight)
    const forget = (): void => {
      // Only the flight that is still registered: a settled one must never remove its successor.
      if (this.#inFlight.get(key) === flight) this.#inFlight.delete(key)
    }
    // Both handlers return normally, so this side chain never adds an unhandled rejection of its own.
    flight.then(forget, forget)
    return flight
  }

  /** Whether a call for `key` is in flight. */
  has(key: string): boolean {
    return this.#inFlight.has(key)
  }

  /** How many keys have a call in flight. */
  get size(): number {
    return this.#inFlight.size
  }
}
