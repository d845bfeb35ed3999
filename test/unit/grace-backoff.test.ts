import { describe, expect, it } from 'vitest'
import { GraceBackoff } from '../../src/loading/grace-backoff.js'

describe('GraceBackoff', () => {
  it('is active until its end, then forgets the key', () => {
    const backoff = new GraceBackoff()
    backoff.start('k', 1000)
    expect(backoff.isActive('k', 999)).toBe(true)
    expect(backoff.isActive('k', 1000)).toBe(false)
    backoff.start('k', 2000)
    backoff.end('k')
    expect(backoff.isActive('k', 1500)).toBe(false)
    expect(backoff.isActive('other', 0)).toBe(false)
  })

  it('remembers at most 10 000 keys, dropping the oldest first', () => {
    const backoff = new GraceBackoff()
    for (let i = 0; i <= 10_000; i++) backoff.start(`k${i}`, 1000)
    expect(backoff.isActive('k0', 0)).toBe(false)
    expect(backoff.isActive('k1', 0)).toBe(true)
    expect(backoff.isActive('k10000', 0)).toBe(true)
  })
})
