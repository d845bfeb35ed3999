import { serverRefusalCode } from '../backends/l2/server-refusal.js'
import { isCacheTimeoutError } from '../kernel/errors.js'
import type { Logger } from '../kernel/logger.js'
import { INVALIDATION_CHANNEL } from './invalidation-message.js'

/** What carries invalidations between instances: the bus's two commands, or tracking's set-up. */
export type InvalidationOperation = 'publish' | 'subscribe' | 'tracking'

/** The state of the invalidation channels of a service (see `CacheServiceStats.invalidation`). */
export interface InvalidationHealthStats {
  /**
   * `failing` while the last attempt of a publish, a subscription or the tracking set-up failed: L2
   * still serves data, but other instances may keep stale L1 copies up to `l1Ttl`. @default 'ok'
   */
  state: 'ok' | 'failing'
  /** The operations whose last attempt failed. */
  failing: InvalidationOperation[]
  /**
   * The last failure's code: Redis's (`NOPERM`), or `TIMEOUT` / `UNREACHABLE` when the server did not
   * answer. `null` until something fails.
   */
  lastErrorCode: string | null
  /** The operation of the last failure, `null` until something fails. */
  lastErrorOperation: InvalidationOperation | null
  /** Failed attempts since the service started. */
  failures: number
}

const TRACKING_CHANNEL = '__redis__:invalidate'

/**
 * Failures in a row of one operation, other than refusals, after which it is reported at warn: a lone
 * timeout is ordinary; this many, while the data path works (else the breaker skips them), is not.
 */
const PERSISTENT_FAILURES = 3

/**
 * One per service: whether invalidations get through. Failures of the bus or of tracking are reported
 * here and never to the circuit breaker, which judges the data path only: a user without pub/sub
 * rights still reads and writes L2. A refusal (`NOPERM`) is logged at error with the fix the first
 * time; other failures at warn once they persist ({@link PERSISTENT_FAILURES} in a row); repeats at
 * debug; and, once reported, the recovery at info.
 */
export class InvalidationHealth {
  readonly #logger: Logger
  readonly #username: string | undefined
  /** Failures in a row of each operation whose last attempt failed. */
  readonly #failing = new Map<InvalidationOperation, number>()
  /** Operations whose failure was logged above debug, until they work again. */
  readonly #reported = new Set<InvalidationOperation>()
  #lastErrorCode: string | null = null
  #lastErrorOperation: InvalidationOperation | null = null
  #failures = 0

  /** @param username the ACL user the service connects as, named in the fix (not a secret). */
  constructor(logger: Logger, username: string | undefined) {
    this.#logger = logger
    this.#username = username
  }

  /** An attempt of `operation` failed with `error`. */
  failed(operation: InvalidationOperation, error: unknown): void {
    this.#failures++
    const code = failureCode(error)
    this.#lastErrorCode = code
    this.#lastErrorOperation = operation
    const inARow = (this.#failing.get(operation) ?? 0) + 1
    this.#failing.set(operation, inARow)
    const context = { operation, code, error: error instanceof Error ? error.message : String(error) }
    const refused = serverRefusalCode(error) !== undefined
    if (this.#reported.has(operation) || (!refused && inARow < PERSISTENT_FAILURES)) {
      this.#logger.debug(context, 'Invalidation failed')
      return
    }
    this.#reported.add(operation)
    if (refused) this.#logger.error(context, this.#explain(operation, code))
    else this.#logger.warn({ ...context, failuresInARow: inARow }, this.#explain(operation, code))
  }

  /** An attempt of `operation` succeeded. */
  succeeded(operation: InvalidationOperation): void {
    this.#failing.delete(operation)
    if (this.#reported.delete(operation)) this.#logger.info({ operation }, 'Invalidation works again')
  }

  stats(): InvalidationHealthStats {
    return {
      state: this.#failing.size === 0 ? 'ok' : 'failing',
      failing: [...this.#failing.keys()],
      lastErrorCode: this.#lastErrorCode,
      lastErrorOperation: this.#lastErrorOperation,
      failures: this.#failures,
    }
  }

  #explain(operation: InvalidationOperation, code: string): string {
    const what = FAILED[operation]
    if (code !== 'NOPERM') return `${what} (${code}). ${EFFECT}`
    const user = this.#username ?? '<user>'
    // The bus needs its channel; tracking needs the channel Redis reports changes on.
    const grant =
      operation === 'publish'
        ? `ACL SETUSER ${user} &resilient-cache:*`
        : `ACL SETUSER ${user} &resilient-cache:* &${TRACKING_CHANNEL}`
    return `${what} (NOPERM): the Redis ACL user lacks pub/sub channel rights. Grant them with \`${grant}\`, or set invalidation: 'none'. ${EFFECT}`
  }
}

const FAILED: Record<InvalidationOperation, string> = {
  publish: `Publishing invalidations on ${INVALIDATION_CHANNEL} failed`,
  subscribe: 'Subscribing to invalidations failed',
  tracking: 'Setting up server-assisted tracking failed',
}

const EFFECT =
  'L2 keeps serving data; other instances may serve stale L1 copies (up to l1Ttl) until this is fixed.'

function failureCode(error: unknown): string {
  const refusal = serverRefusalCode(error)
  if (refusal !== undefined) return refusal
  return isCacheTimeoutError(error) ? 'TIMEOUT' : 'UNREACHABLE'
}
