/** One L2 read in flight; `invalidated` turns true when its key is written or invalidated meanwhile. */
export interface ReadTicket {
  readonly key: string
  invalidated: boolean
}

/**
 * The L2 reads of one cache that are in flight, so that a read which started before a write or an
 * invalidation of its key does not put the older value into L1 when it returns (the classic
 * promote-after-invalidate race).
 *
 * Almost always a key has one read in flight (concurrent reads of one key are rare, and `getOrSet`
 * shares one), so that ticket is stored as it is; an array only when there are several.
 */
export class InflightReads {
  readonly #byKey = new Map<string, ReadTicket | ReadTicket[]>()

  begin(key: string): ReadTicket {
    const ticket: ReadTicket = { key, invalidated: false }
    const current = this.#byKey.get(key)
    if (current === undefined) this.#byKey.set(key, ticket)
    else if (Array.isArray(current)) current.push(ticket)
    else this.#byKey.set(key, [current, ticket])
    return ticket
  }

  end(ticket: ReadTicket): void {
    const current = this.#byKey.get(ticket.key)
    if (current === ticket) {
      this.#byKey.delete(ticket.key)
    } else if (Array.isArray(current)) {
      current.splice(current.indexOf(ticket), 1)
      if (current.length === 0) this.#byKey.delete(ticket.key)
    }
  }

  /** Marks the reads in flight for `key`. */
  invalidate(key: string): void {
    const current = this.#byKey.get(key)
    if (current === undefined) return
    if (Array.isArray(current)) for (const ticket of current) ticket.invalidated = true
    else current.invalidated = true
  }

  /** Marks every read in flight (after a clear or a resync). */
  invalidateAll(): void {
    for (const current of this.#byKey.values()) {
      if (Array.isArray(current)) for (const ticket of current) ticket.invalidated = true
      else current.invalidated = true
    }
  }

  /** Reads in flight now (for tests: none may be left behind). */
  get size(): number {
    let count = 0
    for (const current of this.#byKey.values()) count += Array.isArray(current) ? current.length : 1
    return count
  }
}
