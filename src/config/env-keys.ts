import type { CacheFactoryConfigOptions } from './options.js'

/** The name of a service option (a key of {@link CacheFactoryConfigOptions}). */
export type ServiceOptionName = keyof CacheFactoryConfigOptions

/** How {@link CacheFactoryConfig.fromEnv} turns an environment value into an option value. */
export type CacheEnvValueKind = 'string' | 'secret' | 'integer' | 'boolean' | 'duration' | 'list'

/** One entry of {@link CACHE_ENV_KEYS}. */
export interface CacheEnvKeySpec {
  /** The option the key sets. */
  readonly option: ServiceOptionName
  /**
   * How the value is read: `integer` is a whole decimal number (`'6379'`); `boolean` is
   * true/false, 1/0, yes/no or on/off, any case; `duration` is seconds or a string with a unit
   * (`'500ms'`, `'5s'`); `secret` is a string never shown in errors; `list` is comma-separated
   * (`'10.0.0.1:7000,10.0.0.2:7000'`).
   */
  readonly kind: CacheEnvValueKind
  /** One line for the configuration reference (docs/configuration.md) and `--help` output. */
  readonly description: string
}

/**
 * The environment variables (and Express settings) that {@link CacheFactoryConfig.fromEnv} reads,
 * each with the option it sets. Keys missing, `undefined` or blank leave the option at its default.
 */
export const CACHE_ENV_KEYS = {
  CACHE_L2_BACKEND: { option: 'l2Backend', kind: 'string', description: "L2 backend: 'redis' or 'valkey'" },
  CACHE_REDIS_HOST: { option: 'l2Host', kind: 'string', description: 'Redis/Valkey host' },
  CACHE_REDIS_PORT: { option: 'l2Port', kind: 'integer', description: 'Redis/Valkey port, 1 to 65535' },
  CACHE_REDIS_DB: { option: 'l2Db', kind: 'integer', description: 'Database index, 0 or more' },
  CACHE_REDIS_PASSWORD: { option: 'l2Password', kind: 'secret', description: 'Password (AUTH)' },
  CACHE_REDIS_USERNAME: { option: 'l2Username', kind: 'string', description: 'ACL user name' },
  CACHE_REDIS_URL: {
    option: 'l2Url',
    kind: 'string',
    description:
      'redis://, rediss:// (valkey://, valkeys://) URL; wins over host and port; merged with db, username, password and TLS, which must agree with it',
  },
  CACHE_REDIS_TLS: { option: 'l2Tls', kind: 'boolean', description: 'Connect with TLS' },
  CACHE_REDIS_MODE: {
    option: 'l2Mode',
    kind: 'string',
    description: "How the servers are deployed: 'standalone', 'cluster' or 'sentinel'",
  },
  CACHE_REDIS_CLUSTER_NODES: {
    option: 'l2ClusterNodes',
    kind: 'list',
    description: 'Cluster mode: some nodes of the cluster, host:port separated by commas',
  },
  CACHE_REDIS_SENTINELS: {
    option: 'l2Sentinels',
    kind: 'list',
    description: 'Sentinel mode: the Sentinels, host:port separated by commas',
  },
  CACHE_REDIS_SENTINEL_NAME: {
    option: 'l2SentinelName',
    kind: 'string',
    description: 'Sentinel mode: the name the Sentinels monitor the primary under',
  },
  CACHE_REDIS_CONNECT_TIMEOUT: {
    option: 'l2ConnectTimeout',
    kind: 'duration',
    description: 'Time allowed to open the connection (seconds, or e.g. 500ms)',
  },
  CACHE_REDIS_SOCKET_TIMEOUT: {
    option: 'l2SocketTimeout',
    kind: 'duration',
    description: 'Idle time after which a socket with pending commands is reconnected',
  },
  CACHE_REDIS_COMMAND_TIMEOUT: {
    option: 'l2CommandTimeout',
    kind: 'duration',
    description: "Hard cap on one cache operation's L2 work",
  },
  CACHE_L1_BACKEND: {
    option: 'l1Backend',
    kind: 'string',
    description: "Default L1 backend: 'ttl' or 'lru'",
  },
  CACHE_SERIALIZER: {
    option: 'serializer',
    kind: 'string',
    description: "Default serializer: 'v8', 'json', 'msgpack' or a registered name",
  },
  CACHE_CIRCUIT_BREAKER_ENABLED: {
    option: 'circuitBreakerEnabled',
    kind: 'boolean',
    description: 'Guard L2 calls with a circuit breaker',
  },
  CACHE_CIRCUIT_BREAKER_THRESHOLD: {
    option: 'circuitBreakerThreshold',
    kind: 'integer',
    description: 'Consecutive L2 failures that open the breaker, 1 or more',
  },
  CACHE_CIRCUIT_BREAKER_TIMEOUT: {
    option: 'circuitBreakerTimeout',
    kind: 'duration',
    description: 'How long the breaker stays open before one probe',
  },
  CACHE_CIRCUIT_BREAKER_PROBE_INTERVAL: {
    option: 'circuitBreakerProbeInterval',
    kind: 'duration',
    description: 'While the breaker is open, how often a PING checks whether L2 is back (0: off)',
  },
  CACHE_INVALIDATION: {
    option: 'invalidation',
    kind: 'string',
    description: "How caches keep other instances' L1 coherent: 'bus', 'tracking' or 'none'",
  },
  CACHE_MAX_VALUE_BYTES: {
    option: 'maxValueBytes',
    kind: 'integer',
    description: 'Largest encoded value set() accepts, in bytes',
  },
  CACHE_REPAIR_JOURNAL_MAX_ENTRIES: {
    option: 'repairJournalMaxEntries',
    kind: 'integer',
    description: 'Most keys one cache remembers for repair during an L2 outage',
  },
} as const satisfies Record<string, CacheEnvKeySpec>

/** Names of the environment variables {@link CacheFactoryConfig.fromEnv} reads. */
export type CacheEnvKey = keyof typeof CACHE_ENV_KEYS

/**
 * Values `fromEnv` accepts: strings from `process.env`, or already typed values, as Express
 * `app.set()` settings may hold.
 */
export type CacheEnvSource = Readonly<Record<string, string | number | boolean | undefined>>
