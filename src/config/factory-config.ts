import { CacheConfigurationError } from '../errors.js'
import { getL1Backend } from '../l1/registry.js'
import { getL2Backend } from '../l2/registry.js'
import { consoleLogger } from '../logger.js'
import { resolveSerializer } from '../serializers/registry.js'
import { defaultSerializerName, warnOfRuntimeDefaultSerializer } from '../serializers/runtime-support.js'
import { parseDurationMs } from './durations.js'
import { resolveL2Topology } from './l2-topology.js'
import {
  type CacheFactoryConfigOptions,
  INVALIDATION_MODES,
  type ResolvedServiceOptions,
  SERVICE_DEFAULTS,
} from './options.js'
import {
  describeValue,
  redactUrl,
  rejectUnknownOptions,
  requireBoolean,
  requireInteger,
  requireLogger,
  requireNonEmptyString,
  requireOneOf,
  requireOptionsObject,
  requireRedisUrl,
  requireSecret,
  requireTls,
} from './validate.js'

type ServiceOptionName = keyof CacheFactoryConfigOptions

// A `satisfies` table rather than a plain list: adding an option to the interface without adding it
// here is a compile error, so the unknown-option check can never reject a real option.
const SERVICE_OPTION_NAMES = Object.keys({
  l2Backend: true,
  l2Host: true,
  l2Port: true,
  l2Db: true,
  l2Password: true,
  l2Username: true,
  l2Url: true,
  l2Tls: true,
  l2Client: true,
  l2Mode: true,
  l2ClusterNodes: true,
  l2Sentinels: true,
  l2SentinelName: true,
  l2ConnectTimeout: true,
  l2SocketTimeout: true,
  l2CommandTimeout: true,
  l1Backend: true,
  serializer: true,
  circuitBreakerEnabled: true,
  circuitBreakerThreshold: true,
  circuitBreakerTimeout: true,
  circuitBreakerProbeInterval: true,
  invalidation: true,
  maxValueBytes: true,
  repairJournalMaxEntries: true,
  logger: true,
} satisfies Record<ServiceOptionName, true>)

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
  /** One line for README tables and `--help` output. */
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
      'redis://, rediss:// (valkey://, valkeys://) URL; wins over host, port, db, username, password',
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

type Labels = Partial<Record<ServiceOptionName, string>>

// Lets fromEnv tell the constructor which options came from which environment variable, without a
// public constructor parameter. Keyed by the options object fromEnv builds, which no one else sees.
const envLabels = new WeakMap<object, Labels>()

const TRUE_WORDS = ['true', '1', 'yes', 'on']
const FALSE_WORDS = ['false', '0', 'no', 'off']

/**
 * The validated configuration of a `CacheService`. Validation happens once, here: the constructor
 * throws a `CacheConfigurationError` for the first invalid option, naming it and showing the bad value
 * (passwords excepted).
 *
 * @example
 * const config = new CacheFactoryConfig({ l2Url: 'redis://cache:6379/0', l2CommandTimeout: '200ms' })
 * const fromEnvironment = CacheFactoryConfig.fromEnv(process.env, { logger: pino() })
 */
export class CacheFactoryConfig {
  /** The options as given, with defaults filled in; durations keep the form they were given in. */
  readonly options: Readonly<CacheFactoryConfigOptions>
  /** Every option validated and in its working form: durations in ms, the serializer as an object. */
  readonly resolved: ResolvedServiceOptions

  /** @throws CacheConfigurationError for an unknown or invalid option. */
  constructor(options: CacheFactoryConfigOptions = {}) {
    const given = requireOptionsObject(options, 'options')
    rejectUnknownOptions(given, SERVICE_OPTION_NAMES)
    const labels = envLabels.get(options) ?? {}
    const label = (name: ServiceOptionName): string => labels[name] ?? name

    const merged: CacheFactoryConfigOptions = {
      ...SERVICE_DEFAULTS,
      serializer: defaultSerializerName(),
      l2Tls: false,
      logger: consoleLogger,
    }
    for (const [name, value] of Object.entries(given)) {
      // An option set to undefined means "the default", as in a spread of optional settings.
      if (value !== undefined) (merged as Record<string, unknown>)[name] = value
    }

    const l2Backend = requireNonEmptyString(merged.l2Backend, label('l2Backend'))
    getL2Backend(l2Backend, label('l2Backend'))
    const l2Url = merged.l2Url === undefined ? undefined : requireRedisUrl(merged.l2Url, label('l2Url'))
    if (l2Url !== undefined && l2Backend === 'redis' && /^valkeys?:/i.test(l2Url)) {
      // ioredis only knows redis:// and rediss://; it would take 'valkey' for the host name.
      throw new CacheConfigurationError(
        label('l2Url'),
        `ioredis (l2Backend 'redis') cannot read valkey:// URLs; use redis:// (rediss:// for TLS) or l2Backend 'valkey', got ${describeValue(redactUrl(l2Url))}`,
      )
    }
    if (merged.l2Client !== undefined && (typeof merged.l2Client !== 'object' || merged.l2Client === null)) {
      throw new CacheConfigurationError(
        label('l2Client'),
        `expected an ioredis or iovalkey client instance, got ${describeValue(merged.l2Client)}`,
      )
    }

    const l2Host = requireNonEmptyString(merged.l2Host, label('l2Host'))
    const l2Port = requireInteger(merged.l2Port, label('l2Port'), 1, 65_535)
    const l2Db = requireInteger(merged.l2Db, label('l2Db'), 0)
    const topology = resolveL2Topology(
      {
        l2Mode: merged.l2Mode,
        modeGiven: given.l2Mode !== undefined,
        l2ClusterNodes: merged.l2ClusterNodes,
        l2Sentinels: merged.l2Sentinels,
        l2SentinelName: merged.l2SentinelName,
        l2Client: merged.l2Client,
        l2Url,
        l2Host,
        l2Port,
        l2Db,
      },
      label,
    )

    this.resolved = Object.freeze({
      l2Backend,
      l2Host,
      l2Port,
      l2Db,
      l2Password:
        merged.l2Password === undefined ? undefined : requireSecret(merged.l2Password, label('l2Password')),
      l2Username:
        merged.l2Username === undefined
          ? undefined
          : requireNonEmptyString(merged.l2Username, label('l2Username')),
      l2Url,
      l2Tls: requireTls(merged.l2Tls, label('l2Tls')),
      l2Client: merged.l2Client,
      ...topology,
      l2ConnectTimeoutMs: parseDurationMs(merged.l2ConnectTimeout, label('l2ConnectTimeout')),
      l2SocketTimeoutMs: parseDurationMs(merged.l2SocketTimeout, label('l2SocketTimeout')),
      l2CommandTimeoutMs: parseDurationMs(merged.l2CommandTimeout, label('l2CommandTimeout')),
      l1Backend: resolveL1Backend(merged.l1Backend, label('l1Backend')),
      serializer: resolveSerializer(merged.serializer ?? SERVICE_DEFAULTS.serializer, label('serializer')),
      circuitBreakerEnabled: requireBoolean(merged.circuitBreakerEnabled, label('circuitBreakerEnabled')),
      circuitBreakerThreshold: requireInteger(
        merged.circuitBreakerThreshold,
        label('circuitBreakerThreshold'),
        1,
      ),
      circuitBreakerTimeoutMs: parseDurationMs(merged.circuitBreakerTimeout, label('circuitBreakerTimeout')),
      circuitBreakerProbeIntervalMs: parseDurationMs(
        merged.circuitBreakerProbeInterval,
        label('circuitBreakerProbeInterval'),
        { allowZero: true },
      ),
      invalidation: requireOneOf(merged.invalidation, label('invalidation'), INVALIDATION_MODES),
      maxValueBytes: requireInteger(merged.maxValueBytes, label('maxValueBytes'), 1),
      repairJournalMaxEntries: requireInteger(
        merged.repairJournalMaxEntries,
        label('repairJournalMaxEntries'),
        1,
      ),
      logger: requireLogger(merged.logger, label('logger')),
    })
    this.options = Object.freeze(merged)
    if (given.serializer === undefined) warnOfRuntimeDefaultSerializer(this.resolved.logger)
  }

  /**
   * Builds a configuration from environment variables ({@link CACHE_ENV_KEYS}), then `overrides`,
   * which win over the environment. Values may be strings, as in `process.env`, or already typed
   * (numbers, booleans), as Express settings may be; `undefined` and blank strings mean "not set".
   * An invalid value is reported under its environment variable's name (`CACHE_REDIS_PORT`), range
   * errors included; an invalid override under its option name. Other keys of `env` are ignored.
   * @param env read only when called, never at import. @default process.env
   * @throws CacheConfigurationError for the first invalid value.
   */
  static fromEnv(
    env: CacheEnvSource = process.env,
    overrides: CacheFactoryConfigOptions = {},
  ): CacheFactoryConfig {
    // Not requireOptionsObject: process.env is not a plain object.
    if (typeof env !== 'object' || env === null) {
      throw new CacheConfigurationError('env', `expected an object of variables, got ${describeValue(env)}`)
    }
    const options: Record<string, unknown> = {}
    const labels: Labels = {}
    for (const [envKey, spec] of Object.entries(CACHE_ENV_KEYS) as Array<[CacheEnvKey, CacheEnvKeySpec]>) {
      const raw: unknown = env[envKey]
      // Blank counts as unset: `CACHE_REDIS_PORT=` in a .env file means "use the default".
      if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) continue
      options[spec.option] = parseEnvValue(raw, spec.kind, envKey)
      labels[spec.option] = envKey
    }
    for (const [name, value] of Object.entries(requireOptionsObject(overrides, 'overrides'))) {
      if (value === undefined) continue
      options[name] = value
      delete labels[name as ServiceOptionName]
    }
    envLabels.set(options, labels)
    return new CacheFactoryConfig(options)
  }
}

function resolveL1Backend(value: unknown, label: string): string {
  const name = requireNonEmptyString(value, label)
  getL1Backend(name, label)
  return name
}

/**
 * The option value of one environment value. Typed values pass through to the option validators;
 * strings are parsed here. Durations stay strings: `parseDurationMs` reads them.
 */
function parseEnvValue(raw: unknown, kind: CacheEnvValueKind, envKey: string): unknown {
  switch (kind) {
    case 'string':
      // .env files and shell exports often carry stray spaces that would break a host name.
      return typeof raw === 'string' ? raw.trim() : typeof raw === 'number' ? String(raw) : raw
    case 'secret':
      // An all-digit password set with app.set() arrives as a number.
      return typeof raw === 'number' ? String(raw) : raw
    case 'duration':
      return raw
    case 'list':
      // Blank entries (a trailing comma) are dropped; each address is validated with the option.
      return typeof raw === 'string'
        ? raw
            .split(',')
            .map((entry) => entry.trim())
            .filter((entry) => entry !== '')
        : raw
    case 'integer': {
      if (typeof raw !== 'string') return raw
      const text = raw.trim()
      if (!/^[+-]?\d+$/.test(text)) {
        throw new CacheConfigurationError(
          envKey,
          `expected a whole decimal number, got ${describeValue(raw)}`,
        )
      }
      return Number(text)
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return raw
      const word = String(raw).trim().toLowerCase()
      if (TRUE_WORDS.includes(word)) return true
      if (FALSE_WORDS.includes(word)) return false
      throw new CacheConfigurationError(
        envKey,
        `expected true/false, 1/0, yes/no or on/off, got ${describeValue(raw)}`,
      )
    }
  }
}
