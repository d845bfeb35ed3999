import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Each integration file spawns its own redis-server; two cores run two files at a time.
    maxWorkers: 2,
  },
})
