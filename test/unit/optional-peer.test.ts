import { describe, expect, it } from 'vitest'
import { isCacheConfigurationError } from '../../src/kernel/errors.js'
import {
  importOptionalPeer,
  loadOptionalPeer,
  requireOptionalPeerIfPresent,
} from '../../src/kernel/optional-peer.js'

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

describe('importOptionalPeer', () => {
  it('resolves what the import resolves', async () => {
    const imported = await importOptionalPeer(() => import('ioredis'), 'ioredis', 'l2Backend', 'x')
    expect(typeof imported.Redis).toBe('function')
  })

  it('turns a package that is not installed into a configuration error naming it', async () => {
    const missing = 'resilient-cache-no-such-client'
    const caught = await importOptionalPeer(
      () => import(missing),
      missing,
      'l2Backend',
      "The 'imaginary' L2 backend",
    ).catch((error: unknown) => error)
    expect(isCacheConfigurationError(caught)).toBe(true)
    expect((caught as { field: string }).field).toBe('l2Backend')
    expect((caught as Error).message).toContain(`needs the optional package '${missing}'`)
  })

  it('passes any other failure through unchanged', async () => {
    const failure = new TypeError('broken module')
    await expect(importOptionalPeer(() => Promise.reject(failure), 'x', 'l2Backend', 'x')).rejects.toBe(
      failure,
    )
  })
})

describe('requireOptionalPeerIfPresent', () => {
  it('returns an installed package at once', () => {
    expect(typeof (requireOptionalPeerIfPresent('ioredis') as { Redis: unknown }).Redis).toBe('function')
  })

  it('returns undefined for a package Node cannot find, leaving the error to the import() path', () => {
    expect(requireOptionalPeerIfPresent('resilient-cache-no-such-client')).toBeUndefined()
  })
})
