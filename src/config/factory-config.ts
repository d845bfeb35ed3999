import { type InspectOptions, inspect } from 'node:util'
import { getL1Backend } from '../backends/l1/registry.js'
import { getL2Backend } from '../backends/l2/registry.js'
import { resolveSerializer } from '../backends/serializers/registry.js'
import {
  defaultSerializerName,
  warnOfRuntimeDefaultSerializer,
} from '../backends/serializers/runtime-support.js'
import { CacheConfigurationError } from '../kernel/errors.js'
import { consoleLogger } from '../kernel/logger.js'
import { parseDurationMs } from './durations.js'
import { CACHE_ENV_KEYS, type CacheEnvSource, type ServiceOptionName } from './env-keys.js'
import { readEnv } from './env-parsing.js'
import { resolveL2Topology } from './l2-topology.js'
import {
  type CacheFactoryConfigOptions,
  INVALIDATION_MODES,
  type ResolvedServiceOptions,
  SERVICE_DEFAULTS,
} from './options.js'
import { redactServiceOptions, redactUrl } from './redact.js'
import { warnUnknownEnvKeys } from './unknown-env-keys.js'
import { mergeUrlConnection } from './url-connection.js'
import {
  describeValue,
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

type Labels = Partial<Record<ServiceOptionName, string>>

// Lets fromEnv tell the constructor which options came from which environment variable, without a
// public constructor parameter. Keyed by the options object fromEnv builds, which no one else sees.
const envLabels = new WeakMap<object, Labels>()

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

    const separate = {
      l2Host: requireNonEmptyString(merged.l2Host, label('l2Host')),
      l2Port: requireInteger(merged.l2Port, label('l2Port'), 1, 65_535),
      l2Db: requireInteger(merged.l2Db, label('l2Db'), 0),
      l2Password:
        merged.l2Password === undefined ? undefined : requireSecret(merged.l2Password, label('l2Password')),
      l2Username:
        merged.l2Username === undefined
          ? undefined
          : requireNonEmptyString(merged.l2Username, label('l2Username')),
      l2Tls: requireTls(merged.l2Tls, label('l2Tls')),
      given: { l2Db: given.l2Db !== undefined, l2Tls: given.l2Tls !== undefined },
    }
    const connection = l2Url === undefined ? separate : mergeUrlConnection(l2Url, separate, label)
    const { l2Host, l2Port, l2Db } = connection
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

    this.resolved = redactedWhenShown({
      l2Backend,
      l2Host,
      l2Port,
      l2Db,
      l2Password: connection.l2Password,
      l2Username: connection.l2Username,
      l2Url,
      l2Tls: connection.l2Tls,
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
    this.options = redactedWhenShown(merged)
    if (given.serializer === undefined) warnOfRuntimeDefaultSerializer(this.resolved.logger)
  }

  /** The given and resolved options with secrets `[redacted]`: what `JSON.stringify(config)` writes. */
  toJSON(): { options: Record<string, unknown>; resolved: Record<string, unknown> } {
    return { options: redactServiceOptions(this.options), resolved: redactServiceOptions(this.resolved) }
  }

  /** `util.inspect`, `console.log`: the redacted form. */
  [inspect.custom](_depth: number, options: InspectOptions): string {
    return `CacheFactoryConfig ${inspect(this.toJSON(), options)}`
  }

  /**
   * Builds a configuration from environment variables ({@link CACHE_ENV_KEYS}), then `overrides`,
   * which win over the environment. Values may be strings, as in `process.env`, or already typed
   * (numbers, booleans), as Express settings may be; `undefined` and blank strings mean "not set".
   * An invalid value is reported under its environment variable's name (`CACHE_REDIS_PORT`), range
   * errors included; an invalid override under its option name. Other keys of `env` are ignored;
   * an unknown `CACHE_*` one is warned about (once per process, through the configured logger) with
   * the closest name this package reads.
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
    const { options, labels } = readEnv(env)
    for (const [name, value] of Object.entries(requireOptionsObject(overrides, 'overrides'))) {
      if (value === undefined) continue
      options[name] = value
      delete labels[name as ServiceOptionName]
    }
    envLabels.set(options, labels)
    const config = new CacheFactoryConfig(options)
    warnUnknownEnvKeys(env, Object.keys(CACHE_ENV_KEYS), config.resolved.logger)
    return config
  }
}

/**
 * Freezes `options`, and makes printing them (`util.inspect`, `JSON.stringify`, a logger) show the
 * redacted form, so that logging `config.resolved` cannot leak the password either.
 */
function redactedWhenShown<T extends object>(options: T): Readonly<T> {
  const show = () => redactServiceOptions(options)
  Object.defineProperty(options, 'toJSON', { value: show })
  Object.defineProperty(options, inspect.custom, {
    value: (_depth: number, inspectOptions: InspectOptions) => inspect(show(), inspectOptions),
  })
  return Object.freeze(options)
}

function resolveL1Backend(value: unknown, label: string): string {
  const name = requireNonEmptyString(value, label)
  getL1Backend(name, label)
  return name
}
