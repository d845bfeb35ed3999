import { describe, expect, it } from 'vitest'
import {
  canDecodeV8,
  defaultSerializerName,
  warnOfRuntimeDefaultSerializer,
} from '../../src/backends/serializers/runtime-support.js'
import { CacheFactoryConfig } from '../../src/config/factory-config.js'

// On Bun the other branch runs: test/runtimes/runtimes.test.ts covers it against a real Redis.
describe('the default serializer of the runtime, on Node.js', () => {
  it("can decode v8 here, so the default stays 'v8'", () => {
    expect(canDecodeV8()).toBe(true)
    expect(defaultSerializerName()).toBe('v8')
    expect(new CacheFactoryConfig({}).resolved.serializer.name).toBe('v8')
  })

  it('warns of nothing where v8 works', () => {
    const warnings: string[] = []
    const ignore = () => {}
    warnOfRuntimeDefaultSerializer({
      debug: ignore,
      info: ignore,
      warn: (_context, message) => warnings.push(message),
      error: ignore,
    })
    expect(warnings).toEqual([])
  })
})
