import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url))

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
    include: ['test/**/*.test.ts', 'bench/test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Each integration file spawns its own redis-server; two cores run two files at a time.
    maxWorkers: 2,
  },
})
