import { CacheSerializationError } from '../kernel/errors.js'

/** What an L1 read returns when the key is not there (`undefined` cannot say it: it is not a value). */
export const NOT_IN_L1: unique symbol = Symbol('resilient-cache.not-in-l1')

/** L1 cannot hold `undefined` and stores `null` as this token, so that `null` is a cacheable value. */
const NULL_IN_L1: object = Object.freeze({ nullInL1: true })

/**
 * What L1 keeps for a tagged entry: the value beside its tags, so that a `deleteByTag` heard on the bus
 * finds the entries it covers. Untagged values are stored bare: only tagged hits pay the unwrapping.
 */
export class TaggedInL1 {
  constructor(
    readonly value: unknown,
    readonly tags: readonly string[],
  ) {}
}

/** What L1 keeps for a value the caller gives (`null` as its token; a copy with `l1Clone`). */
export function toL1(value: unknown, clone: boolean, tags?: readonly string[]): unknown {
  const stored = value === null ? NULL_IN_L1 : clone ? cloneForL1(value) : value
  return tags === undefined ? stored : new TaggedInL1(stored, tags)
}

/** What L1 keeps for a value decoded from L2: L1 may hold that object itself, nobody else has it. */
export function decodedToL1(value: unknown, tags?: readonly string[]): unknown {
  const stored = value === null ? NULL_IN_L1 : value
  return tags === undefined ? stored : new TaggedInL1(stored, tags)
}

/** The value for a caller from what L1 holds (a copy with `l1Clone`). */
export function fromL1<V>(stored: unknown, clone: boolean): V {
  const value = stored instanceof TaggedInL1 ? stored.value : stored
  if (value === NULL_IN_L1) return null as V
  return (clone ? structuredClone(value) : value) as V
}

/** Whether what L1 holds carries one of `tags`. */
export function carriesTag(stored: unknown, tags: ReadonlySet<string>): boolean {
  if (!(stored instanceof TaggedInL1)) return false
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
