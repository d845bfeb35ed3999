import { createRequire } from 'node:module'
import { CacheConfigurationError } from './errors.js'

const requireFromHere = createRequire(import.meta.url)

/**
 * Loads an optional peer dependency (ioredis, iovalkey, msgpackr) synchronously, so that a missing
 * package is reported at construction, naming the option that asked for it and the install command.
 */
export function loadOptionalPeer<T>(packageName: string, field: string, wantedFor: string): T {
  try {
    return requireFromHere(packageName) as T
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') {
      throw new CacheConfigurationError(
        field,
        `${wantedFor} needs the optional package '${packageName}', which is not installed. Run: npm install ${packageName}`,
        { cause: error },
      )
    }
    throw error
  }
}
