import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
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
  })

  it('loads from a CommonJS script without loading the optional peers', () => {
    expect(runConsumer('./consumer.cjs')).toContain('cjs ok')
  })

  it('loads from an ES module script', () => {
    expect(runConsumer('./consumer.mjs')).toContain('esm ok')
  })
})
