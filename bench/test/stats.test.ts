import { describe, expect, it } from 'vitest'
import { median, pairwise, quantile, summarize } from '../src/stats.js'

describe('bench statistics', () => {
  it('takes the middle value as the median of an odd count', () => {
    expect(median([5, 1, 3])).toBe(3)
  })

  it('averages the two middle values as the median of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5)
  })

  it('interpolates quantiles linearly between the closest ranks', () => {
    expect(quantile([10, 20, 30, 40, 50], 0.25)).toBe(20)
    expect(quantile([1, 2], 0.25)).toBe(1.25)
    expect(quantile([7], 0.9)).toBe(7)
  })

  it('does not reorder the caller’s array', () => {
    const values = [3, 1, 2]
    median(values)
    expect(values).toEqual([3, 1, 2])
  })

  it('rejects an empty list and a quantile outside 0..1', () => {
    expect(() => median([])).toThrow(RangeError)
    expect(() => quantile([1], 1.5)).toThrow(/within 0..1/)
  })

  it('summarizes with the spread as half the range in percent of the median', () => {
    const summary = summarize([90, 100, 110])
    expect(summary).toMatchObject({ count: 3, median: 100, min: 90, max: 110, p25: 95, p75: 105 })
    expect(summary.spreadPct).toBeCloseTo(10)
  })

  it('pairs two series round by round', () => {
    expect(pairwise([2, 9], [1, 3], (a, b) => a / b)).toEqual([2, 3])
    expect(() => pairwise([1], [1, 2], (a, b) => a + b)).toThrow(/1 samples against 2/)
  })
})
