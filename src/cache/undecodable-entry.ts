import { EntryDecodeError } from '../backends/l2/entry-format.js'
import type { Logger } from '../kernel/logger.js'

/** What {@link discardUndecodable} counts, logs and reports with. */
export interface UndecodableSink {
  readonly name: string
  readonly logger: Logger
  readonly counters: { misses: number; corruptEntries: number; unsupportedEntries: number }
  onError(operation: string, kind: 'decode', error: unknown): void
  /** Deletes the corrupt entry from L2 (in the background). */
  remove(fullKey: string): void
}

/**
 * An undecodable entry is a miss, never a breaker failure. A corrupt or foreign one is counted,
 * logged and removed; one that is intact but unreadable here (a newer release wrote it) is left for
 * the instances that can read it, and logged at warn once per cache: in a rolling upgrade it is
 * every read.
 */
export function discardUndecodable(sink: UndecodableSink, fullKey: string, error: unknown): void {
  const { counters, logger } = sink
  counters.misses++
  if (error instanceof EntryDecodeError && !error.corrupt) {
    counters.unsupportedEntries++
    const log = counters.unsupportedEntries === 1 ? logger.warn : logger.debug
    log.call(
      logger,
      { cache: sink.name, reason: error.reason, error: error.message },
      'L2 entry this process cannot read treated as a miss and left in place',
    )
    sink.onError('get', 'decode', error)
    return
  }
  counters.corruptEntries++
  const reason = error instanceof EntryDecodeError ? error.reason : 'payload'
  logger.warn(
    { cache: sink.name, reason, error: (error as Error).message },
    'Undecodable L2 entry treated as a miss and deleted',
  )
  sink.onError('get', 'decode', error)
  sink.remove(fullKey)
}
