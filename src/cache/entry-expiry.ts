import { ENTRY_HEADER_FIXED_BYTES, entryExpiresAtMs } from '../backends/l2/entry-format.js'
import type { L2Backend } from '../backends/l2/l2-backend.js'
import type { Clock } from '../kernel/clock.js'
import type { L2Budget } from '../resilience/l2-budget.js'
import { L2_FAILED, type L2Caller, type L2Guard } from '../resilience/l2-guard.js'

/** The header of an entry (what holds its expiry), through `getPrefix` when the backend has it. */
export function readHeader(l2: L2Backend, fullKey: string): Promise<Uint8Array | null> {
  return l2.getPrefix === undefined ? l2.get(fullKey) : l2.getPrefix(fullKey, ENTRY_HEADER_FIXED_BYTES)
}

/**
 * The expiry in the header of `fullKey`'s entry; `undefined` when the key is missing or L2 fails,
 * `'unreadable'` for a value that is not an entry this version reads.
 */
export async function expiryOf(
  guard: L2Guard,
  caller: L2Caller,
  fullKey: string,
  budget?: L2Budget,
): Promise<number | 'unreadable' | undefined> {
  const header = await guard.run('header', (l2) => readHeader(l2, fullKey), caller, budget)
  if (header === L2_FAILED || header === null) return undefined
  return entryExpiresAtMs(header) ?? 'unreadable'
}

/** Removes an expired copy kept by `grace` (only if it is still that copy); whether it did. */
export async function removeExpiredCopy(
  guard: L2Guard,
  caller: L2Caller,
  clock: Clock,
  fullKey: string,
  budget: L2Budget,
): Promise<boolean> {
  // The header first: for a live value (the usual answer) the value itself is not read.
  const expiry = await expiryOf(guard, caller, fullKey, budget)
  if (expiry === 'unreadable' || (expiry !== undefined && expiry > clock.now())) return false
  const bytes = await guard.run('get', (l2) => l2.get(fullKey), caller, budget)
  if (bytes === L2_FAILED || bytes === null) return bytes === null
  const expiresAtMs = entryExpiresAtMs(bytes)
  if (expiresAtMs === undefined || expiresAtMs > clock.now()) return false
  const removed = await guard.run(
    'delete',
    (l2) => l2.deleteIfEquals?.(fullKey, bytes) ?? Promise.resolve(false),
    caller,
    budget,
  )
  return removed === true
}
