import { CacheSerializationError } from '../kernel/errors.js'

/** What an L1 read returns when the key is not there (`undefined` cannot say it: it is not a value). */
export const NOT_IN_L1: unique symbol = Symbol('resilient-cache.not-in-l1')

/** L1 cannot hold `undefined` and stores `null` as this token, so that `null` is a cacheable value. */
const NULL_IN_L1: object = Object.freeze({ nullInL1: true })

/**
 * What L1 keeps for an entry that needs more than its value: one written or promoted with `grace`
 * (L1 keeps it past its expiry, as a fail-safe copy nobody reads as live) or for `eagerRefresh` (a hit
 * needs to know how near the expiry is): `timed`; and one that carries tags (a `deleteByTag` heard on
 * the bus finds the entries it covers). Plain entries (no grace, no eager refresh, no tags) are stored
 * bare, so the L1 hit of a cache that uses none of them pays one `instanceof` for this.
 */
export class WrappedL1Entry {
  constructor(
    /** The value as L1 keeps it (see {@link toL1}). */
    readonly held: unknown,
    /** The entry's expiry, ms on the cache's clock (`Infinity` when unknown). */
    readonly expiresAtMs: number,
    /**
     * Until when L1 may serve it as live: min(its expiry, when it was stored + `l1Ttl`) for a timed
     * entry; `Infinity` for an untimed one (L1's own lifetime bounds it).
     */
    readonly freshUntilMs: number,
    /** How long past its expiry L1 keeps it (`grace`), ms. */
    readonly graceMs: number,
    /** Whether it was kept for `grace` or `eagerRefresh`: its expiry and fresh limit are meant. */
    readonly timed: boolean,
    /** The entry's tags, `undefined` for none. */
    readonly tags: readonly string[] | undefined,
  ) {}
}

/**
 * What L1 keeps for a value the caller gives (`null` as its token; a copy with `l1Clone`); with
 * `tags`, an untimed {@link WrappedL1Entry} carrying them.
 */
export function toL1(value: unknown, clone: boolean, tags?: readonly string[]): unknown {
  const held = value === null ? NULL_IN_L1 : clone ? cloneForL1(value) : value
  return tags === undefined
    ? held
    : new WrappedL1Entry(held, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, 0, false, tags)
}

/** What L1 keeps for a value decoded from L2: L1 may hold that object itself, nobody else has it. */
export function decodedToL1(value: unknown): unknown {
  return value === null ? NULL_IN_L1 : value
}

/** The value for a caller from what L1 holds, wrapped or not (a copy with `l1Clone`). */
export function fromL1<V>(stored: unknown, clone: boolean): V {
  return fromHeld<V>(stored instanceof WrappedL1Entry ? stored.held : stored, clone)
}

/** The value for a caller from a bare held value (unwrapped already). */
export function fromHeld<V>(held: unknown, clone: boolean): V {
  if (held === NULL_IN_L1) return null as V
  return (clone ? structuredClone(held) : held) as V
}

/** Whether what L1 holds carries one of `tags`. */
export function carriesTag(stored: unknown, tags: ReadonlySet<string>): boolean {
  if (!(stored instanceof WrappedL1Entry) || stored.tags === undefined) return false
  for (const tag of stored.tags) if (tags.has(tag)) return true
  return false
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
