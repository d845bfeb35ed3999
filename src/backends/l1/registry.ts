import { BackendRegistry } from '../../kernel/backend-registry.js'
import type { L1BackendFactory } from './l1-backend.js'
import { lruL1Backend, ttlL1Backend } from './lru-cache-backend.js'

const l1Backends = new BackendRegistry<L1BackendFactory>('L1', [
  ['ttl', ttlL1Backend],
  ['lru', lruL1Backend],
])

/** Registers an L1 backend under a name that caches can then use as `l1Backend`. */
export function registerL1Backend(name: string, factory: L1BackendFactory): void {
  l1Backends.register(name, factory)
}

/** The factory registered under `name`; a `CacheConfigurationError` naming `field` when there is none. */
export function getL1Backend(name: string, field = 'l1Backend'): L1BackendFactory {
  return l1Backends.get(name, field)
}

/** Names of the registered L1 backends. */
export function listL1Backends(): string[] {
  return l1Backends.names()
}
