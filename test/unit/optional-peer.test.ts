import { describe, expect, it } from 'vitest'
import { isCacheConfigurationError } from '../../src/kernel/errors.js'
import { loadOptionalPeer } from '../../src/kernel/optional-peer.js'

describe('loadOptionalPeer', () => {
  it('loads an installed package', () => {
    expect(typeof loadOptionalPeer<unknown>('ioredis', 'l2Backend', "The 'redis' L2 backend")).toBe(
      'function',
    )
  })

  it('names the option and the install command when the package is missing', () => {
    let caught: unknown
    try {
      loadOptionalPeer('resilient-cache-no-such-client', 'l2Backend', "The 'imaginary' L2 backend")
    } catch (error) {
      caught = error
    }
    expect(isCacheConfigurationError(caught)).toBe(true)
    expect((caught as { field: string }).field).toBe('l2Backend')
    expect((caught as Error).message).toContain('npm install resilient-cache-no-such-client')
  })
})
