import type { L2ConnectionSettings, L2Mode, L2NodeAddress } from '../backends/l2/connection-settings.js'
import type { Serializer } from '../backends/serializers/serializer.js'
import type { Logger } from '../kernel/logger.js'

/**
 * A duration: seconds as a number (fractions allowed, `0.05` is 50 ms) or a string with a unit:
 * `'50ms'`, `'5s'`, `'10m'`, `'1h'`, `'7d'` (a bare numeric string is seconds).
 */
export type Duration = number | string

/**
 * The loading options a cache can default for every `getOrSet` / `wrap` of it (each call may override
 * them). Durations in seconds or with a unit, as everywhere.
 */
export interface LoadingDefaultsOptions {
  /**
   * After its expiry an entry is kept this long, in L1 and L2, as a fail-safe copy: served when the
   * loader throws or times out (`softTimeout`, `hardTimeout`), never by `get()`.
   * FusionCache: `FailSafeMaxDuration`; BentoCache: `grace`. @default 0 (no copy kept)
   */
  grace?: Duration
  /**
   * After an expired copy was served because the loader failed, the next callers get that copy for
   * this long without calling the loader again, then the loader is tried again.
   * FusionCache: `FailSafeThrottleDuration`; BentoCache: `graceBackoff`. @default 5 (seconds)
   */
  graceBackoff?: Duration
  /**
   * A fraction of the entry's lifetime (`ttl`), more than 0 and less than 1: a hit on an entry past it
   * returns at once and starts one background reload, so a hot key never misses on expiry.
   * FusionCache: `EagerRefreshThreshold`; BentoCache: `earlyExpiration`. @default 0 (off)
   */
  eagerRefresh?: number
  /**
   * When an expired copy exists (`grace`) and the loader takes longer than this, callers get the copy;
   * the loader goes on and its value is stored when it comes.
   * FusionCache: `FactorySoftTimeout`; BentoCache: `timeout`. @default 0 (none)
   */
  softTimeout?: Duration
  /**
   * Callers stop waiting for a load after this long (its L2 lookup, a wait for a distributed lock and
   * the loader): they get the expired copy when there is one, else a `CacheLoaderTimeoutError`; the
   * loader's `ctx.signal` is aborted once nobody waits for it.
   * FusionCache: `FactoryHardTimeout`; BentoCache: `hardTimeout`. @default 0 (none)
   */
  hardTimeout?: Duration
}

/** {@link LoadingDefaultsOptions} validated, in ms; 0 means off. */
export interface ResolvedLoadingDefaults {
  graceMs: number
  graceBackoffMs: number
  /** 0 when off. */
  eagerRefresh: number
  softTimeoutMs: number
  hardTimeoutMs: number
}

/** Names of the built-in L1 backends; custom ones are registered with `registerL1Backend()`. */
export type L1BackendName = 'ttl' | 'lru' | (string & {})
/** Names of the built-in L2 backends; custom ones are registered with `registerL2Backend()`. */
export type L2BackendName = 'redis' | 'valkey' | (string & {})

/**
 * How a cache keeps the L1 copies of other instances coherent when it writes or deletes:
 * - `bus`: publishes the changed keys on a Redis channel; every instance drops them from its L1;
 * - `tracking`: Redis server-assisted client-side caching (`CLIENT TRACKING ... BCAST`), which also
 *   reports writes made by other programs (a `redis-cli SET`, a service in another language);
 * - `none`: nothing; another instance's L1 may serve an old value for up to `l1Ttl`.
 */
export type InvalidationMode = 'bus' | 'tracking' | 'none'

/** Every {@link InvalidationMode}, for validation. */
export const INVALIDATION_MODES: readonly InvalidationMode[] = ['bus', 'tracking', 'none']

/** Every {@link L2Mode}, for validation. */
export const L2_MODES: readonly L2Mode[] = ['standalone', 'cluster', 'sentinel']

/** Options of a {@link CacheService}, as given to `new CacheFactoryConfig()` or `new CacheService()`. */
export interface CacheFactoryConfigOptions {
  /** L2 backend. @default 'redis' */
  l2Backend?: L2BackendName
  /** Redis/Valkey host. Ignored when `l2Url` or `l2Client` is given. @default 'localhost' */
  l2Host?: string
  /** Redis/Valkey port, 1 to 65535. @default 6379 */
  l2Port?: number
  /** Database index, 0 or more. @default 0 */
  l2Db?: number
  /** Password (AUTH). @default undefined */
  l2Password?: string
  /** ACL user name. @default undefined */
  l2Username?: string
  /**
   * `redis://` or `rediss://` URL (`valkey://` and `valkeys://` with `l2Backend: 'valkey'`); wins over
   * host and port. Merged with `l2Db`, `l2Username`, `l2Password` and `l2Tls`: a field given only one
   * way is used; given both ways, the two must agree (else `CacheConfigurationError`); `rediss://`
   * means TLS and `redis://` none. @default undefined
   */
  l2Url?: string
  /** `true` for TLS with default options, or Node.js `tls.connect` options. @default false */
  l2Tls?: boolean | Record<string, unknown>
  /**
   * An existing ioredis/iovalkey client (`Redis`, or `Cluster`) to use instead of creating one. The
   * service never closes it. A `Cluster` implies `l2Mode: 'cluster'`.
   * @default undefined
   */
  l2Client?: unknown
  /**
   * How the L2 servers are deployed: one server, a Redis Cluster, or a primary behind Sentinel.
   * @default 'standalone'
   */
  l2Mode?: L2Mode
  /**
   * With `l2Mode: 'cluster'`, some nodes of the cluster (`'host:port'` or `{ host, port }`); the
   * client learns the others from them. Password, user name and TLS come from `l2Password`,
   * `l2Username`, `l2Tls` (or `l2Url`).
   * @default the one node at `l2Url`, or `l2Host`:`l2Port`
   */
  l2ClusterNodes?: ReadonlyArray<string | L2NodeAddress>
  /**
   * With `l2Mode: 'sentinel'` (required there): the Sentinels to ask where the primary is
   * (`'host:port'` or `{ host, port }`). `l2Db`, `l2Password`, `l2Username` and `l2Tls` apply to the
   * primary. @default undefined
   */
  l2Sentinels?: ReadonlyArray<string | L2NodeAddress>
  /** With `l2Mode: 'sentinel'` (required there): the name Sentinel monitors the primary under. @default undefined */
  l2SentinelName?: string
  /** Time allowed to open the TCP connection. @default 5 (seconds) */
  l2ConnectTimeout?: Duration
  /** Idle time after which a socket with pending commands is considered dead and reconnected. @default 5 (seconds) */
  l2SocketTimeout?: Duration
  /** Hard cap on one cache operation's L2 work; a hung Redis costs a caller at most this. @default 0.5 (seconds) */
  l2CommandTimeout?: Duration
  /** Default L1 backend of the caches. @default 'ttl' */
  l1Backend?: L1BackendName
  /**
   * Default serializer of the caches: a registered name or a serializer object.
   * @default 'v8' on Node.js; 'json' on runtimes that cannot decode `v8` (Bun), with a warning
   */
  serializer?: string | Serializer
  /** Whether L2 calls go through a circuit breaker. @default true */
  circuitBreakerEnabled?: boolean
  /** Consecutive L2 failures (errors and timeouts) that open the breaker, 1 or more. @default 5 */
  circuitBreakerThreshold?: number
  /** How long the breaker stays open before it lets one probe through. @default 60 (seconds) */
  circuitBreakerTimeout?: Duration
  /**
   * While the breaker is open, how often a PING checks whether L2 is back; the first one that
   * succeeds ends the open period early, so recovery does not wait out `circuitBreakerTimeout`.
   * `0` turns the check off (then only the client's reconnection and the timeout end it).
   * @default 0.5 (seconds)
   */
  circuitBreakerProbeInterval?: Duration
  /** How caches keep other instances' L1 coherent (each cache may override it). @default 'bus' */
  invalidation?: InvalidationMode
  /** Largest encoded value (with its header) `set` accepts, in bytes. @default 8388608 (8 MiB) */
  maxValueBytes?: number
  /**
   * Most keys one cache remembers for repair while L2 is unreachable; past it, the cache's whole
   * prefix is cleared on recovery instead. @default 10000
   */
  repairJournalMaxEntries?: number
  /** A pino-compatible logger. @default warnings and errors to the console */
  logger?: Logger
}

/**
 * Options of one cache, given to `CacheService.createCache()`. The loading options (`grace`,
 * `graceBackoff`, `eagerRefresh`, `softTimeout`, `hardTimeout`) are the defaults of its `getOrSet`
 * and `wrap` calls.
 */
export interface CacheOptions extends LoadingDefaultsOptions {
  /**
   * Prefix of this cache's keys in L2; also the cache's name. Required when L2 is enabled.
   * It must not contain `::` (the separator between prefix and key) nor end with `:`.
   */
  l2KeyPrefix?: string
  /** Default lifetime of an entry in L2, more than 0. @default 3600 (seconds) */
  l2Ttl?: Duration
  /** Whether this cache uses L2. @default true */
  l2Enabled?: boolean
  /** Whether this cache keeps an in-process L1 copy. @default false (as in the seed) */
  l1Enabled?: boolean
  /** Most entries in L1, 1 to 10 000 000 (`MAX_L1_MAX_SIZE`). @default 1000 */
  l1MaxSize?: number
  /**
   * Most bytes L1 holds, approximately (strings 2 bytes a character, binary data its length, plus a
   * small overhead per object), 1 or more; on top of `l1MaxSize`. The least recently used entries
   * are evicted to make room, and an entry larger than this is not kept in L1 (it still goes to L2).
   * Use it when entry sizes vary widely, as HTTP responses do. @default undefined (entry count only)
   */
  l1MaxBytes?: number
  /** Lifetime of an L1 entry, more than 0 (ignored by the `lru` backend). @default 60 (seconds) */
  l1Ttl?: Duration
  /** L1 backend of this cache. @default the service's `l1Backend` */
  l1Backend?: L1BackendName
  /**
   * Copy values on every L1 read (structured clone), for callers that mutate what `get` returns.
   * By default L1 returns the stored object by reference, which is much faster. @default false
   */
  l1Clone?: boolean
  /** Serializer of this cache's L2 entries. @default the service's `serializer` */
  serializer?: string | Serializer
  /** Override of the service's breaker setting; any override gives this cache a breaker of its own. */
  circuitBreakerEnabled?: boolean
  /** Override of the service's breaker threshold; gives this cache a breaker of its own. */
  circuitBreakerThreshold?: number
  /** Override of the service's breaker timeout; gives this cache a breaker of its own. */
  circuitBreakerTimeout?: Duration
  /** How this cache keeps other instances' L1 coherent. @default the service's `invalidation` */
  invalidation?: InvalidationMode
  /**
   * Shortens each entry's lifetime by a random fraction of at most this much (0 to less than 1), so
   * that entries written together do not all expire, and reload, together. `0.1`: 90% to 100% of the
   * ttl. @default 0
   */
  ttlJitter?: number
}

/** Defaults of {@link CacheFactoryConfigOptions}, durations in seconds. */
export const SERVICE_DEFAULTS = {
  l2Backend: 'redis',
  l2Mode: 'standalone',
  l2Host: 'localhost',
  l2Port: 6379,
  l2Db: 0,
  l2ConnectTimeout: 5,
  l2SocketTimeout: 5,
  l2CommandTimeout: 0.5,
  l1Backend: 'ttl',
  serializer: 'v8',
  circuitBreakerEnabled: true,
  circuitBreakerThreshold: 5,
  circuitBreakerTimeout: 60,
  circuitBreakerProbeInterval: 0.5,
  invalidation: 'bus',
  maxValueBytes: 8 * 1024 * 1024,
  repairJournalMaxEntries: 10_000,
} as const

/** Defaults of {@link CacheOptions}, durations in seconds. */
export const CACHE_DEFAULTS = {
  l2Ttl: 3600,
  l2Enabled: true,
  l1Enabled: false,
  l1MaxSize: 1000,
  l1Ttl: 60,
  l1Clone: false,
  ttlJitter: 0,
} as const

export type { L2Mode, L2NodeAddress }

/** Service options after validation: every field present, durations in milliseconds. */
export interface ResolvedServiceOptions extends L2ConnectionSettings {
  l2Backend: string
  l1Backend: string
  serializer: Serializer
  circuitBreakerEnabled: boolean
  circuitBreakerThreshold: number
  circuitBreakerTimeoutMs: number
  /** 0 when the periodic probe is off. */
  circuitBreakerProbeIntervalMs: number
  invalidation: InvalidationMode
  maxValueBytes: number
  repairJournalMaxEntries: number
  logger: Logger
}

/** Cache options after validation and merging with the service's defaults, durations in milliseconds. */
export interface ResolvedCacheOptions {
  /** The L2 key prefix, or `undefined` for an L1-only cache. */
  l2KeyPrefix: string | undefined
  /** The cache's name in stats and logs: the prefix, or `l1-<n>` for an unnamed L1-only cache. */
  name: string
  l2TtlMs: number
  l2Enabled: boolean
  l1Enabled: boolean
  l1MaxSize: number
  /** `undefined`: no byte bound. */
  l1MaxBytes: number | undefined
  l1TtlMs: number
  l1Backend: string
  l1Clone: boolean
  serializer: Serializer
  circuitBreakerEnabled: boolean
  circuitBreakerThreshold: number
  circuitBreakerTimeoutMs: number
  /** True when any breaker option was given for this cache: it then gets a breaker of its own. */
  hasOwnBreaker: boolean
  invalidation: InvalidationMode
  ttlJitter: number
  /** Defaults of `getOrSet` / `wrap`. */
  loading: ResolvedLoadingDefaults
}
