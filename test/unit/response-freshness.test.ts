import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  isNotModified,
  notModifiedHeaders,
} from '../../src/addons/integrations/response-cache/conditional.js'
import { defaultResponsePrefix } from '../../src/addons/integrations/response-cache/default-prefix.js'
import { assessFreshness } from '../../src/addons/integrations/response-cache/freshness.js'
import type { KeyedRequest } from '../../src/addons/integrations/response-cache/key.js'
import { resolveResponseCachePolicy } from '../../src/addons/integrations/response-cache/options.js'

const policy = resolveResponseCachePolicy({ ttl: 30 })

function request(headers: Record<string, string> = {}): KeyedRequest {
  return { method: 'GET', target: '/a', host: 'example.com', header: (name) => headers[name] }
}

describe('freshness of a response (shared cache)', () => {
  const assess = (headers: Array<[string, string]>) => assessFreshness(request(), 200, headers, policy)

  it.each([
    ['max-age=0, must-revalidate', [['cache-control', 'max-age=0, must-revalidate']]],
    ['s-maxage=0 over max-age=60', [['cache-control', 'max-age=60, s-maxage=0']]],
    ['Expires in the past', [['expires', new Date(Date.now() - 60_000).toUTCString()]]],
    ['an invalid Expires', [['expires', '0']]],
  ] as Array<[string, Array<[string, string]>]>)('not stored when already stale: %s', (_name, headers) => {
    expect(assess(headers)).toEqual({ notStored: 'expired' })
  })

  it('capped by the route ttl, which is also the lifetime when the response gives none', () => {
    expect(assess([['cache-control', 'max-age=600']])).toEqual({ ttlMs: 30_000, initialAgeSeconds: 0 })
    expect(assess([])).toEqual({ ttlMs: 30_000, initialAgeSeconds: 0 })
    const short = assess([['cache-control', 'max-age=600, s-maxage=5']])
    expect('ttlMs' in short && short.ttlMs).toBeLessThanOrEqual(5000)
    expect('ttlMs' in short && short.ttlMs).toBeGreaterThan(4000)
  })

  it("counts the response's own Age against its lifetime", () => {
    const aged = assess([
      ['cache-control', 'max-age=20'],
      ['age', '15'],
    ])
    expect('ttlMs' in aged && aged.ttlMs).toBeLessThanOrEqual(5000)
    expect('initialAgeSeconds' in aged && aged.initialAgeSeconds).toBe(15)
    expect(
      assess([
        ['cache-control', 'max-age=20'],
        ['age', '25'],
      ]),
    ).toEqual({ notStored: 'expired' })
  })

  it('not stored when the request says no-store', () => {
    expect(assessFreshness(request({ 'cache-control': 'no-store' }), 200, [], policy)).toEqual({
      notStored: 'not-storable',
    })
  })
})

describe('conditional requests against a stored response', () => {
  const stored: Array<[string, string]> = [
    ['content-type', 'text/plain'],
    ['etag', 'W/"v1"'],
    ['last-modified', 'Thu, 01 Jan 2026 00:00:00 GMT'],
    ['cache-control', 'max-age=60'],
  ]

  it.each([
    [{ 'if-none-match': '"v1"' }, true],
    [{ 'if-none-match': 'W/"v1"' }, true],
    [{ 'if-none-match': '"a", "v1"' }, true],
    [{ 'if-none-match': '*' }, true],
    [{ 'if-none-match': '"v2"' }, false],
    [{ 'if-modified-since': 'Thu, 01 Jan 2026 00:00:00 GMT' }, true],
    [{ 'if-modified-since': 'Fri, 02 Jan 2026 00:00:00 GMT' }, true],
    [{ 'if-modified-since': 'Wed, 31 Dec 2025 00:00:00 GMT' }, false],
    [{ 'if-modified-since': 'not a date' }, false],
    [{ 'if-none-match': '"v2"', 'if-modified-since': 'Fri, 02 Jan 2026 00:00:00 GMT' }, false],
    [{}, false],
  ])('%j answers 304: %s', (headers, expected) => {
    expect(isNotModified(request(headers), stored)).toBe(expected)
  })

  it('without a stored ETag, If-None-Match never matches', () => {
    expect(isNotModified(request({ 'if-none-match': '*' }), [['content-type', 'text/plain']])).toBe(false)
  })

  it('a 304 keeps the validators and caching headers, not the content type', () => {
    expect(notModifiedHeaders(stored).map(([name]) => name)).toEqual([
      'etag',
      'last-modified',
      'cache-control',
    ])
  })
})

describe('the default prefix of the response store', () => {
  const root = mkdtempSync(join(tmpdir(), 'response-prefix-'))
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  function app(name: string, packageName?: string): string {
    const directory = join(root, name)
    mkdirSync(join(directory, 'src'), { recursive: true })
    if (packageName !== undefined)
      writeFileSync(join(directory, 'package.json'), JSON.stringify({ name: packageName }))
    return directory
  }

  it("is the name of the app's nearest package.json, so that two apps differ and replicas agree", () => {
    const shop = app('shop', 'shop-api')
    expect(defaultResponsePrefix(shop)).toBe('http:shop-api')
    expect(defaultResponsePrefix(join(shop, 'src'))).toBe('http:shop-api')
    expect(defaultResponsePrefix(app('blog', '@acme/blog'))).toBe('http:@acme/blog')
  })

  it('is a hash of the working directory when no package names the app', () => {
    const first = defaultResponsePrefix(app('unnamed-1'))
    expect(first).toMatch(/^http:[0-9a-f]{16}$/)
    expect(defaultResponsePrefix(app('unnamed-2'))).not.toBe(first)
  })
})
