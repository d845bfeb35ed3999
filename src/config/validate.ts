/*
 * Validators shared by the service and cache options. Each takes the value and a `label`: the option
 * name, or the environment variable the value came from, so that the error points at what the user
 * must change. Each throws a CacheConfigurationError naming the label and showing the bad value
 * (secrets excepted).
 */
import { CacheConfigurationError } from '../kernel/errors.js'
import { KEY_SEPARATOR } from '../kernel/keys.js'
import type { Logger } from '../kernel/logger.js'
import { redactUrl } from './redact.js'
import { suggestOption } from './suggest-option.js'

/** Longest L2 key prefix, in UTF-8 bytes; leaves most of a Redis key's 1 KiB to the key itself. */
export const MAX_KEY_PREFIX_BYTES = 256

const MAX_SHOWN_CHARS = 80
const LOGGER_METHODS = ['debug', 'info', 'warn', 'error'] as const
const URL_PROTOCOLS = ['redis:', 'rediss:', 'valkey:', 'valkeys:']
const URL_EXPECTED = 'expected a redis://, rediss://, valkey:// or valkeys:// URL'

/**
 * A short, single-line rendering of a value for error messages: strings quoted (and cut after 80
 * characters), objects by kind only, since they may be large or hold secrets.
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    // JSON escaping keeps newlines and control characters from breaking the log line.
    const escaped = JSON.stringify(value.length > MAX_SHOWN_CHARS ? value.slice(0, MAX_SHOWN_CHARS) : value)
    const inner = escaped.slice(1, -1).replace(/\\"/g, '"')
    return value.length > MAX_SHOWN_CHARS ? `'${inner}...' (${value.length} characters)` : `'${inner}'`
  }
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'function') return 'a function'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  return String(value)
}

/** True for `{}`-style objects (literal or `Object.create(null)`), not arrays, class instances or null. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

/** The options argument itself must be a plain object. */
export function requireOptionsObject(value: unknown, label: string): Record<string, unknown> {
  if (!isPlainObject(value)) {
    const shown =
      typeof value === 'object' && value !== null && !Array.isArray(value)
        ? 'a class instance'
        : describeValue(value)
    throw new CacheConfigurationError(label, `expected a plain object of options, got ${shown}`)
  }
  return value
}

/**
 * Throws for the first key of `options` that is not in `known`, with the closest known name as a
 * suggestion: a misspelled option would otherwise be ignored and its default silently used.
 */
export function rejectUnknownOptions(options: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue
    const suggestion = suggestOption(key, known)
    throw new CacheConfigurationError(
      key,
      suggestion === undefined
        ? `unknown option; known options: ${known.join(', ')}`
        : `unknown option; did you mean '${suggestion}'?`,
    )
  }
}

/** An integer from `min` to `max`, inclusive. */
export function requireInteger(
  value: unknown,
  label: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of ${min} or more` : `from ${min} to ${max}`
    throw new CacheConfigurationError(label, `expected an integer ${range}, got ${describeValue(value)}`)
  }
  return value
}

/** A string with at least one non-blank character. */
export function requireNonEmptyString(value: unknown, label: string): string {
  if (typeof value !== 'string' || value.trim().length === 0) {
    throw new CacheConfigurationError(label, `expected a non-empty string, got ${describeValue(value)}`)
  }
  return value
}

/** A non-empty string whose content is never shown in an error, only its type. */
export function requireSecret(value: unknown, label: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    const shown = value === '' ? 'an empty string' : typeof value
    throw new CacheConfigurationError(label, `expected a non-empty string, got ${shown}`)
  }
  return value
}

/** `true` or `false`; strings like `'true'` are only accepted from the environment, by `fromEnv`. */
export function requireBoolean(value: unknown, label: string): boolean {
  if (typeof value !== 'boolean') {
    throw new CacheConfigurationError(label, `expected true or false, got ${describeValue(value)}`)
  }
  return value
}

/** One of `allowed`. */
export function requireOneOf<T extends string>(value: unknown, label: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    const choices = allowed.map((choice) => `'${choice}'`).join(', ')
    throw new CacheConfigurationError(label, `expected one of ${choices}, got ${describeValue(value)}`)
  }
  return value as T
}

/**
 * A `redis://`, `rediss://`, `valkey://` or `valkeys://` URL whose path, if any, is a database index.
 * Its password is masked in the error.
 */
export function requireRedisUrl(value: unknown, label: string): string {
  if (typeof value !== 'string') {
    throw new CacheConfigurationError(label, `${URL_EXPECTED}, got ${describeValue(value)}`)
  }
  const shown = describeValue(redactUrl(value))
  let url: URL
  try {
    url = new URL(value.trim())
  } catch {
    throw new CacheConfigurationError(label, `${URL_EXPECTED}, got ${shown}`)
  }
  if (!URL_PROTOCOLS.includes(url.protocol)) {
    throw new CacheConfigurationError(label, `${URL_EXPECTED}, got ${shown}`)
  }
  if (url.pathname !== '' && url.pathname !== '/' && !/^\/\d+$/.test(url.pathname)) {
    throw new CacheConfigurationError(
      label,
      `the path of the URL is the database index, a whole number, got ${shown}`,
    )
  }
  return value.trim()
}

/** `true`, `false`, or a plain object of Node.js `tls.connect` options. */
export function requireTls(value: unknown, label: string): boolean | Record<string, unknown> {
  if (typeof value !== 'boolean' && !isPlainObject(value)) {
    throw new CacheConfigurationError(
      label,
      `expected true, false or an object of tls.connect options, got ${describeValue(value)}`,
    )
  }
  return value
}

/** An object with `debug`, `info`, `warn` and `error` methods: pino, or anything shaped like it. */
export function requireLogger(value: unknown, label: string): Logger {
  if (typeof value !== 'object' || value === null) {
    throw new CacheConfigurationError(
      label,
      `expected a logger with debug, info, warn and error methods (pino or compatible), got ${describeValue(value)}`,
    )
  }
  const missing = LOGGER_METHODS.filter(
    (method) => typeof (value as Record<string, unknown>)[method] !== 'function',
  )
  if (missing.length > 0) {
    throw new CacheConfigurationError(
      label,
      `expected a logger with debug, info, warn and error methods (pino or compatible), got an object without ${missing.join(', ')}`,
    )
  }
  return value as Logger
}

/**
 * An L2 key prefix. The separator joins prefix and key in Redis (`users::42`), so a prefix may neither
 * contain it nor end with `:`: then the first `::` of any Redis key ends its prefix, and cache `a`
 * (key `b::x`) and cache `a:b` (key `x`) can never write the same Redis key. Glob characters are
 * allowed: the cache escapes them where it builds `SCAN MATCH` patterns.
 */
export function requireKeyPrefix(value: unknown, label: string): string {
  const prefix = requireNonEmptyString(value, label)
  const why = `the separator '${KEY_SEPARATOR}' joins prefix and key in Redis, so`
  if (prefix.includes(KEY_SEPARATOR)) {
    throw new CacheConfigurationError(
      label,
      `must not contain '${KEY_SEPARATOR}': ${why} this cache's keys could collide with another cache's; got ${describeValue(prefix)}`,
    )
  }
  if (prefix.endsWith(':')) {
    throw new CacheConfigurationError(
      label,
      `must not end with ':': ${why} the prefix would run into the separator and its keys could collide with another cache's; got ${describeValue(prefix)}`,
    )
  }
  if (!prefix.isWellFormed()) {
    throw new CacheConfigurationError(
      label,
      `must be well-formed Unicode (no lone UTF-16 surrogate): Redis would store it as U+FFFD; got ${JSON.stringify(prefix)}`,
    )
  }
  const bytes = Buffer.byteLength(prefix)
  if (bytes > MAX_KEY_PREFIX_BYTES) {
    throw new CacheConfigurationError(
      label,
      `must be at most ${MAX_KEY_PREFIX_BYTES} bytes (UTF-8), got ${bytes} bytes: ${describeValue(prefix)}`,
    )
  }
  return prefix
}
