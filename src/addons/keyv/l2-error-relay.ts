import type { CacheErrorEvent, ResilientTwoLevelCache } from 'resilient-cache'

type Deliver = (error: Error) => void

interface Relay {
  readonly listener: (event: CacheErrorEvent) => void
  readonly targets: Set<Deliver>
}

// One `l2:error` listener per cache, however many stores listen through it: Keyv's own test suite and
// apps that build a Keyv per module would otherwise pile listeners onto one cache.
const relays = new WeakMap<ResilientTwoLevelCache<unknown>, Relay>()

/**
 * Delivers each of the cache's L2 errors (which its calls never throw) to `deliver` until the returned
 * function is called. Idempotent to stop.
 */
export function relayL2Errors(cache: ResilientTwoLevelCache<unknown>, deliver: Deliver): () => void {
  let relay = relays.get(cache)
  if (relay === undefined) {
    const targets = new Set<Deliver>()
    const created: Relay = {
      targets,
      listener: (event) => {
        for (const target of targets) target(event.error)
      },
    }
    relay = created
    relays.set(cache, created)
    cache.on('l2:error', created.listener)
  }
  const active = relay
  active.targets.add(deliver)
  return () => {
    if (!active.targets.delete(deliver) || active.targets.size > 0) return
    cache.off('l2:error', active.listener)
    relays.delete(cache)
  }
}
