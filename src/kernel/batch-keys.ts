import { assertValidKey } from './keys.js'

/** Most keys one batch call (`getMany`, `setMany`, `deleteMany`, `getOrSetMany`) takes. */
export const MAX_BATCH_KEYS = 10_000

/**
 * Throws a `TypeError` unless `keys` is an array of at most {@link MAX_BATCH_KEYS} valid keys; a bad
 * key is named by its index (`keys[3]`, or what `nameOf` says). Duplicates are allowed.
 */
export function assertValidKeys(
  keys: unknown,
  prefixBytes: number,
  call: string,
  nameOf: (index: number) => string = (index) => `keys[${index}]`,
): asserts keys is string[] {
  if (!Array.isArray(keys)) {
    throw new TypeError(
      `${call}: keys must be an array of strings, got ${keys === null ? 'null' : typeof keys}`,
    )
  }
  assertBatchSize(keys.length, call)
  for (let index = 0; index < keys.length; index++) {
    try {
      assertValidKey(keys[index], prefixBytes)
    } catch (error) {
      throw new TypeError(`${call}: ${nameOf(index)}: ${(error as Error).message}`)
    }
  }
}

/** Throws a `TypeError` when a batch is larger than {@link MAX_BATCH_KEYS}. */
export function assertBatchSize(size: number, call: string): void {
  if (size > MAX_BATCH_KEYS) {
    throw new TypeError(`${call}: at most ${MAX_BATCH_KEYS} keys per call, got ${size}; split the batch`)
  }
}
