/**
 * `prom-client`, loaded when `resilient-cache/prometheus` is imported: an `import()` of its literal
 * name (bundlers see it) whose failure is the package's usual `CacheConfigurationError` naming what to
 * install, not a raw module-not-found error. The CommonJS build uses `prom-client-module.cjs-build.ts`
 * instead (no top-level await there).
 */
import { libraryLoadError } from './missing-library.js'

/** The prom-client module. */
export const promClient: typeof import('prom-client') = await import('prom-client').catch(
  (error: unknown) => {
    throw libraryLoadError(error, 'prom-client', 'resilient-cache/prometheus')
  },
)
