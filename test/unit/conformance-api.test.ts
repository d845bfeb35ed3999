import * as nodeTest from 'node:test'
import * as vitest from 'vitest'
import type { ConformanceTestApi } from '../../src/addons/testing/index.js'

// Compile-time check (npm run typecheck): the conformance suites accept both runners' functions as they are.
const fromVitest: ConformanceTestApi = {
  describe: vitest.describe,
  it: vitest.it,
  afterEach: vitest.afterEach,
}
const fromNodeTest: ConformanceTestApi = {
  describe: nodeTest.describe,
  it: nodeTest.it,
  afterEach: nodeTest.afterEach,
}

vitest.it('accepts describe/it/afterEach from Vitest and node:test', () => {
  vitest.expect(typeof fromVitest.it).toBe('function')
  vitest.expect(typeof fromNodeTest.it).toBe('function')
})
