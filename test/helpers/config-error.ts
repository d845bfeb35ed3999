import { type CacheConfigurationError, isCacheConfigurationError } from '../../src/kernel/errors.js'

/** Runs `run` and returns the CacheConfigurationError it throws; fails when it throws nothing or something else. */
export function configError(run: () => unknown): CacheConfigurationError {
  try {
    run()
  } catch (error) {
    if (isCacheConfigurationError(error)) return error
    throw error
  }
  throw new Error('expected a CacheConfigurationError, nothing was thrown')
}
