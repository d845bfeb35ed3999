import { randomBytes } from 'node:crypto'
import { setTimeout as delay } from 'node:timers/promises'

/**
 * Lock keys start with the separator: no cache prefix is empty, so no cache key (`<prefix>::<key>`)
 * can ever equal a lock key, and `clear()` (which scans `<prefix>::*`) never removes a lock.
 */
const LOCK_KEY_PREFIX = '::lock::'

/** The L2 key of the loading lock of one cache entry. */
export function lockKeyOf(fullKey: string): string {
  return LOCK_KEY_PREFIX + fullKey
}

/** A random token that identifies one holder, so that it releases only its own lock. */
export function newLockToken(): Buffer {
  return randomBytes(16)
}

/** Pause between two looks at L2 while another instance holds the lock: 10 ms, doubling, at most 100 ms. */
export async function pauseBeforeLook(attempt: number): Promise<void> {
  await delay(Math.min(10 * 2 ** attempt, 100), undefined, { ref: false })
}
