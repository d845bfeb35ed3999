import { join } from 'node:path'
import type { Plugin } from 'esbuild'
import { defineConfig } from 'tsup'

/**
 * The esbuild options of the CommonJS builds. tsup builds CommonJS with splitting as ESM and converts
 * it afterwards, so esbuild's own `format` cannot tell; tsup's `esbuildOptions` hook knows, and runs
 * before the plugins below are set up.
 */
const commonJsBuilds = new WeakSet<object>()

/**
 * The metrics subpaths load their library with a top-level `await import()` (so that a missing one is
 * a clear error, and bundlers see the name); CommonJS has no top-level await, so its build takes the
 * `*.cjs-build.ts` twin of each loader, which `require()`s the same literal name.
 */
const commonJsPeerLoaders: Plugin = {
  name: 'commonjs-peer-loaders',
  setup(build) {
    if (!commonJsBuilds.has(build.initialOptions)) return
    build.onResolve({ filter: /^\.\/(otel-api|prom-client-module)\.js$/ }, (args) => ({
      path: join(args.resolveDir, args.path.replace(/\.js$/, '.cjs-build.ts')),
    }))
  },
}

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
    'http-cache-semantics',
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
  esbuildOptions(options, context) {
    if (context.format === 'cjs') commonJsBuilds.add(options)
  },
  esbuildPlugins: [commonJsPeerLoaders],
  shims: true,
  // One copy of the code the subpaths share (response caching, health, dashboard), in chunks, for
  // both formats: no duplicated classes across subpaths.
  splitting: true,
  treeshake: true,
})
