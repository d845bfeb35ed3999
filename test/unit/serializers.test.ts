import { createRequire } from 'node:module'
import { serialize as v8Serialize } from 'node:v8'
import { describe, expect, it } from 'vitest'
import {
  getSerializer,
  jsonSerializer,
  listSerializers,
  msgpackSerializer,
  registerSerializer,
  resolveSerializer,
  type Serializer,
  v8Serializer,
} from '../../src/backends/serializers/index.js'
import { CacheConfigurationError, CacheSerializationError } from '../../src/kernel/errors.js'

const requireCache = createRequire(import.meta.url).cache

function roundTrip(serializer: Serializer, value: unknown): unknown {
  return serializer.decode(serializer.encode(value))
}

function fakeSerializer(name: string): Serializer {
  return {
    name,
    encode: (value) => Buffer.from(String(value)),
    decode: (bytes) => Buffer.from(bytes).toString(),
  }
}

// Vitest runs each test file in its own process, so nothing but this file could have loaded msgpackr yet.
describe('msgpack loading', () => {
  it('registers msgpack without loading msgpackr', () => {
    expect(listSerializers()).toContain('msgpack')
    expect(Object.keys(requireCache).some((path) => path.includes('/node_modules/msgpackr/'))).toBe(false)
  })

  it('loads msgpackr when msgpack is looked up', () => {
    getSerializer('msgpack')
    expect(Object.keys(requireCache).some((path) => path.includes('/node_modules/msgpackr/'))).toBe(true)
  })
})

const plainValues: Array<[string, unknown]> = [
  ['an object', { id: 1, name: 'Ada', active: true }],
  ['an array', [1, 'two', null, false]],
  ['a string', 'héllo wörld ✓'],
  ['an empty string', ''],
  ['an integer', 42],
  ['a negative float', -1.5],
  ['a large integer', 1_700_000_000_123],
  ['null', null],
  ['true', true],
  ['false', false],
  ['a nested structure', { a: [{ b: { c: [1, 2, { d: 'e' }] } }], f: {} }],
]

describe.each([jsonSerializer, v8Serializer, msgpackSerializer])('$name serializer', (serializer) => {
  it.each(plainValues)('round-trips %s', (_, value) => {
    expect(roundTrip(serializer, value)).toStrictEqual(value)
  })

  it('returns a Uint8Array from encode', () => {
    expect(serializer.encode({ a: 1 })).toBeInstanceOf(Uint8Array)
  })

  it('decodes from a plain Uint8Array as well as a Buffer', () => {
    const bytes = serializer.encode({ a: [1, 2] })
    expect(serializer.decode(new Uint8Array(bytes))).toStrictEqual({ a: [1, 2] })
  })

  it.each([
    ['undefined', undefined],
    ['function', () => 1],
    ['symbol', Symbol('s')],
  ])('rejects a top-level %s with a CacheSerializationError naming its type', (type, value) => {
    expect(() => serializer.encode(value)).toThrow(CacheSerializationError)
    expect(() => serializer.encode(value)).toThrow(
      `${serializer.name} serializer cannot encode a value of type ${type}`,
    )
  })
})

describe.each([v8Serializer, msgpackSerializer])('$name serializer, rich types', (serializer) => {
  it('round-trips Date, Map and Set, nested too', () => {
    const value = {
      when: new Date(1_700_000_000_123),
      map: new Map<unknown, unknown>([
        ['a', 1],
        [2, new Set(['x'])],
      ]),
      set: new Set([1, 'a', null]),
      list: [new Date(0), new Map([['k', { v: 1 }]])],
    }
    expect(roundTrip(serializer, value)).toStrictEqual(value)
  })

  it('keeps a Map and a plain object with the same entries apart', () => {
    const decoded = roundTrip(serializer, { map: new Map([['a', 1]]), object: { a: 1 } }) as Record<
      string,
      unknown
    >
    expect(decoded.map).toBeInstanceOf(Map)
    expect(decoded.object).toStrictEqual({ a: 1 })
  })

  it('round-trips BigInt, Buffer and typed arrays', () => {
    const value = {
      big: 2n ** 70n,
      small: 5n,
      buffer: Buffer.from([1, 2, 3]),
      floats: new Float64Array([1.5, -2]),
    }
    expect(roundTrip(serializer, value)).toStrictEqual(value)
  })

  it('keeps undefined inside objects and arrays', () => {
    expect(roundTrip(serializer, { a: undefined, b: [undefined, 1] })).toStrictEqual({
      a: undefined,
      b: [undefined, 1],
    })
  })

  it('rejects a nested function and a nested symbol', () => {
    expect(() => serializer.encode({ a: [{ f() {} }] })).toThrow(CacheSerializationError)
    expect(() => serializer.encode({ a: new Map([['s', Symbol('s')]]) })).toThrow(CacheSerializationError)
  })

  it('decodes binaries that do not share memory with the input bytes', () => {
    const value = {
      buffer: Buffer.from([7, 7]),
      bytes: new Uint8Array([8, 8]),
      floats: new Float64Array([0.5]),
    }
    const bytes = Buffer.from(serializer.encode(value))
    const decoded = serializer.decode(bytes)
    bytes.fill(0)
    expect(decoded).toStrictEqual(value)
  })
})

describe('v8 serializer', () => {
  it('round-trips cycles and shared references', () => {
    const shared = { n: 1 }
    const value: Record<string, unknown> = { first: shared, second: shared }
    value.self = value
    const decoded = roundTrip(v8Serializer, value) as Record<string, unknown>
    expect(decoded.self).toBe(decoded)
    expect(decoded.first).toBe(decoded.second)
  })

  it('wraps the DataCloneError as the cause', () => {
    const error = (() => {
      try {
        v8Serializer.encode({ f() {} })
      } catch (caught) {
        return caught as CacheSerializationError
      }
    })()
    expect(error).toBeInstanceOf(CacheSerializationError)
    expect(error?.cause).toBeInstanceOf(Error)
    expect(error?.message).toMatch(/could not be cloned/)
  })
})

describe('msgpack serializer', () => {
  it('rejects a cyclic value with a CacheSerializationError', () => {
    const value: Record<string, unknown> = {}
    value.self = value
    expect(() => msgpackSerializer.encode(value)).toThrow(CacheSerializationError)
  })

  it('still encodes correctly after a rejected value', () => {
    expect(() => msgpackSerializer.encode({ a: 1, f() {} })).toThrow(CacheSerializationError)
    const bytes = msgpackSerializer.encode({ a: 1, f: 2 })
    expect(msgpackSerializer.decode(bytes)).toStrictEqual({ a: 1, f: 2 })
  })

  it('decodes entries of many shapes in any order, each on its own', () => {
    const values = Array.from({ length: 200 }, (_, i) => ({ [`k${i % 70}`]: i, [`m${i % 13}`]: { i } }))
    const encoded = values.map((value) => Buffer.from(msgpackSerializer.encode(value)))
    for (let i = encoded.length - 1; i >= 0; i--) {
      expect(msgpackSerializer.decode(encoded[i] as Buffer)).toStrictEqual(values[i])
    }
  })
})

describe('json serializer', () => {
  it('drops nested undefined and functions as JSON.stringify does', () => {
    expect(roundTrip(jsonSerializer, { a: undefined, f() {}, b: [undefined, () => 1] })).toStrictEqual({
      b: [null, null],
    })
  })

  it.each([
    ['a BigInt', { n: 1n }, /BigInt/],
    [
      'a cycle',
      (() => {
        const value: Record<string, unknown> = {}
        value.self = value
        return value
      })(),
      /circular/,
    ],
  ])('rejects %s with a CacheSerializationError carrying the cause', (_, value, message) => {
    expect(() => jsonSerializer.encode(value)).toThrow(CacheSerializationError)
    expect(() => jsonSerializer.encode(value)).toThrow(message)
  })

  it('writes UTF-8 JSON text', () => {
    expect(Buffer.from(jsonSerializer.encode({ a: 'é' })).toString('utf8')).toBe('{"a":"é"}')
  })

  it('throws on bytes that are not JSON', () => {
    expect(() => jsonSerializer.decode(v8Serialize({ a: 1 }))).toThrow(SyntaxError)
  })
})

describe('serializer registry', () => {
  it('lists the built-ins first', () => {
    expect(listSerializers().slice(0, 3)).toStrictEqual(['json', 'v8', 'msgpack'])
  })

  it('returns the built-in objects by name', () => {
    expect(getSerializer('json')).toBe(jsonSerializer)
    expect(getSerializer('v8')).toBe(v8Serializer)
    expect(getSerializer('msgpack')).toBe(msgpackSerializer)
  })

  it('names the field and lists the registered serializers for an unknown name', () => {
    const attempt = () => getSerializer('pickle', 'CACHE_SERIALIZER')
    expect(attempt).toThrow(CacheConfigurationError)
    expect(attempt).toThrow(/CACHE_SERIALIZER: unknown serializer 'pickle'; registered: json, v8, msgpack/)
    try {
      attempt()
    } catch (error) {
      expect((error as CacheConfigurationError).field).toBe('CACHE_SERIALIZER')
    }
  })

  it('defaults the field of an unknown name to serializer', () => {
    expect(() => getSerializer('nope')).toThrow(/: serializer: unknown serializer 'nope'/)
  })

  it('registers a serializer and returns it by name', () => {
    const custom = fakeSerializer('custom.text-1')
    registerSerializer('custom.text-1', custom)
    expect(getSerializer('custom.text-1')).toBe(custom)
    expect(listSerializers()).toContain('custom.text-1')
  })

  it.each([[''], ['has space'], ['a:b'], ['x'.repeat(65)], ['é'], [42], [undefined]])(
    'rejects the name %j with a TypeError naming it',
    (name) => {
      expect(() => registerSerializer(name as string, fakeSerializer('valid'))).toThrow(TypeError)
      expect(() => registerSerializer(name as string, fakeSerializer('valid'))).toThrow(
        /registerSerializer: name/,
      )
    },
  )

  it('accepts a 64-character name', () => {
    const name = 'n'.repeat(64)
    expect(() => registerSerializer(name, fakeSerializer(name))).not.toThrow()
  })

  it.each<[string, unknown, RegExp]>([
    ['null', null, /serializer must be an object/],
    ['a string', 'json', /serializer must be an object/],
    [
      'an object without encode',
      { name: 'shape1', decode: () => 1 },
      /encode of 'shape1' must be a function/,
    ],
    [
      'an object without decode',
      { name: 'shape1', encode: () => 1 },
      /decode of 'shape1' must be a function/,
    ],
    ['an object without name', { encode: () => 1, decode: () => 1 }, /serializer name must be/],
  ])('rejects %s as serializer with a TypeError', (_, serializer, message) => {
    expect(() => registerSerializer('shape1', serializer as unknown as Serializer)).toThrow(TypeError)
    expect(() => registerSerializer('shape1', serializer as unknown as Serializer)).toThrow(message)
  })

  it('rejects a serializer whose name differs from the registered name', () => {
    expect(() => registerSerializer('alias', fakeSerializer('original'))).toThrow(TypeError)
    expect(() => registerSerializer('alias', fakeSerializer('original'))).toThrow(
      /'original' differs from the name 'alias'/,
    )
  })

  it('accepts registering the same object twice', () => {
    const custom = fakeSerializer('twice')
    registerSerializer('twice', custom)
    expect(() => registerSerializer('twice', custom)).not.toThrow()
  })

  it('refuses a different object under a taken name unless override is set', () => {
    const first = fakeSerializer('dup')
    const second = fakeSerializer('dup')
    registerSerializer('dup', first)
    expect(() => registerSerializer('dup', second)).toThrow(CacheConfigurationError)
    expect(() => registerSerializer('dup', second)).toThrow(/already registered as 'dup'.*override: true/)
    expect(getSerializer('dup')).toBe(first)
    registerSerializer('dup', second, { override: true })
    expect(getSerializer('dup')).toBe(second)
  })

  it.each(['json', 'v8', 'msgpack'])('never lets the built-in %s be replaced', (name) => {
    expect(() => registerSerializer(name, fakeSerializer(name), { override: true })).toThrow(
      CacheConfigurationError,
    )
    expect(() => registerSerializer(name, fakeSerializer(name), { override: true })).toThrow(/built-in/)
    expect(getSerializer(name).name).toBe(name)
  })

  it('accepts re-registering a built-in object under its own name', () => {
    expect(() => registerSerializer('json', jsonSerializer)).not.toThrow()
  })
})

describe('resolveSerializer', () => {
  it('resolves a name through the registry', () => {
    expect(resolveSerializer('v8', 'serializer')).toBe(v8Serializer)
  })

  it('names the given field for an unknown name', () => {
    expect(() => resolveSerializer('nope', 'defaults.serializer')).toThrow(
      /defaults\.serializer: unknown serializer/,
    )
  })

  it('uses an unregistered serializer object as it is', () => {
    const custom = fakeSerializer('unregistered-1')
    expect(resolveSerializer(custom, 'serializer')).toBe(custom)
    expect(listSerializers()).not.toContain('unregistered-1')
  })

  it('accepts a registered object and a built-in object', () => {
    const custom = fakeSerializer('registered-2')
    registerSerializer('registered-2', custom)
    expect(resolveSerializer(custom, 'serializer')).toBe(custom)
    expect(resolveSerializer(msgpackSerializer, 'serializer')).toBe(msgpackSerializer)
  })

  it('rejects a malformed object with a CacheConfigurationError naming the field', () => {
    const malformed = { name: 'bad name', encode: () => 1, decode: () => 1 } as unknown as Serializer
    expect(() => resolveSerializer(malformed, 'l2.serializer')).toThrow(CacheConfigurationError)
    expect(() => resolveSerializer(malformed, 'l2.serializer')).toThrow(
      /l2\.serializer: serializer name must be/,
    )
  })

  it('rejects an object that reuses the name of a different registered serializer', () => {
    expect(() => resolveSerializer(fakeSerializer('json'), 'serializer')).toThrow(CacheConfigurationError)
    expect(() => resolveSerializer(fakeSerializer('json'), 'serializer')).toThrow(
      /different serializer is registered as 'json'/,
    )
  })
})
