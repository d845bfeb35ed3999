import {
  CACHE_ENV_KEYS,
  CacheConfigurationError,
  type CacheEnvSource,
  CacheFactoryConfig,
  type CacheFactoryConfigOptions,
  CacheService,
} from 'resilient-cache'
import { defaultResponsePrefix, HTTP_PREFIX_KEY } from './response-cache/default-prefix.js'
import { isValidKeyPrefix } from './response-cache/options.js'

/** Where an integration gets its `CacheService` from; the same for Express, Fastify and Hono. */
export interface CacheIntegrationOptions {
  /**
   * An existing service to use. The integration then never closes it: its owner does. Cannot be
   * combined with `config` or `env`.
   */
  service?: CacheService
  /** Service options; they win over the `CACHE_*` values (framework settings, then `env`). */
  config?: CacheFactoryConfigOptions
  /** Where `CACHE_*` variables are read (see `CACHE_ENV_KEYS`). @default process.env */
  env?: CacheEnvSource
}

/** The service an integration uses, and whether it created it (and so must close it). */
export interface IntegrationService {
  readonly service: CacheService
  /** True when the integration created the service; only then does `close()` close it. */
  readonly owned: boolean
  /** Closes the service if the integration created it; else does nothing. Idempotent. */
  close(): Promise<void>
  /**
   * L2 prefix of the default response store: the `CACHE_HTTP_PREFIX` setting (framework settings,
   * then `env`), else one derived from the application (see `defaultResponsePrefix`).
   */
  readonly responsePrefix: string
}

/**
 * Opens the integration's service: the given one, or a new one configured from the `CACHE_*` keys of
 * `settings` (the framework's own configuration, such as Express app settings), then of `env`, with
 * `config` on top. Runs at application start-up, so an invalid setting stops the boot.
 * @throws CacheConfigurationError naming the setting (`CACHE_REDIS_PORT`) or option at fault.
 */
export function openIntegrationService(
  options: CacheIntegrationOptions = {},
  settings: CacheEnvSource = {},
): IntegrationService {
  if (typeof options !== 'object' || options === null) {
    throw new CacheConfigurationError('options', 'expected an object of integration options')
  }
  const { service, config, env } = options
  const envSource = env ?? process.env
  const responsePrefix = readResponsePrefix(settings[HTTP_PREFIX_KEY] ?? envSource[HTTP_PREFIX_KEY])
  if (service !== undefined) {
    if (!isCacheService(service)) {
      throw new CacheConfigurationError('service', 'expected a CacheService instance')
    }
    if (config !== undefined || env !== undefined) {
      throw new CacheConfigurationError(
        config !== undefined ? 'config' : 'env',
        'cannot be combined with service: a given service is already configured',
      )
    }
    return { service, owned: false, close: async () => {}, responsePrefix }
  }
  const source: Record<string, string | number | boolean | undefined> = {}
  for (const key of Object.keys(CACHE_ENV_KEYS)) {
    // Framework settings win over the environment, as Flask's app.config did in the Python library.
    const value = settings[key] ?? envSource[key]
    if (value !== undefined) source[key] = value
  }
  // Unknown CACHE_* names go along too, for fromEnv to warn about (a misspelt CACHE_REDIS_PORTT).
  for (const key of Object.keys(envSource)) {
    if (key.startsWith('CACHE_') && !(key in source)) source[key] = envSource[key]
  }
  const created = new CacheService(CacheFactoryConfig.fromEnv(source, config ?? {}))
  return { service: created, owned: true, close: () => created.close(), responsePrefix }
}

function readResponsePrefix(value: string | number | boolean | undefined): string {
  if (value === undefined || value === '') return defaultResponsePrefix()
  if (isValidKeyPrefix(value)) return value
  throw new CacheConfigurationError(
    HTTP_PREFIX_KEY,
    `expected a key prefix without '::' that does not end with ':', got ${JSON.stringify(value)}`,
  )
}

// Duck-typed so that a service from another copy of the package is accepted too.
function isCacheService(value: unknown): value is CacheService {
  if (value instanceof CacheService) return true
  const candidate = value as Partial<CacheService> | null
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.createCache === 'function' &&
    typeof candidate.getStats === 'function' &&
    typeof candidate.close === 'function'
  )
}
