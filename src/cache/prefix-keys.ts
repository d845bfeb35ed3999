import type { L2Backend } from '../backends/l2/l2-backend.js'
import { escapeGlob } from '../kernel/keys.js'
import { L2_FAILED, type L2Caller, type L2Executor, type L2Guard } from '../resilience/l2-guard.js'
import type { RepairJournal } from '../resilience/repair-journal.js'

/** How many keys one SCAN step asks for. */
const SCAN_COUNT = 1000

/** Deletes every L2 key under `keyPrefix`, a SCAN page at a time; throws when L2 fails. */
export async function unlinkPrefix(execute: L2Executor, keyPrefix: string): Promise<number> {
  const match = `${escapeGlob(keyPrefix)}*`
  let removed = 0
  let cursor = '0'
  do {
    const page = await execute('scan', (l2) => l2.scan(cursor, match, SCAN_COUNT))
    if (page.keys.length > 0) removed += await execute('clear', (l2) => l2.delete(page.keys))
    cursor = page.cursor
  } while (cursor !== '0')
  return removed
}

/** Which listed entries count: what to read of each entry, and whether that says it is live. */
export interface KeyFilter {
  read(l2: L2Backend, fullKey: string): Promise<Uint8Array | null>
  isLive(bytes: Uint8Array): boolean
}

/**
 * Adds to `keys` the L2 keys under `keyPrefix + prefix` (without `keyPrefix`) until `limit`, leaving
 * out keys the journal marks as stale in L2 and, with a `filter`, entries it finds not live (each
 * page's entries are read in one batch). Stops quietly when L2 fails: the listing is best effort.
 */
export async function collectL2Keys(
  guard: L2Guard,
  caller: L2Caller,
  journal: RepairJournal,
  keyPrefix: string,
  prefix: string,
  keys: Set<string>,
  limit: number,
  filter?: KeyFilter,
): Promise<void> {
  const match = `${escapeGlob(keyPrefix + prefix)}*`
  let cursor = '0'
  do {
    const page = await guard.run('scan', (l2) => l2.scan(cursor, match, SCAN_COUNT), caller)
    if (page === L2_FAILED) return
    const candidates = page.keys.filter((fullKey) => !journal.isPending(fullKey))
    let live = candidates
    if (filter !== undefined && candidates.length > 0) {
      const entries = await guard.run(
        'header',
        (l2) => Promise.all(candidates.map((fullKey) => filter.read(l2, fullKey))),
        caller,
      )
      if (entries === L2_FAILED) return
      live = candidates.filter((_, i) => {
        const bytes = entries[i]
        return bytes !== null && bytes !== undefined && filter.isLive(bytes)
      })
    }
    for (const fullKey of live) {
      if (keys.size >= limit) return
      keys.add(fullKey.slice(keyPrefix.length))
    }
    cursor = page.cursor
  } while (cursor !== '0')
}

/** An executor over the guard for a caller's own multi-command operations: throws on failure. */
export function throwingExecutor(
  guard: L2Guard,
  caller: L2Caller,
  fail: (operation: string) => Error,
): L2Executor {
  return async (operation, command) => {
    const result = await guard.run(operation, command, caller)
    if (result === L2_FAILED) throw fail(operation)
    return result
  }
}
