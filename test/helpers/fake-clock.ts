import type { Clock } from '../../src/kernel/clock.js'

/** A clock that moves only when told: drives breaker timeouts and entry expiry without sleeping. */
export class FakeClock implements Clock {
  #now: number

  constructor(startMs = 1_700_000_000_000) {
    this.#now = startMs
  }

  now(): number {
    return this.#now
  }

  advance(ms: number): void {
    this.#now += ms
  }
}
