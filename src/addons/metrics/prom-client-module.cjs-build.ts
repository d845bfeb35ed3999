/**
 * `prom-client` for the CommonJS build of `resilient-cache/prometheus` (tsup puts this file in place of
 * `prom-client-module.ts` there): a `require()` of its literal name, whose failure is the package's
 * usual `CacheConfigurationError` naming what to install.
 */
import { libraryLoadError } from './missing-library.js'

function requirePromClient(): typeof import('prom-client') {
  try {
    return require('prom-client') as typeof import('prom-client')
  } catch (error) {
    throw libraryLoadError(error, 'prom-client', 'resilient-cache/prometheus')
  }
}

/** The prom-client module. */
export const promClient: typeof import('prom-client') = requirePromClient()
