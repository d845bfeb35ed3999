import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** Runs a consumer script from the package root, where `resilient-cache` resolves to itself (self-reference). */
function runConsumer(file: string): string {
  return execFileSync(process.execPath, [fileURLToPath(new URL(file, import.meta.url))], {
    cwd: root,
    encoding: 'utf8',
  })
}

describe('the built package', () => {
  it('has been built (npm test builds before testing)', () => {
    expect(existsSync(`${root}/dist/index.js`)).toBe(true)
    expect(existsSync(`${root}/dist/index.cjs`)).toBe(true)
    expect(existsSync(`${root}/dist/index.d.ts`)).toBe(true)
    expect(existsSync(`${root}/dist/index.d.cts`)).toBe(true)
    for (const subpath of ['express', 'fastify', 'hono', 'otel', 'prometheus', 'keyv']) {
      for (const file of ['js', 'cjs', 'd.ts', 'd.cts'])
        expect(existsSync(`${root}/dist/${subpath}.${file}`)).toBe(true)
    }
  })

  it('never imports a framework or a metrics library from the root entry', () => {
    for (const file of ['index.js', 'index.cjs']) {
      const code = readFileSync(`${root}/dist/${file}`, 'utf8')
      const optional = ['express', 'fastify', 'fastify-plugin', 'hono', '@hono/node-server', 'keyv']
      for (const framework of [...optional, 'http-cache-semantics', '@opentelemetry/api', 'prom-client']) {
        expect(code).not.toMatch(new RegExp(`(from |require\\()['"]${framework}['"]`))
      }
    }
  })

  it('builds the integrations on the root entry instead of bundling a copy of the core', () => {
    for (const format of ['js', 'cjs']) {
      const subpathCode = readdirSync(`${root}/dist`)
        .filter((file) => file.endsWith(`.${format}`) && !file.startsWith('index.'))
        .map((file) => readFileSync(`${root}/dist/${file}`, 'utf8'))
      expect(subpathCode.some((code) => /(from |require\()['"]resilient-cache['"]/.test(code))).toBe(true)
      for (const code of subpathCode) expect(code).not.toContain('class CacheService')
    }
  })

  it('builds the code the integrations share once, in chunks both formats import', () => {
    for (const format of ['js', 'cjs']) {
      const chunks = readdirSync(`${root}/dist`).filter(
        (file) => /^chunk-.*\.c?js$/.test(file) && file.endsWith(`.${format}`),
      )
      const owners = chunks.filter((chunk) =>
        readFileSync(`${root}/dist/${chunk}`, 'utf8').includes('var ResponseCache = class'),
      )
      expect(owners).toHaveLength(1)
      for (const framework of ['express', 'fastify', 'hono']) {
        const code = readFileSync(`${root}/dist/${framework}.${format}`, 'utf8')
        expect(code).not.toContain('var ResponseCache = class')
        expect(code).toContain(owners[0])
      }
    }
  })

  it('keeps the metrics exporters free of the core: they only read a service they are given', () => {
    for (const exporter of ['otel', 'prometheus']) {
      for (const file of [`${exporter}.js`, `${exporter}.cjs`]) {
        const code = readFileSync(`${root}/dist/${file}`, 'utf8')
        expect(code).not.toContain('class CacheService')
        expect(code).not.toContain('class ResilientTwoLevelCache')
      }
    }
  })

  it('builds the Keyv store on the root entry, without loading Keyv (its types only)', () => {
    for (const file of ['keyv.js', 'keyv.cjs']) {
      const code = readFileSync(`${root}/dist/${file}`, 'utf8')
      expect(code).toMatch(/(from |require\()['"]resilient-cache['"]/)
      expect(code).not.toContain('class ResilientTwoLevelCache')
      expect(code).not.toMatch(/(from |require\()['"]keyv['"]/)
    }
    expect(readFileSync(`${root}/dist/keyv.d.ts`, 'utf8')).toMatch(/from ['"]keyv['"]/)
  })

  it('keeps the Fastify and Hono declaration merging in the published types', () => {
    expect(readFileSync(`${root}/dist/fastify.d.ts`, 'utf8')).toContain("declare module 'fastify'")
    expect(readFileSync(`${root}/dist/hono.d.ts`, 'utf8')).toContain("declare module 'hono'")
  })

  it('loads from a CommonJS script without loading the optional peers or frameworks, and each subpath', () => {
    expect(runConsumer('./consumer.cjs')).toContain('cjs ok')
  })

  it('loads the root and each subpath from an ES module script', () => {
    expect(runConsumer('./consumer.mjs')).toContain('esm ok')
  })
})
