/**
 * Bundlers see the optional peers: an app that uses the built package with ioredis is bundled by
 * esbuild (everything inlined) into a directory without node_modules and run against a real
 * redis-server. A peer loaded at run time by a name the bundler cannot see would be missing there.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterAll, describe, expect, it } from 'vitest'
import { runCommand } from '../helpers/run-command.js'
import { useRedisServer } from '../helpers/services.js'

const entries = {
  esm: fileURLToPath(new URL('./bundled-app/esm-entry.mjs', import.meta.url)),
  cjs: fileURLToPath(new URL('./bundled-app/cjs-entry.cjs', import.meta.url)),
  missingPeer: fileURLToPath(new URL('./bundled-app/missing-peer-entry.mjs', import.meta.url)),
}

/**
 * In an ES module bundle, the CommonJS code esbuild inlines (ioredis) still calls `require` for Node's
 * built-in modules: esbuild's documented banner provides it.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as createRequireForBundle } from 'node:module'; const require = createRequireForBundle(import.meta.url);"

describe('an app bundled with esbuild', () => {
  const redis = useRedisServer()
  const outDir = mkdtempSync(join(tmpdir(), 'resilient-cache-bundle-'))
  afterAll(() => rmSync(outDir, { recursive: true, force: true }))

  for (const format of ['esm', 'cjs'] as const) {
    it(`finds ioredis and runs against Redis from a ${format} bundle with no node_modules beside it`, async () => {
      const bundled = join(outDir, `app.${format === 'esm' ? 'mjs' : 'cjs'}`)
      await build({
        entryPoints: [entries[format]],
        outfile: bundled,
        bundle: true,
        platform: 'node',
        target: 'node20',
        format,
        logLevel: 'silent',
        // Not the project's tsconfig, whose paths map the package name to the sources: the built package.
        tsconfigRaw: {},
        banner: format === 'esm' ? { js: ESM_REQUIRE_BANNER } : {},
      })
      const code = readFileSync(bundled, 'utf8')
      expect(code).toContain('// node_modules/ioredis/built/Redis.js')
      expect(code).toContain(`// dist/index.${format === 'esm' ? 'js' : 'cjs'}`)
      const run = await runCommand(process.execPath, [bundled], {
        cwd: outDir,
        env: { REDIS_URL: redis.server.url },
        timeoutMs: 30_000,
      })
      expect(run.code, run.output).toBe(0)
      expect(run.output).toContain('bundled app ok')
    })
  }

  it('names a missing client library, logs it once and serves from L1 without throwing', async () => {
    const bundled = join(outDir, 'missing-peer.mjs')
    await build({
      entryPoints: [entries.missingPeer],
      outfile: bundled,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      logLevel: 'silent',
      tsconfigRaw: {},
      external: ['ioredis'],
    })
    const run = await runCommand(process.execPath, [bundled], {
      cwd: outDir,
      env: { REDIS_URL: redis.server.url },
      timeoutMs: 30_000,
    })
    expect(run.code, run.output).toBe(0)
    expect(run.output).toContain('missing peer reported')
  })
})
