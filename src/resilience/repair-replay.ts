import type { L2Executor } from './l2-guard.js'
import type { RepairJournal } from './repair-journal.js'

/** How many keys one UNLINK of a replay removes. */
const UNLINK_BATCH = 500

/** What a replay needs of its cache besides the journal. */
export interface RepairSteps {
  /** `<l2KeyPrefix>::`: journal keys are full L2 keys, announcements name the cache's own keys. */
  readonly keyPrefix: string
  /** Deletes every L2 key under the cache's prefix; throws when L2 fails. */
  unlinkPrefix(execute: L2Executor): Promise<number>
  /** Tells the other instances that `keys` (every key for `null`) changed; throws when L2 fails. */
  announce(execute: L2Executor, keys: readonly string[] | null): Promise<unknown>
}

/** What one replay did. */
export interface RepairOutcome {
  keys: number
  prefixCleared: boolean
  durationMs: number
}

/**
 * Replays a repair journal as invalidations: the prefix clear first when one is pending, then the
 * marked keys, UNLINKed in batches. Each step is announced on the bus before it counts as done,
 * because other instances may hold the replaced values in L1: a failed announcement keeps the step
 * in the journal. Throws when L2 fails mid-way, leaving what is not done for the next replay.
 */
export async function replayRepairs(
  journal: RepairJournal,
  execute: L2Executor,
  steps: RepairSteps,
): Promise<RepairOutcome> {
  const startedAt = performance.now()
  const plan = journal.plan()
  if (plan.clearPrefix) {
    await steps.unlinkPrefix(execute)
    await steps.announce(execute, null)
    journal.completeClear(plan)
  }
  for (let start = 0; start < plan.keys.length; start += UNLINK_BATCH) {
    const batch = plan.keys.slice(start, start + UNLINK_BATCH)
    const fullKeys = batch.map(([fullKey]) => fullKey)
    await execute('repair', (l2) => l2.delete(fullKeys))
    await steps.announce(
      execute,
      fullKeys.map((fullKey) => fullKey.slice(steps.keyPrefix.length)),
    )
    journal.completeKeys(batch)
  }
  return {
    keys: plan.keys.length,
    prefixCleared: plan.clearPrefix,
    durationMs: performance.now() - startedAt,
  }
}
