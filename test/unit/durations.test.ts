import { describe, expect, it } from 'vitest'
import { parseDurationMs } from '../../src/config/durations.js'
import { configError } from '../helpers/config-error.js'

describe('parseDurationMs', () => {
  it.each([
    [5, 5000],
    [0.05, 50],
    [1.5, 1500],
    [3600, 3_600_000],
  ])('reads the number %s as seconds', (value, ms) => {
    expect(parseDurationMs(value, 'ttl')).toBe(ms)
  })

  it.each([
    ['500ms', 500],
    ['5s', 5000],
    ['1.5s', 1500],
    ['.5s', 500],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['7d', 604_800_000],
    [' 10m ', 600_000],
    ['5 s', 5000],
    ['\t250ms\n', 250],
  ])('reads the string %j with its unit', (value, ms) => {
    expect(parseDurationMs(value, 'ttl')).toBe(ms)
  })

  it.each([
    ['5', 5000],
    ['0.25', 250],
    [' 60 ', 60_000],
  ])('reads the bare numeric string %j as seconds', (value, ms) => {
    expect(parseDurationMs(value, 'ttl')).toBe(ms)
  })

  it('rounds to the nearest whole millisecond', () => {
    expect(parseDurationMs('1.4ms', 'ttl')).toBe(1)
    expect(parseDurationMs('1.6ms', 'ttl')).toBe(2)
    expect(parseDurationMs(0.0125, 'ttl')).toBe(13)
  })

  it('rounds a positive duration under 1 ms up to 1 ms, never down to 0', () => {
    expect(parseDurationMs(0.0004, 'ttl')).toBe(1)
    expect(parseDurationMs('0.1ms', 'ttl')).toBe(1)
  })

  it('accepts zero only with allowZero', () => {
    expect(parseDurationMs(0, 'grace', { allowZero: true })).toBe(0)
    expect(parseDurationMs('0s', 'grace', { allowZero: true })).toBe(0)
    expect(parseDurationMs('0ms', 'grace', { allowZero: true })).toBe(0)
    const error = configError(() => parseDurationMs(0, 'l2Ttl'))
    expect(error.field).toBe('l2Ttl')
    expect(error.message).toContain('more than 0')
    expect(error.message).toContain('got 0')
  })

  it('rejects a zero string without allowZero', () => {
    expect(configError(() => parseDurationMs('0ms', 'l1Ttl')).message).toContain("got '0ms'")
  })

  it('explains the accepted forms and shows the bad value', () => {
    const error = configError(() => parseDurationMs('abc', 'l2Ttl'))
    expect(error.code).toBe('E_CONFIG')
    expect(error.field).toBe('l2Ttl')
    expect(error.message).toBe(
      "Invalid cache configuration: l2Ttl: expected a duration in seconds or a string like '500ms', '5s', '10m', got 'abc'",
    )
  })

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['-1', -1],
    ['-0.5', -0.5],
    ["'-5s'", '-5s'],
    ["''", ''],
    ["'   '", '   '],
    ["'5x'", '5x'],
    ["'5 sec'", '5 sec'],
    ["'5M'", '5M'],
    ["'1e3'", '1e3'],
    ["'5s5'", '5s5'],
    ["'s'", 's'],
    ["'Infinity'", 'Infinity'],
    ['null', null],
    ['undefined', undefined],
    ['true', true],
    ['5n', BigInt(5)],
    ['an object', {}],
    ['an array', [5]],
  ])('rejects %s, naming the field and showing the value', (shown, value) => {
    const error = configError(() => parseDurationMs(value, 'circuitBreakerTimeout'))
    expect(error.field).toBe('circuitBreakerTimeout')
    expect(error.code).toBe('E_CONFIG')
    expect(error.message).toContain(`got ${shown}`)
  })

  it('rejects a duration too long for exact millisecond arithmetic', () => {
    expect(configError(() => parseDurationMs(1e300, 'l2Ttl')).message).toContain('got 1e+300')
  })

  it('uses the label it is given, such as an environment variable', () => {
    expect(configError(() => parseDurationMs('soon', 'CACHE_REDIS_CONNECT_TIMEOUT')).field).toBe(
      'CACHE_REDIS_CONNECT_TIMEOUT',
    )
  })
})
