/**
 * The data every candidate caches: the same keys and the same values, so differences in the table
 * come from the libraries, not from what they were given.
 */

/** The number of distinct keys the hit and set cases cycle through (a power of two: `i & KEY_MASK`). */
export const KEY_COUNT = 1024
export const KEY_MASK = KEY_COUNT - 1

/** A user-like record; its JSON is about 70 bytes. */
export interface BenchRecord {
  id: number
  name: string
  email: string
  active: boolean
}

/**
 * The record for `i`. Built by `JSON.parse` on purpose: it yields flat strings, as data that comes
 * from a database driver or an HTTP body does, where string concatenation would give V8 rope
 * strings of another size and make the memory case depend on how the bench built its values.
 */
export function makeRecord(i: number): BenchRecord {
  return JSON.parse(`{"id":${i},"name":"user-${i}","email":"u${i}@ex.com","active":${i % 2 === 0}}`)
}

/** `user:<i>`, the key of record `i`. */
export function keyOf(i: number): string {
  return `user:${i}`
}

/** The keys of the hit and set cases, `KEY_COUNT` of them. */
export const KEYS: readonly string[] = Array.from({ length: KEY_COUNT }, (_, i) => keyOf(i))

/** The value every set writes: one record, so each library encodes the same thing every time. */
export const SET_VALUE: BenchRecord = makeRecord(12_345)

/**
 * A value whose JSON is about `targetBytes` long: an array of records (so serializers meet the
 * object shapes a cache holds, not one long string), wrapped in an object.
 */
export function makeValueOfSize(targetBytes: number): { items: BenchRecord[] } {
  const items: BenchRecord[] = []
  let bytes = '{"items":[]}'.length
  for (let i = 0; bytes < targetBytes; i++) {
    const record = makeRecord(100_000 + i)
    items.push(record)
    bytes += JSON.stringify(record).length + 1
  }
  return { items }
}

/** Two values are the same data (for the correctness check before anything is timed). */
export function sameData(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}
