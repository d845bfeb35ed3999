import { CacheConfigurationError } from '../errors.js'
import type { L2BackendFactory } from './l2-backend.js'
import { redisL2Backend, valkeyL2Backend } from './redis-backend.js'

const l2Backends = new Map<string, L2BackendFactory>([
  ['redis', redisL2Backend],
  ['valkey', valkeyL2Backend],
])

/** Registers an L2 backend under a name that services can then use as `l2Backend`. */
export function registerL2Backend(name: string, factory: L2BackendFactory): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError(`registerL2Backend: name must be a non-empty string, got ${String(name)}`)
  }
  if (typeof factory !== 'function') {
    throw new TypeError(`registerL2Backend: factory for '${name}' must be a function`)
  }
  l2Backends.set(name, factory)
}

/** The factory registered under `name`; a `CacheConfigurationError` naming `field` when there is none. */
export function getL2Backend(name: string, field = 'l2Backend'): L2BackendFactory {
  const factory = l2Backends.get(name)
  if (factory === undefined) {
    throw new CacheConfigurationError(
      field,
      `unknown L2 backend '${name}'; registered: ${[...l2Backends.keys()].join(', ')}`,
    )
  }
  return factory
}

/** Names of the registered L2 backends. */
export function listL2Backends(): string[] {
  return [...l2Backends.keys()]
}
