import { defineConfig } from 'tsup'

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'testing/index': 'src/addons/testing/index.ts',
    express: 'src/addons/integrations/express.ts',
    fastify: 'src/addons/integrations/fastify.ts',
    hono: 'src/addons/integrations/hono.ts',
    otel: 'src/addons/metrics/otel.ts',
    prometheus: 'src/addons/metrics/prometheus.ts',
    keyv: 'src/addons/keyv/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  external: [
    // The Redis clients and msgpackr are optional peers, loaded only when a cache asks for them.
    'ioredis',
    'iovalkey',
    'msgpackr',
    'lru-cache',
    // The frameworks are optional peers of their own subpaths only.
    'express',
    'fastify',
    'fastify-plugin',
    'hono',
    // The metrics libraries are optional peers of the otel and prometheus subpaths only.
    '@opentelemetry/api',
    'prom-client',
    // Keyv is an optional peer of the keyv subpath, for its types only: the store never loads it.
    'keyv',
    // The integrations and exporters import the core by name, so they share the root entry's classes (one
    // CacheService, one CacheConfigurationError) instead of bundling a copy of each.
    'resilient-cache',
  ],
  shims: true,
  splitting: false,
  treeshake: true,
})
