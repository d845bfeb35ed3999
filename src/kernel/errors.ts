/**
 * Error classes of resilient-cache. Each carries a stable `code` and the original error as `cause`.
 *
 * Detection works across duplicate copies of the package (two versions in one node_modules tree):
 * use the `isXError()` guards, which check a global brand and the code, rather than `instanceof`.
 */

const BRAND = Symbol.for('resilient-cache.error')

/** Stable codes of the errors this package throws. */
export type CacheErrorCode =
  | 'E_CACHE'
  | 'E_CONFIG'
  | 'E_SERIALIZATION'
  | 'E_L2_CONNECTION'
  | 'E_L2_TIMEOUT'
  | 'E_CLOSED'
  | 'E_LOADER_TIMEOUT'

/** Base class of every error resilient-cache throws or reports. */
export class CacheError extends Error {
  /** Stable, machine-readable code. */
  readonly code: CacheErrorCode
  readonly [BRAND] = true

  constructor(message: string, options: { code?: CacheErrorCode; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = options.code ?? 'E_CACHE'
  }
}

/** An option, environment variable or argument of configuration is invalid. Names the field and value. */
export class CacheConfigurationError extends CacheError {
  /** The option or environment variable at fault (`l2Port`, `CACHE_REDIS_PORT`, ...). */
  readonly field: string

  constructor(field: string, message: string, options: { cause?: unknown } = {}) {
    super(`Invalid cache configuration: ${field}: ${message}`, { code: 'E_CONFIG', cause: options.cause })
    this.field = field
  }
}

/** A value could not be encoded for L2 (or is larger than `maxValueBytes`). Nothing was written. */
export class CacheSerializationError extends CacheError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'E_SERIALIZATION', cause: options.cause })
  }
}

/** L2 could not be reached. Reported through logs and stats; never thrown by cache reads and writes. */
export class CacheConnectionError extends CacheError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'E_L2_CONNECTION', cause: options.cause })
  }
}

/** An L2 operation took longer than `l2CommandTimeout`. Counted as a circuit-breaker failure. */
export class CacheTimeoutError extends CacheError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'E_L2_TIMEOUT', cause: options.cause })
  }
}

/**
 * A `getOrSet` loader did not settle within `hardTimeout` and no expired copy (`grace`) could be
 * served instead. The loader's `ctx.signal` is aborted once no caller waits for it any more.
 */
export class CacheLoaderTimeoutError extends CacheError {
  /** The key whose loader timed out. */
  readonly key: string
  /** The `hardTimeout` in force, in ms. */
  readonly timeoutMs: number

  constructor(key: string, timeoutMs: number, options: { cause?: unknown } = {}) {
    super(
      `getOrSet('${key}'): the loader did not settle within ${timeoutMs} ms (hardTimeout) and no expired copy was kept (grace)`,
      { code: 'E_LOADER_TIMEOUT', cause: options.cause },
    )
    this.key = key
    this.timeoutMs = timeoutMs
  }
}

function hasCode(error: unknown, code?: CacheErrorCode): boolean {
  if (typeof error !== 'object' || error === null) return false
  if ((error as Record<symbol, unknown>)[BRAND] !== true) return false
  return code === undefined || (error as { code?: unknown }).code === code
}

/** True for any error of this package, from any copy of it. */
export const isCacheError = (error: unknown): error is CacheError => hasCode(error)
/** True for a {@link CacheConfigurationError} from any copy of this package. */
export const isCacheConfigurationError = (error: unknown): error is CacheConfigurationError =>
  hasCode(error, 'E_CONFIG')
/** True for a {@link CacheSerializationError} from any copy of this package. */
export const isCacheSerializationError = (error: unknown): error is CacheSerializationError =>
  hasCode(error, 'E_SERIALIZATION')
/** True for a {@link CacheConnectionError} from any copy of this package. */
export const isCacheConnectionError = (error: unknown): error is CacheConnectionError =>
  hasCode(error, 'E_L2_CONNECTION')
/** True for a {@link CacheTimeoutError} from any copy of this package. */
export const isCacheTimeoutError = (error: unknown): error is CacheTimeoutError =>
  hasCode(error, 'E_L2_TIMEOUT')
/** True for a {@link CacheLoaderTimeoutError} from any copy of this package. */
export const isCacheLoaderTimeoutError = (error: unknown): error is CacheLoaderTimeoutError =>
  hasCode(error, 'E_LOADER_TIMEOUT')
