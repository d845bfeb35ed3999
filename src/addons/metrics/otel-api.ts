/**
 * `@opentelemetry/api`, loaded when `resilient-cache/otel` is imported: an `import()` of its literal
 * name (bundlers see it) whose failure is the package's usual `CacheConfigurationError` naming what to
 * install, not a raw module-not-found error. The CommonJS build uses `otel-api.cjs-build.ts` instead
 * (no top-level await there).
 */
import { libraryLoadError } from './missing-library.js'

/** The OpenTelemetry API module. */
export const otelApi: typeof import('@opentelemetry/api') = await import('@opentelemetry/api').catch(
  (error: unknown) => {
    throw libraryLoadError(error, '@opentelemetry/api', 'resilient-cache/otel')
  },
)
