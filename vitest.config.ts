import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url))

/**
 * Tests that install packages, bundle an app or start other runtimes: CPU-heavy for a minute, so they
 * run after the others (`npm test` runs the two projects one after the other) instead of beside the
 * tests whose subject is timing (faults, coherence across processes).
 */
const PACKAGING_TESTS = [
  'test/package/consumer-matrix.test.ts',
  'test/package/bundled-app.test.ts',
  'test/runtimes/**/*.test.ts',
]

export default defineConfig({
  resolve: {
    // The integrations import the core as 'resilient-cache' (so their builds share the root entry's
    // classes); in tests that name means the sources, as tsconfig's `paths` says for tsc and tsx.
    alias: [
      { find: /^resilient-cache$/, replacement: source('./src/index.ts') },
      {
        find: /^resilient-cache\/(express|fastify|hono)$/,
        replacement: source('./src/addons/integrations/$1.ts'),
      },
      { find: /^resilient-cache\/(otel|prometheus)$/, replacement: source('./src/addons/metrics/$1.ts') },
      { find: /^resilient-cache\/keyv$/, replacement: source('./src/addons/keyv/index.ts') },
      { find: /^resilient-cache\/testing$/, replacement: source('./src/addons/testing/index.ts') },
    ],
  },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'core',
          include: ['test/**/*.test.ts', 'bench/test/**/*.test.ts'],
          exclude: PACKAGING_TESTS,
        },
      },
      { extends: true, test: { name: 'packaging', include: PACKAGING_TESTS } },
    ],
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Each integration file spawns its own redis-server; two cores run two files at a time.
    maxWorkers: 2,
  },
})
