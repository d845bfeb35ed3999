import { CacheConfigurationError } from '../errors.js'
import type { L1BackendFactory } from './l1-backend.js'
import { lruL1Backend, ttlL1Backend } from './lru-cache-backend.js'

const l1Backends = new Map<string, L1BackendFactory>([
  ['ttl', ttlL1Backend],
  ['lru', lruL1Backend],
])

/** Registers an L1 backend under a name that caches can then use as `l1Backend`. */
export function registerL1Backend(name: string, factory: L1BackendFactory): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError(`registerL1Backend: name must be a non-empty string, got ${String(name)}`)
  }
  if (typeof factory !== 'function') {
    throw new TypeError(`registerL1Backend: factory for '${name}' must be a function`)
  }
  l1Backends.set(name, factory)
}

/** The factory registered under `name`; a `CacheConfigurationError` naming `field` when there is none. */
export function getL1Backend(name: string, field = 'l1Backend'): L1BackendFactory {
  const factory = l1Backends.get(name)
  if (factory === undefined) {
    throw new CacheConfigurationError(
      field,
      `unknown L1 backend '${name}'; registered: ${[...l1Backends.keys()].join(', ')}`,
    )
  }
  return factory
}

/** Names of the registered L1 backends. */
export function listL1Backends(): string[] {
  return [...l1Backends.keys()]
}
