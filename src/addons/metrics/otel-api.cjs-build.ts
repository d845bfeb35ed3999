/**
 * `@opentelemetry/api` for the CommonJS build of `resilient-cache/otel` (tsup puts this file in place
 * of `otel-api.ts` there): a `require()` of its literal name, whose failure is the package's usual
 * `CacheConfigurationError` naming what to install.
 */
import { libraryLoadError } from './missing-library.js'

function requireOtelApi(): typeof import('@opentelemetry/api') {
  try {
    return require('@opentelemetry/api') as typeof import('@opentelemetry/api')
  } catch (error) {
    throw libraryLoadError(error, '@opentelemetry/api', 'resilient-cache/otel')
  }
}

/** The OpenTelemetry API module. */
export const otelApi: typeof import('@opentelemetry/api') = requireOtelApi()
