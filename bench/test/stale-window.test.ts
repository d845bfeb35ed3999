import { afterEach, describe, expect, it, vi } from 'vitest'
import { InvalidationWatch, perRoundQuantile, staleWindowSample } from '../src/stale-window.js'

describe('bench stale window: one sample', () => {
  it('is the latest reader’s drop after delete() resolved, in ns', () => {
    const sample = staleWindowSample(100, [100.2, 100.5], 1e9)
    expect(sample.windowNs).toBeCloseTo(500_000)
    expect(sample.offsetNs).toBeCloseTo(500_000)
    expect(sample).toMatchObject({ early: false, lost: 0 })
  })

  it('counts a drop before delete() resolved as 0, and says so', () => {
    const sample = staleWindowSample(100, [99.96, 99.98], 1e9)
    expect(sample.windowNs).toBe(0)
    expect(sample.offsetNs).toBeCloseTo(-20_000)
    expect(sample.early).toBe(true)
    // One reader before, one after: the window is the later one.
    expect(staleWindowSample(100, [99.9, 100.1], 1e9).windowNs).toBeCloseTo(100_000)
  })

  it('counts a reader that never dropped its copy as the limit', () => {
    const sample = staleWindowSample(100, [100.1, undefined], 1e9)
    expect(sample).toMatchObject({ windowNs: 1e9, early: false, lost: 1 })
    expect(sample.offsetNs).toBeNaN()
    expect(() => staleWindowSample(100, [], 1e9)).toThrow(RangeError)
  })

  it('takes a quantile of each round', () => {
    expect(perRoundQuantile([[1, 2, 3], [10]], 0.5)).toEqual([2, 10])
  })
})

describe('bench stale window: the invalidation watch', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('resolves with the moment the key was dropped, for every waiter of that key only', async () => {
    const watch = new InvalidationWatch()
    const first = watch.next('a', 1000)
    const second = watch.next('a', 1000)
    const other = watch.next('b', 1000)
    expect(watch.pending).toBe(2)
    watch.invalidated(['a', 'c'], 42.5)
    await expect(first).resolves.toBe(42.5)
    await expect(second).resolves.toBe(42.5)
    expect(watch.pending).toBe(1)
    watch.invalidated(['b'], 43)
    await expect(other).resolves.toBe(43)
    expect(watch.pending).toBe(0)
  })

  it('takes a drop of every key (null) as a drop of each awaited key', async () => {
    const watch = new InvalidationWatch()
    const a = watch.next('a', 1000)
    const b = watch.next('b', 1000)
    watch.invalidated(null, 7)
    await expect(Promise.all([a, b])).resolves.toEqual([7, 7])
    expect(watch.pending).toBe(0)
  })

  it('ignores drops before the wait began, and gives up after the limit', async () => {
    vi.useFakeTimers()
    const watch = new InvalidationWatch()
    watch.invalidated(['a'], 1)
    const late = watch.next('a', 50)
    vi.advanceTimersByTime(50)
    await expect(late).resolves.toBeUndefined()
    expect(watch.pending).toBe(0)
    // A drop after the limit changes nothing (and throws nothing).
    watch.invalidated(['a'], 2)
  })
})
