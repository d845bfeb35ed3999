import { describe, expect, it } from 'vitest'
import { groupBySlot, HASH_SLOTS, hashSlot } from '../../src/backends/l2/redis/cluster/slots.js'

describe('hashSlot', () => {
  // Reference values from the Redis Cluster specification and CLUSTER KEYSLOT on redis-server 7.0.
  it.each([
    ['123456789', 0x31c3],
    ['foo', 12_182],
    ['bar', 5061],
    ['', 0],
    ['users::42', 2621],
    ['é', 10_180],
  ])('puts %j in slot %i', (key, slot) => {
    expect(hashSlot(key)).toBe(slot)
  })

  it('hashes only the hash tag when there is one', () => {
    expect(hashSlot('{user1000}.following')).toBe(hashSlot('user1000'))
    expect(hashSlot('foo{bar}{zap}')).toBe(hashSlot('bar'))
    expect(hashSlot('foo{{bar}}zap')).toBe(hashSlot('{bar'))
  })

  it('hashes the whole key when the tag is empty or not closed', () => {
    expect(hashSlot('foo{}{bar}')).not.toBe(hashSlot('bar'))
    expect(hashSlot('foo{}{bar}')).toBe(hashSlot('foo{}{bar}'))
    expect(hashSlot('foo{bar')).not.toBe(hashSlot('bar'))
  })

  it('stays within the slot range', () => {
    for (let index = 0; index < 2000; index++) {
      const slot = hashSlot(`key:${index}`)
      expect(slot).toBeGreaterThanOrEqual(0)
      expect(slot).toBeLessThan(HASH_SLOTS)
    }
  })
})

describe('groupBySlot', () => {
  it('groups keys that share a slot and keeps the order given', () => {
    const groups = groupBySlot(['{a}1', 'b', '{a}2', 'c', '{a}3'])
    expect(groups[0]).toEqual(['{a}1', '{a}2', '{a}3'])
    expect(groups.flat().sort()).toEqual(['b', 'c', '{a}1', '{a}2', '{a}3'])
    for (const group of groups) expect(new Set(group.map(hashSlot)).size).toBe(1)
  })

  it('returns no group for no keys', () => {
    expect(groupBySlot([])).toEqual([])
  })
})
