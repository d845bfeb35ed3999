import { parseDurationMs } from '../config/durations.js'
import type { Duration } from '../config/options.js'

/**
 * What a `getOrSet` loader is called with. A loader that takes no argument keeps working.
 *
 * @example
 * await cache.getOrSet('user:1', async (ctx) => {
 *   const user = await db.users.find(1, { signal: ctx.signal })
 *   if (user === null) ctx.setTtl('1m') // remember a miss for less long
 *   return user
 * })
 */
export interface LoaderContext<V> {
  /** The key being loaded. */
  readonly key: string
  /**
   * Aborted when nobody waits for this load any more: every caller left (`hardTimeout`, their own
   * `signal`). Pass it on to `fetch` and database drivers to stop work nobody will use.
   */
  readonly signal: AbortSignal
  /** The expired value kept by `grace`, or `undefined`: for a conditional fetch (ETag, version). */
  readonly staleValue: V | undefined
  /** Sets this entry's lifetime from what was loaded (adaptive caching); overrides the `ttl` option. */
  setTtl(ttl: Duration): void
  /** Returns the value to the callers without storing it (a partial or error result, say). */
  skipCache(): void
  // setTags(tags) joins here with the tags of entries.
}

/** The loader of `getOrSet`: called with a {@link LoaderContext}, resolves the value. */
export type Loader<V> = (ctx: LoaderContext<V>) => V | PromiseLike<V>

/** A loader context and what the loader asked of it. */
export interface LoaderCall<V> {
  readonly ctx: LoaderContext<V>
  /** From `ctx.setTtl`, ms; `undefined` when not called. */
  ttlMs: number | undefined
  skipped: boolean
}

/** A fresh context for one loader call. */
export function newLoaderCall<V>(key: string, signal: AbortSignal, staleValue: V | undefined): LoaderCall<V> {
  const call: LoaderCall<V> = {
    ttlMs: undefined,
    skipped: false,
    ctx: {
      key,
      signal,
      staleValue,
      setTtl(ttl: Duration) {
        call.ttlMs = parseDurationMs(ttl, 'ctx.setTtl')
      },
      skipCache() {
        call.skipped = true
      },
    },
  }
  return call
}
