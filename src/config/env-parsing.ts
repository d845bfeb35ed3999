import { CacheConfigurationError } from '../kernel/errors.js'
import {
  CACHE_ENV_KEYS,
  type CacheEnvKey,
  type CacheEnvKeySpec,
  type CacheEnvSource,
  type CacheEnvValueKind,
  type ServiceOptionName,
} from './env-keys.js'
import { describeValue } from './validate.js'

const TRUE_WORDS = ['true', '1', 'yes', 'on']
const FALSE_WORDS = ['false', '0', 'no', 'off']

/** Options read from the environment, and for each the variable it came from (for error messages). */
export interface EnvReading {
  options: Record<string, unknown>
  labels: Partial<Record<ServiceOptionName, string>>
}

/** Reads the {@link CACHE_ENV_KEYS} that `env` sets; throws naming the variable for a bad value. */
export function readEnv(env: CacheEnvSource): EnvReading {
  const options: Record<string, unknown> = {}
  const labels: EnvReading['labels'] = {}
  for (const [envKey, spec] of Object.entries(CACHE_ENV_KEYS) as Array<[CacheEnvKey, CacheEnvKeySpec]>) {
    const raw: unknown = env[envKey]
    // Blank counts as unset: `CACHE_REDIS_PORT=` in a .env file means "use the default".
    if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) continue
    options[spec.option] = parseEnvValue(raw, spec.kind, envKey)
    labels[spec.option] = envKey
  }
  return { options, labels }
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
