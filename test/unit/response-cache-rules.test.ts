import { describe, expect, it } from 'vitest'
import {
  isCacheableRequest,
  notStoredByHeaders,
} from '../../src/addons/integrations/response-cache/cacheability.js'
import { buildResponseKey, type KeyedRequest } from '../../src/addons/integrations/response-cache/key.js'
import { resolveResponseCachePolicy } from '../../src/addons/integrations/response-cache/options.js'
import { ResponseRecorder } from '../../src/addons/integrations/response-cache/recorder.js'
import {
  isStoredResponse,
  storedBody,
  toStoredResponse,
} from '../../src/addons/integrations/response-cache/stored-response.js'
import { configError } from '../helpers/config-error.js'

const policy = resolveResponseCachePolicy({})

function request(target: string, headers: Record<string, string> = {}, method = 'GET'): KeyedRequest {
  return { method, target, header: (name) => headers[name] }
}

describe('response cache keys', () => {
  it('are the path with all query parameters sorted by name, for GET and HEAD alike', () => {
    expect(buildResponseKey(request('/a?b=2&a=1'), policy)).toBe('GET /a?a=1&b=2')
    expect(buildResponseKey(request('/a?a=1&b=2', {}, 'HEAD'), policy)).toBe('GET /a?a=1&b=2')
  })

  it('keep the order of a repeated parameter, which may matter to the handler', () => {
    expect(buildResponseKey(request('/a?x=2&x=1'), policy)).not.toBe(
      buildResponseKey(request('/a?x=1&x=2'), policy),
    )
  })

  it('ignore the query, or keep only the chosen parameters', () => {
    const none = resolveResponseCachePolicy({ query: false })
    const chosen = resolveResponseCachePolicy({ query: ['page'] })
    expect(buildResponseKey(request('/a?utm=x&page=2'), none)).toBe('GET /a')
    expect(buildResponseKey(request('/a?utm=x&page=2'), chosen)).toBe('GET /a?page=2')
    expect(buildResponseKey(request('/a?utm=x'), chosen)).toBe('GET /a')
  })

  it('tell a missing header from an empty one, and cannot be forged through a header value', () => {
    const byLanguage = resolveResponseCachePolicy({ headers: ['Accept-Language'] })
    const missing = buildResponseKey(request('/a'), byLanguage)
    const empty = buildResponseKey(request('/a', { 'accept-language': '' }), byLanguage)
    const forged = buildResponseKey(request('/a', { 'accept-language': 'x\naccept-language=y' }), byLanguage)
    expect(missing).toBe('GET /a\naccept-language')
    expect(empty).toBe('GET /a\naccept-language=')
    expect(forged).toBe('GET /a\naccept-language=x%0Aaccept-language%3Dy')
  })

  it('are hashed when a long query would make them unreadable or too long', () => {
    const key = buildResponseKey(request(`/a?q=${'x'.repeat(2000)}`), policy)
    expect(key).toMatch(/^GET #[0-9a-f]{64}$/)
    expect(buildResponseKey(request(`/a?q=${'x'.repeat(2000)}`), policy)).toBe(key)
  })
})

describe('which requests the cache takes part in', () => {
  it('only GET and HEAD', () => {
    expect(isCacheableRequest(request('/a'), policy)).toBe(true)
    expect(isCacheableRequest(request('/a', {}, 'HEAD'), policy)).toBe(true)
    expect(isCacheableRequest(request('/a', {}, 'POST'), policy)).toBe(false)
  })

  it('not Range requests, nor Authorization unless that header is part of the key', () => {
    expect(isCacheableRequest(request('/a', { range: 'bytes=0-1' }), policy)).toBe(false)
    expect(isCacheableRequest(request('/a', { authorization: 'Bearer t' }), policy)).toBe(false)
    const perUser = resolveResponseCachePolicy({ headers: ['authorization'] })
    expect(isCacheableRequest(request('/a', { authorization: 'Bearer t' }), perUser)).toBe(true)
  })
})

describe('which responses are stored', () => {
  const verdict = (status: number, headers: Array<[string, string]>) =>
    notStoredByHeaders(status, headers, policy)

  it('2xx responses without reasons against', () => {
    expect(verdict(200, [['content-type', 'text/plain']])).toBeUndefined()
    expect(verdict(204, [])).toBeUndefined()
    expect(verdict(200, [['cache-control', 'public, max-age=60']])).toBeUndefined()
  })

  it('not other statuses, nor 206', () => {
    expect(verdict(301, [])).toBe('status')
    expect(verdict(404, [])).toBe('status')
    expect(verdict(206, [])).toBe('status')
  })

  it('not no-store, no-cache or private, in any case and with arguments', () => {
    expect(verdict(200, [['cache-control', 'max-age=0, No-Store']])).toBe('no-store')
    expect(verdict(200, [['cache-control', 'no-cache="set-cookie"']])).toBe('no-cache')
    expect(
      verdict(200, [
        ['cache-control', 'max-age=60'],
        ['cache-control', 'private'],
      ]),
    ).toBe('private')
  })

  it('not with Set-Cookie, Vary on an unkeyed header, or an event stream', () => {
    expect(verdict(200, [['set-cookie', 'a=1']])).toBe('set-cookie')
    expect(verdict(200, [['vary', 'Origin']])).toBe('vary')
    expect(verdict(200, [['vary', '*']])).toBe('vary')
    const byOrigin = resolveResponseCachePolicy({ headers: ['origin'] })
    expect(notStoredByHeaders(200, [['vary', 'Origin']], byOrigin)).toBeUndefined()
    expect(verdict(200, [['content-type', 'text/event-stream']])).toBe('event-stream')
  })

  it('not when the announced length is over maxBodyBytes', () => {
    const small = resolveResponseCachePolicy({ maxBodyBytes: 10 })
    expect(notStoredByHeaders(200, [['content-length', '11']], small)).toBe('too-large')
    expect(notStoredByHeaders(200, [['content-length', '10']], small)).toBeUndefined()
  })
})

describe('the response recorder', () => {
  it('settles with the whole body once ended', async () => {
    const recorder = new ResponseRecorder(policy)
    recorder.write(Buffer.from('ab'))
    expect(recorder.start(200, [['content-type', 'text/plain']])).toBe(true)
    recorder.write(Buffer.from('c'))
    recorder.end()
    const outcome = await recorder.outcome
    expect('response' in outcome && Buffer.from(outcome.response.body).toString()).toBe('abc')
  })

  it('stops recording, keeping nothing, once the body passes maxBodyBytes', async () => {
    const recorder = new ResponseRecorder(resolveResponseCachePolicy({ maxBodyBytes: 3 }))
    recorder.start(200, [])
    recorder.write(Buffer.from('abcd'))
    expect(recorder.isRecording).toBe(false)
    recorder.end()
    expect(await recorder.outcome).toEqual({ notStored: 'too-large' })
  })

  it('settles at start when the headers rule storing out, before any body', async () => {
    const recorder = new ResponseRecorder(policy)
    expect(recorder.start(500, [])).toBe(false)
    expect(await recorder.outcome).toEqual({ notStored: 'status' })
  })
})

describe('stored responses', () => {
  it('keep UTF-8 bodies as text and other bytes as base64, both exactly', () => {
    const text = toStoredResponse(200, [], Buffer.from('héllo'), 0, 'x-cache')
    expect(text.bodyEncoding).toBe('utf8')
    expect(storedBody(text).toString()).toBe('héllo')
    const bytes = Uint8Array.of(0xef, 0xbb, 0xbf, 0xff, 0x00)
    const binary = toStoredResponse(200, [], bytes, 0, 'x-cache')
    expect(binary.bodyEncoding).toBe('base64')
    expect([...storedBody(binary)]).toEqual([...bytes])
  })

  it('keep a leading byte-order mark as bytes', () => {
    const withBom = Buffer.from('\uFEFFhi')
    expect(storedBody(toStoredResponse(200, [], withBom, 0, undefined)).equals(withBom)).toBe(true)
  })

  it('drop hop-by-hop, length, date and cache headers, and keep the rest in order', () => {
    const record = toStoredResponse(
      200,
      [
        ['content-type', 'text/plain'],
        ['connection', 'keep-alive'],
        ['content-length', '5'],
        ['date', 'x'],
        ['x-cache', 'MISS'],
        ['link', '<a>'],
        ['link', '<b>'],
      ],
      Buffer.from('hello'),
      0,
      'x-cache',
    )
    expect(record.headers).toEqual([
      ['content-type', 'text/plain'],
      ['link', '<a>'],
      ['link', '<b>'],
    ])
  })

  it('are recognised only in the current format', () => {
    expect(isStoredResponse(toStoredResponse(200, [], Buffer.from('a'), 0, undefined))).toBe(true)
    expect(
      isStoredResponse({ v: 2, status: 200, headers: [], body: '', bodyEncoding: 'utf8', storedAt: 0 }),
    ).toBe(false)
    expect(isStoredResponse('GET /a')).toBe(false)
  })
})

describe('response caching options', () => {
  it('reject unknown and invalid options, naming them', () => {
    expect(configError(() => resolveResponseCachePolicy({ tll: 5 } as never)).field).toBe('responseCache.tll')
    expect(configError(() => resolveResponseCachePolicy({ ttl: 0 })).field).toBe('responseCache.ttl')
    expect(configError(() => resolveResponseCachePolicy({ query: 'all' } as never)).field).toBe(
      'responseCache.query',
    )
    expect(configError(() => resolveResponseCachePolicy({ headers: ['bad name'] })).field).toBe(
      'responseCache.headers',
    )
    expect(configError(() => resolveResponseCachePolicy({ cacheHeader: '' })).field).toBe(
      'responseCache.cacheHeader',
    )
    expect(configError(() => resolveResponseCachePolicy({ cache: {} as never })).field).toBe(
      'responseCache.cache',
    )
  })

  it('fill in the documented defaults', () => {
    expect(policy).toMatchObject({
      ttlMs: 60_000,
      query: true,
      headers: [],
      maxBodyBytes: 1_048_576,
      cacheHeader: 'x-cache',
    })
    expect(resolveResponseCachePolicy({ cacheHeader: false }).cacheHeader).toBeUndefined()
  })
})
