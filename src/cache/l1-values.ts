import { CacheSerializationError } from '../kernel/errors.js'

/** What an L1 read returns when the key is not there (`undefined` cannot say it: it is not a value). */
export const NOT_IN_L1: unique symbol = Symbol('resilient-cache.not-in-l1')

/** L1 cannot hold `undefined` and stores `null` as this token, so that `null` is a cacheable value. */
const NULL_IN_L1: object = Object.freeze({ nullInL1: true })

/**
 * What L1 keeps for an entry whose expiry matters besides its L1 lifetime: one written or promoted
 * with `grace` (L1 keeps it past its expiry, as a fail-safe copy nobody reads as live) or for
 * `eagerRefresh` (a hit needs to know how near the expiry is). Plain entries are stored bare, so the
 * L1 hit of a cache that uses neither pays one `instanceof` for this.
 */
export class TimedL1Entry {
  constructor(
    /** The value as L1 keeps it (see {@link toL1}). */
    readonly held: unknown,
    /** The entry's expiry, ms on the cache's clock. */
    readonly expiresAtMs: number,
    /** Until when L1 may serve it as live: min(its expiry, when it was stored + `l1Ttl`). */
    readonly freshUntilMs: number,
    /** How long past its expiry L1 keeps it (`grace`), ms. */
    readonly graceMs: number,
  ) {}
}

/** What L1 keeps for a value the caller gives (`null` as its token; a copy with `l1Clone`). */
export function toL1(value: unknown, clone: boolean): unknown {
  if (value === null) return NULL_IN_L1
  return clone ? cloneForL1(value) : value
}

/** What L1 keeps for a value decoded from L2: L1 may hold that object itself, nobody else has it. */
export function decodedToL1(value: unknown): unknown {
  return value === null ? NULL_IN_L1 : value
}

/** The value for a caller from what L1 holds (a copy with `l1Clone`). */
export function fromL1<V>(stored: unknown, clone: boolean): V {
  if (stored === NULL_IN_L1) return null as V
  return (clone ? structuredClone(stored) : stored) as V
}

function cloneForL1(value: unknown): unknown {
  try {
    return structuredClone(value)
  } catch (error) {
    throw new CacheSerializationError(`l1Clone: the value cannot be copied: ${(error as Error).message}`, {
      cause: error,
    })
  }
}
