/** One L2 read in flight; `invalidated` turns true when its key is written or invalidated meanwhile. */
export interface ReadTicket {
  readonly key: string
  invalidated: boolean
}

/**
 * The L2 reads of one cache that are in flight, so that a read which started before a write or an
 * invalidation of its key does not put the older value into L1 when it returns (the classic
 * promote-after-invalidate race).
 */
export class InflightReads {
  readonly #byKey = new Map<string, ReadTicket[]>()

  begin(key: string): ReadTicket {
    const ticket: ReadTicket = { key, invalidated: false }
    const tickets = this.#byKey.get(key)
    if (tickets === undefined) this.#byKey.set(key, [ticket])
    else tickets.push(ticket)
    return ticket
  }

  end(ticket: ReadTicket): void {
    const tickets = this.#byKey.get(ticket.key)
    if (tickets === undefined) return
    if (tickets.length === 1) {
      this.#byKey.delete(ticket.key)
      return
    }
    tickets.splice(tickets.indexOf(ticket), 1)
  }

  /** Marks the reads in flight for `key`. */
  invalidate(key: string): void {
    const tickets = this.#byKey.get(key)
    if (tickets === undefined) return
    for (const ticket of tickets) ticket.invalidated = true
  }

  /** Marks every read in flight (after a clear). */
  invalidateAll(): void {
    for (const tickets of this.#byKey.values()) for (const ticket of tickets) ticket.invalidated = true
  }
}
