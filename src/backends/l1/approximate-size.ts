// Rough per-value overheads of V8, in bytes: enough to keep many tiny entries from looking free.
const OBJECT_OVERHEAD_BYTES = 16
const PRIMITIVE_BYTES = 8
// Past this depth the rest of a value counts as one object: the walk must stay cheap and finite.
const MAX_DEPTH = 8

/**
 * The approximate memory a value takes, in bytes, for the byte bound of L1 (`l1MaxBytes`): strings
 * count 2 bytes per UTF-16 unit, binary data its length, numbers and booleans 8, and each object or
 * array a small overhead plus its keys and members. Not exact (V8 does not say), but proportional to
 * what a large entry really holds, which is what a byte bound needs. Cycles are counted once.
 */
export function approximateSize(value: unknown): number {
  return sizeOf(value, 0, new Set())
}

function sizeOf(value: unknown, depth: number, seen: Set<object>): number {
  if (typeof value === 'string') return OBJECT_OVERHEAD_BYTES + value.length * 2
  if (typeof value !== 'object' || value === null) return PRIMITIVE_BYTES
  if (ArrayBuffer.isView(value)) return OBJECT_OVERHEAD_BYTES + value.byteLength
  if (value instanceof ArrayBuffer) return OBJECT_OVERHEAD_BYTES + value.byteLength
  if (seen.has(value) || depth >= MAX_DEPTH) return OBJECT_OVERHEAD_BYTES
  seen.add(value)
  let total = OBJECT_OVERHEAD_BYTES
  if (value instanceof Map) {
    for (const [key, member] of value) total += sizeOf(key, depth + 1, seen) + sizeOf(member, depth + 1, seen)
  } else if (value instanceof Set || Array.isArray(value)) {
    for (const member of value) total += sizeOf(member, depth + 1, seen)
  } else {
    for (const [key, member] of Object.entries(value)) {
      total += key.length * 2 + sizeOf(member, depth + 1, seen)
    }
  }
  return total
}
