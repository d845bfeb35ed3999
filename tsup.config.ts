import { defineConfig } from 'tsup'

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'testing/index': 'src/testing/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  // The Redis clients and msgpackr are optional peers, loaded only when a cache asks for them.
  external: ['ioredis', 'iovalkey', 'msgpackr', 'lru-cache'],
  shims: true,
  splitting: false,
  treeshake: true,
})
