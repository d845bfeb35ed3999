/**
 * `@opentelemetry/api` for the CommonJS build of `resilient-cache/otel` (tsup puts this file in place
 * of `otel-api.ts` there): a `require()` of its literal name, whose failure is the package's usual
 * `CacheConfigurationError` naming what to install.
 */
import { isModuleNotFound, missingOptionalPeer } from '../optional-peer.js'

function requireOtelApi(): typeof import('@opentelemetry/api') {
  try {
    return require('@opentelemetry/api') as typeof import('@opentelemetry/api')
  } catch (error) {
    if (!isModuleNotFound(error)) throw error
    throw missingOptionalPeer(
      '@opentelemetry/api',
      'resilient-cache/otel',
      "The 'resilient-cache/otel' metrics",
      error,
    )
  }
}

/** The OpenTelemetry API module. */
export const otelApi: typeof import('@opentelemetry/api') = requireOtelApi()
