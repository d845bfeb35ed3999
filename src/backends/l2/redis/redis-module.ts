import { importOptionalPeer } from '../../../kernel/optional-peer.js'
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
  // As an ES module namespace (Node, Bun) the classes are named exports; through some bundlers' CommonJS
  // interop only `default` (the module.exports: the Redis class, with Cluster on it) is there.
  const Redis = imported.Redis ?? imported.default?.Redis ?? imported.default
  if (Redis === undefined) throw new TypeError(`'${packageName}' exports no Redis client class`)
  return { Redis, Cluster: imported.Cluster ?? imported.default?.Cluster }
}
