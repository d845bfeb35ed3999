import { describe, expect, it } from 'vitest'
import { RepairJournal } from '../../src/resilience/repair-journal.js'

describe('RepairJournal', () => {
  it('keeps one mark per key, the latest', () => {
    const journal = new RepairJournal(10)
    journal.recordKey('users::1')
    journal.recordKey('users::1')
    expect(journal.size).toBe(1)
    expect(journal.isPending('users::1')).toBe(true)
    expect(journal.isPending('users::2')).toBe(false)
  })

  it('forgets a key whose later write reached L2', () => {
    const journal = new RepairJournal(10)
    journal.recordKey('users::1')
    journal.forgetKey('users::1')
    expect(journal.isEmpty).toBe(true)
  })

  it('degrades to a prefix clear when it would exceed its bound', () => {
    const journal = new RepairJournal(2)
    journal.recordKey('a')
    journal.recordKey('b')
    journal.recordKey('c')
    expect(journal.clearPending).toBe(true)
    expect(journal.size).toBe(1)
    expect(journal.isPending('anything')).toBe(true)
  })

  it('stays within its bound however many keys fail', () => {
    const journal = new RepairJournal(100)
    for (let i = 0; i < 100_000; i++) journal.recordKey(`k${i}`)
    expect(journal.size).toBeLessThanOrEqual(101)
  })

  it('keeps marks made while a replay runs', () => {
    const journal = new RepairJournal(10)
    journal.recordKey('a')
    const plan = journal.plan()
    journal.recordKey('a')
    journal.recordKey('b')
    journal.completeKeys(plan.keys)
    expect(journal.isPending('a')).toBe(true)
    expect(journal.isPending('b')).toBe(true)
  })

  it('keeps a clear recorded while an earlier clear was being replayed', () => {
    const journal = new RepairJournal(10)
    journal.recordClear()
    const plan = journal.plan()
    journal.recordClear()
    journal.completeClear(plan)
    expect(journal.clearPending).toBe(true)
  })

  it('keeps keys recorded after a pending clear once the clear is done', () => {
    const journal = new RepairJournal(10)
    journal.recordClear()
    const plan = journal.plan()
    journal.recordKey('late')
    journal.completeClear(plan)
    expect(journal.clearPending).toBe(false)
    expect(journal.isPending('late')).toBe(true)
  })
})
