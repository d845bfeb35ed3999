import { CacheConfigurationError } from '../kernel/errors.js'
import { describeValue } from './validate.js'

/** Options of {@link parseDurationMs}. */
export interface ParseDurationOptions {
  /** Accept `0` (and `'0s'`, `'0ms'`, ...). @default false */
  allowZero?: boolean
}

const MS_PER_UNIT = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const

// Units are lowercase only: `'5M'` could as well mean months or mega, so it is refused, not guessed.
const DURATION_STRING = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h|d)?\s*$/

const FORMS = "in seconds or a string like '500ms', '5s', '10m'"

/**
 * Parses a duration option into milliseconds.
 *
 * - A number is seconds, fractions allowed: `0.05` is 50 ms (the unit of the seed and of Redis `EX`).
 * - A string is a number followed by a unit, `ms`, `s`, `m`, `h` or `d` (`'500ms'`, `'1.5s'`,
 *   `' 10m '`); a bare numeric string is seconds, so environment variables read like numbers.
 *
 * The result is rounded to a whole millisecond; a positive duration under 1 ms becomes 1 ms rather
 * than 0, because 0 means "no limit" or "expire now" to most consumers of these values.
 * @param field the option (or environment variable) named in the error.
 * @throws CacheConfigurationError naming `field` and showing the value for anything else: NaN,
 * Infinity, negative numbers, unknown units, empty strings, other types, and 0 unless `allowZero`.
 */
export function parseDurationMs(value: unknown, field: string, options: ParseDurationOptions = {}): number {
  const exactMs = toExactMs(value)
  if (exactMs === undefined || !Number.isFinite(exactMs) || exactMs < 0) {
    throw new CacheConfigurationError(field, `expected a duration ${FORMS}, got ${describeValue(value)}`)
  }
  if (exactMs === 0) {
    if (options.allowZero === true) return 0
    throw new CacheConfigurationError(
      field,
      `expected a duration of more than 0 (${FORMS}), got ${describeValue(value)}`,
    )
  }
  const ms = Math.max(1, Math.round(exactMs))
  // Beyond this, ms arithmetic (now + ttl) silently loses precision.
  if (ms > Number.MAX_SAFE_INTEGER) {
    throw new CacheConfigurationError(
      field,
      `expected a duration of at most ${Number.MAX_SAFE_INTEGER} ms, got ${describeValue(value)}`,
    )
  }
  return ms
}

function toExactMs(value: unknown): number | undefined {
  if (typeof value === 'number') return value * 1000
  if (typeof value !== 'string') return undefined
  const match = DURATION_STRING.exec(value)
  if (match === null) return undefined
  const unit = (match[2] ?? 's') as keyof typeof MS_PER_UNIT
  return Number(match[1]) * MS_PER_UNIT[unit]
}
