import { describe, expect, it } from 'vitest'
import { assertValidKey, escapeGlob, MAX_KEY_BYTES } from '../../src/kernel/keys.js'

describe('escapeGlob', () => {
  it('escapes every character SCAN MATCH treats as glob syntax', () => {
    expect(escapeGlob('a*b?c[d]e\\f')).toBe('a\\*b\\?c\\[d\\]e\\\\f')
  })

  it('leaves ordinary text alone', () => {
    expect(escapeGlob('users:42')).toBe('users:42')
  })
})

describe('assertValidKey', () => {
  it.each([[''], [undefined], [null], [42], [{}]])('rejects %j with a TypeError', (key) => {
    expect(() => assertValidKey(key, 0)).toThrow(TypeError)
  })

  it('names an empty key in the message', () => {
    expect(() => assertValidKey('', 0)).toThrow(/empty string/)
  })

  it('accepts a key that fits the limit with its prefix, and rejects one byte more', () => {
    expect(() => assertValidKey('x'.repeat(MAX_KEY_BYTES - 10), 10)).not.toThrow()
    expect(() => assertValidKey('x'.repeat(MAX_KEY_BYTES - 9), 10)).toThrow(TypeError)
  })

  it('counts UTF-8 bytes, not characters', () => {
    expect(() => assertValidKey('é'.repeat(MAX_KEY_BYTES / 2), 0)).not.toThrow()
    expect(() => assertValidKey('é'.repeat(MAX_KEY_BYTES / 2 + 1), 0)).toThrow(TypeError)
  })
})

describe('assertValidKey and lone UTF-16 surrogates', () => {
  it.each([
    ['a lone high surrogate', 'user:\uD83D'],
    ['a lone low surrogate', '\uDE00:user'],
    ['two pairs out of order', '\uDE00\uD83D'],
  ])('rejects %s with a TypeError, as invalid keys are', (_label, key) => {
    expect(() => assertValidKey(key, 0)).toThrow(TypeError)
    expect(() => assertValidKey(key, 0)).toThrow(/well-formed Unicode \(no lone UTF-16 surrogate\)/)
  })

  it('accepts surrogate pairs (emoji) and other non-ASCII text', () => {
    expect(() => assertValidKey('user:\uD83D\uDE00', 0)).not.toThrow()
    expect(() => assertValidKey('ключ:日本', 0)).not.toThrow()
  })
})
