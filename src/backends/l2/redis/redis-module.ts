import { importOptionalPeer, requireOptionalPeerIfPresent } from '../../../kernel/optional-peer.js'
import type { RedisLikeClientClass, RedisLikeClusterClass } from './redis-client.js'

/** What the backends use of the ioredis / iovalkey module: its client class and its Cluster class. */
export interface RedisModule {
  Redis: RedisLikeClientClass
  Cluster?: RedisLikeClusterClass
}

/** The package each built-in Redis backend runs on. */
export type RedisPackageName = 'ioredis' | 'iovalkey'

interface ImportedRedisModule {
  default?: Partial<RedisModule> & RedisLikeClientClass
  Redis?: RedisLikeClientClass
  Cluster?: RedisLikeClusterClass
}

/**
 * ioredis or iovalkey, at once when Node's `require` finds it (an ordinary install: the client can be
 * created at construction, with no wait before the first command), else `undefined`: then use
 * {@link importRedisModule}.
 */
export function requireRedisModule(packageName: RedisPackageName): RedisModule | undefined {
  const required = requireOptionalPeerIfPresent(packageName) as ImportedRedisModule | undefined
  return required === undefined ? undefined : redisModuleOf(required, packageName)
}

/**
 * Imports ioredis or iovalkey. Each is an `import()` of a literal name, so that esbuild, webpack and
 * Vite bundle the client with the app; importing this package itself still loads neither.
 * @throws CacheConfigurationError (field `l2Backend`) naming the package when it is not installed.
 */
export async function importRedisModule(
  packageName: RedisPackageName,
  backendName: string,
): Promise<RedisModule> {
  // ioredis and iovalkey have types of their own; the backend is written against the structural types
  // of redis-client.ts, which both satisfy (as a passed-in client does).
  const imported = await importOptionalPeer(
    async () =>
      (packageName === 'ioredis'
        ? await import('ioredis')
        : await import('iovalkey')) as unknown as ImportedRedisModule,
    packageName,
    'l2Backend',
    `The '${backendName}' L2 backend`,
  )
  return redisModuleOf(imported, packageName)
}

function redisModuleOf(loaded: ImportedRedisModule, packageName: RedisPackageName): RedisModule {
  // As an ES module namespace (Node, Bun) the classes are named exports; through some bundlers' CommonJS
  // interop only `default` (the module.exports: the Redis class, with Cluster on it) is there.
  const Redis = loaded.Redis ?? loaded.default?.Redis ?? loaded.default
  if (Redis === undefined) throw new TypeError(`'${packageName}' exports no Redis client class`)
  return { Redis, Cluster: loaded.Cluster ?? loaded.default?.Cluster }
}
