import { describe, expect, it } from 'vitest'
import { InflightReads } from '../../src/invalidation/inflight-reads.js'

describe('InflightReads', () => {
  it('marks the reads of a key written meanwhile, and only those', () => {
    const reads = new InflightReads()
    const a = reads.begin('a')
    const b = reads.begin('b')
    reads.invalidate('a')
    expect(a.invalidated).toBe(true)
    expect(b.invalidated).toBe(false)
    reads.end(a)
    reads.end(b)
    expect(reads.size).toBe(0)
  })

  it('tracks several reads of one key, in any end order', () => {
    const reads = new InflightReads()
    const first = reads.begin('k')
    const second = reads.begin('k')
    const third = reads.begin('k')
    reads.end(second)
    reads.invalidate('k')
    expect([first.invalidated, second.invalidated, third.invalidated]).toEqual([true, false, true])
    reads.end(first)
    reads.end(third)
    expect(reads.size).toBe(0)
    // A read that begins after an invalidation is not marked by it.
    expect(reads.begin('k').invalidated).toBe(false)
  })

  it('marks every read in flight on invalidateAll', () => {
    const reads = new InflightReads()
    const tickets = [reads.begin('a'), reads.begin('b'), reads.begin('b')]
    reads.invalidateAll()
    expect(tickets.every((ticket) => ticket.invalidated)).toBe(true)
  })
})
