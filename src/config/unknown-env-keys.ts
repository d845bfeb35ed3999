import type { Logger } from '../kernel/logger.js'
import { suggestOption } from './suggest-option.js'

/** What this package's variables start with; other names in the environment are not ours to judge. */
const OUR_PREFIX = 'CACHE_'

/** Names already warned about in this process: a service per test or per worker must not repeat it. */
const warned = new Set<string>()

/**
 * Warns, once per process and name, about each `CACHE_*` variable of `env` that is not one this package
 * reads (`CACHE_REDIS_PORTT`), with the closest name it does read. Never shows the value: it may be a
 * secret.
 */
export function warnUnknownEnvKeys(
  env: Readonly<Record<string, unknown>>,
  known: readonly string[],
  logger: Logger,
): void {
  for (const name of Object.keys(env)) {
    if (!name.startsWith(OUR_PREFIX) || known.includes(name) || warned.has(name)) continue
    warned.add(name)
    const suggestion = suggestOption(name, known)
    logger.warn(
      suggestion === undefined ? { variable: name } : { variable: name, suggestion },
      suggestion === undefined
        ? `Unknown environment variable ${name} ignored (not one resilient-cache reads)`
        : `Unknown environment variable ${name} ignored; did you mean ${suggestion}?`,
    )
  }
}
