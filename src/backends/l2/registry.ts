import { BackendRegistry } from '../../kernel/backend-registry.js'
import type { L2BackendFactory } from './l2-backend.js'
import { redisL2Backend, valkeyL2Backend } from './redis/redis-backend.js'

const l2Backends = new BackendRegistry<L2BackendFactory>('L2', [
  ['redis', redisL2Backend],
  ['valkey', valkeyL2Backend],
])

/** Registers an L2 backend under a name that services can then use as `l2Backend`. */
export function registerL2Backend(name: string, factory: L2BackendFactory): void {
  l2Backends.register(name, factory)
}

/** The factory registered under `name`; a `CacheConfigurationError` naming `field` when there is none. */
export function getL2Backend(name: string, field = 'l2Backend'): L2BackendFactory {
  return l2Backends.get(name, field)
}

/** Names of the registered L2 backends. */
export function listL2Backends(): string[] {
  return l2Backends.names()
}
