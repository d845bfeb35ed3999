import { describe, expect, it } from 'vitest'
import {
  bypassReason,
  notStoredByHeaders,
} from '../../src/addons/integrations/response-cache/cacheability.js'
import {
  buildResponseKey,
  type KeyedRequest,
  sha256,
} from '../../src/addons/integrations/response-cache/key.js'
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
  return { method, target, host: 'example.com', header: (name) => headers[name] }
}

const key = (keyed: KeyedRequest, keyPolicy = policy) => buildResponseKey(keyed, keyPolicy, 'v1.v2')

describe('response cache keys', () => {
  it('are the path with all query parameters sorted by name, for GET and HEAD alike', () => {
    expect(key(request('/a?b=2&a=1'))).toBe('GET example.com /a?a=1&b=2 @v1.v2')
    expect(key(request('/a?a=1&b=2', {}, 'HEAD'))).toBe('GET example.com /a?a=1&b=2 @v1.v2')
  })

  it('keep the order of a repeated parameter, which may matter to the handler', () => {
    expect(key(request('/a?x=2&x=1'))).not.toBe(key(request('/a?x=1&x=2')))
  })

  it('ignore the query, or keep only the chosen parameters', () => {
    const none = resolveResponseCachePolicy({ query: false })
    const chosen = resolveResponseCachePolicy({ query: ['page'] })
    expect(key(request('/a?utm=x&page=2'), none)).toBe('GET example.com /a @v1.v2')
    expect(key(request('/a?utm=x&page=2'), chosen)).toBe('GET example.com /a?page=2 @v1.v2')
    expect(key(request('/a?utm=x'), chosen)).toBe('GET example.com /a @v1.v2')
  })

  it('name the host, lower case and encoded, unless shared across hosts', () => {
    const shared = resolveResponseCachePolicy({ shareAcrossHosts: true })
    const upper = { ...request('/a'), host: 'Evil.Example:8080' }
    expect(key(upper)).toBe('GET evil.example%3A8080 /a @v1.v2')
    expect(key(upper, shared)).toBe('GET * /a @v1.v2')
  })

  it('tell a missing header from an empty one, and hash header values', () => {
    const byLanguage = resolveResponseCachePolicy({ headers: ['Accept-Language'] })
    const missing = key(request('/a'), byLanguage)
    const empty = key(request('/a', { 'accept-language': '' }), byLanguage)
    const forged = key(request('/a', { 'accept-language': 'x\naccept-language=y' }), byLanguage)
    expect(missing).toBe('GET example.com /a @v1.v2\naccept-language')
    expect(empty).toBe(`GET example.com /a @v1.v2\naccept-language=${sha256('')}`)
    expect(forged).toBe(`GET example.com /a @v1.v2\naccept-language=${sha256('x\naccept-language=y')}`)
    const byCredential = resolveResponseCachePolicy({ headers: ['authorization'] })
    expect(key(request('/a', { authorization: 'Bearer s3cret' }), byCredential)).not.toContain('s3cret')
  })

  it('are hashed when a long query would make them unreadable or too long', () => {
    const long = key(request(`/a?q=${'x'.repeat(2000)}`))
    expect(long).toMatch(/^GET #[0-9a-f]{64}$/)
    expect(key(request(`/a?q=${'x'.repeat(2000)}`))).toBe(long)
  })
})

describe('which requests the cache takes part in', () => {
  it('only GET and HEAD', () => {
    expect(bypassReason(request('/a'), policy)).toBeUndefined()
    expect(bypassReason(request('/a', {}, 'HEAD'), policy)).toBeUndefined()
    expect(bypassReason(request('/a', {}, 'POST'), policy)).toBe('method')
  })

  it('not Range requests, nor Authorization unless that header is part of the key', () => {
    expect(bypassReason(request('/a', { range: 'bytes=0-1' }), policy)).toBe('range')
    expect(bypassReason(request('/a', { authorization: 'Bearer t' }), policy)).toBe('authorization')
    const perUser = resolveResponseCachePolicy({ headers: ['authorization'] })
    expect(bypassReason(request('/a', { authorization: 'Bearer t' }), perUser)).toBeUndefined()
  })

  it('not with a Cookie, unless cookie is keyed or every cookie is an ignored one', () => {
    expect(bypassReason(request('/a', { cookie: 'session=1' }), policy)).toBe('cookie')
    const ignoring = resolveResponseCachePolicy({ ignoreCookies: ['_ga', 'consent'] })
    expect(bypassReason(request('/a', { cookie: '_ga=GA1.2; consent=yes' }), ignoring)).toBeUndefined()
    expect(bypassReason(request('/a', { cookie: '_ga=GA1.2; session=1' }), ignoring)).toBe('cookie')
    expect(
      bypassReason(
        request('/a', { cookie: 'session=1' }),
        resolveResponseCachePolicy({ headers: ['cookie'] }),
      ),
    ).toBeUndefined()
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
    // Host is part of the key unless shared across hosts.
    expect(verdict(200, [['vary', 'Host']])).toBeUndefined()
    const shared = resolveResponseCachePolicy({ shareAcrossHosts: true })
    expect(notStoredByHeaders(200, [['vary', 'Host']], shared)).toBe('vary')
  })

  it('not when the announced length is over maxBodyBytes', () => {
    const small = resolveResponseCachePolicy({ maxBodyBytes: 10 })
    expect(notStoredByHeaders(200, [['content-length', '11']], small)).toBe('too-large')
    expect(notStoredByHeaders(200, [['content-length', '10']], small)).toBeUndefined()
  })
})

describe('the response recorder', () => {
  it('settles with the whole body once ended', async () => {
    const recorder = new ResponseRecorder(policy, request('/a'))
    recorder.write(Buffer.from('ab'))
    expect(recorder.start(200, [['content-type', 'text/plain']])).toBe(true)
    recorder.write(Buffer.from('c'))
    recorder.end()
    const outcome = await recorder.outcome
    expect('response' in outcome && Buffer.from(outcome.response.body).toString()).toBe('abc')
  })

  it('stops recording, keeping nothing, once the body passes maxBodyBytes', async () => {
    const recorder = new ResponseRecorder(resolveResponseCachePolicy({ maxBodyBytes: 3 }), request('/a'))
    recorder.start(200, [])
    recorder.write(Buffer.from('abcd'))
    expect(recorder.isRecording).toBe(false)
    recorder.end()
    expect(await recorder.outcome).toEqual({ notStored: 'too-large' })
  })

  it('settles at start when the response is already stale, before any body', async () => {
    const recorder = new ResponseRecorder(policy, request('/a'))
    expect(recorder.start(200, [['cache-control', 's-maxage=0']])).toBe(false)
    expect(await recorder.outcome).toEqual({ notStored: 'expired' })
  })

  it('settles at start when the headers rule storing out, before any body', async () => {
    const recorder = new ResponseRecorder(policy, request('/a'))
    expect(recorder.start(500, [])).toBe(false)
    expect(await recorder.outcome).toEqual({ notStored: 'status' })
  })
})

describe('stored responses', () => {
  it('keep UTF-8 bodies as text and other bytes as base64, both exactly', () => {
    const text = toStoredResponse(200, [], Buffer.from('héllo'), 0, 0, 'x-cache')
    expect(text.bodyEncoding).toBe('utf8')
    expect(storedBody(text).toString()).toBe('héllo')
    const bytes = Uint8Array.of(0xef, 0xbb, 0xbf, 0xff, 0x00)
    const binary = toStoredResponse(200, [], bytes, 0, 0, 'x-cache')
    expect(binary.bodyEncoding).toBe('base64')
    expect([...storedBody(binary)]).toEqual([...bytes])
  })

  it('keep a leading byte-order mark as bytes', () => {
    const withBom = Buffer.from('\uFEFFhi')
    expect(storedBody(toStoredResponse(200, [], withBom, 0, 0, undefined)).equals(withBom)).toBe(true)
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
    expect(isStoredResponse(toStoredResponse(200, [], Buffer.from('a'), 0, 0, undefined))).toBe(true)
    expect(
      isStoredResponse({ v: 1, status: 200, headers: [], body: '', bodyEncoding: 'utf8', storedAt: 0 }),
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
    expect(configError(() => resolveResponseCachePolicy({ keyPrefix: 'a::b' })).field).toBe(
      'responseCache.keyPrefix',
    )
    expect(configError(() => resolveResponseCachePolicy({ ignoreCookies: 'session' } as never)).field).toBe(
      'responseCache.ignoreCookies',
    )
    expect(configError(() => resolveResponseCachePolicy({ shareAcrossHosts: 'yes' } as never)).field).toBe(
      'responseCache.shareAcrossHosts',
    )
  })

  it('fill in the documented defaults', () => {
    expect(policy).toMatchObject({
      ttlMs: 60_000,
      query: true,
      headers: [],
      maxBodyBytes: 1_048_576,
      cacheHeader: 'x-cache',
      shareAcrossHosts: false,
      keyPrefix: undefined,
    })
    expect([...policy.ignoreCookies]).toEqual([])
    expect(resolveResponseCachePolicy({ cacheHeader: false }).cacheHeader).toBeUndefined()
  })
})
