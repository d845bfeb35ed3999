import { serialize as v8Serialize } from 'node:v8'
import { describe, expect, it } from 'vitest'
import {
  createEntryCodec,
  ENTRY_HEADER_FIXED_BYTES,
  EntryDecodeError,
  type EntryDecodeFailure,
  entryExpiresAtMs,
} from '../../src/backends/l2/entry-format.js'
import {
  jsonSerializer,
  msgpackSerializer,
  type Serializer,
  v8Serializer,
} from '../../src/backends/serializers/index.js'
import { CacheConfigurationError, CacheSerializationError } from '../../src/kernel/errors.js'

const LIMITS = { maxValueBytes: 1024 * 1024 }
const EXPIRES_AT_MS = 1_700_000_000_123.5

function decodeFailure(decode: () => unknown): EntryDecodeError {
  try {
    decode()
  } catch (error) {
    expect(error).toBeInstanceOf(EntryDecodeError)
    expect(error).toBeInstanceOf(CacheSerializationError)
    return error as EntryDecodeError
  }
  throw new Error('decode did not throw')
}

function expectReason(decode: () => unknown, reason: EntryDecodeFailure): EntryDecodeError {
  const error = decodeFailure(decode)
  expect(error.reason).toBe(reason)
  return error
}

describe.each([jsonSerializer, v8Serializer, msgpackSerializer])('entry codec with $name', (serializer) => {
  const codec = createEntryCodec(serializer, LIMITS)
  const value = { id: 7, name: 'Ada', tags: ['a', 'b'], nested: { ok: true, none: null } }

  it('round-trips a value with its expiry', () => {
    expect(codec.decode(codec.encode(value, EXPIRES_AT_MS))).toStrictEqual({
      value,
      expiresAtMs: EXPIRES_AT_MS,
    })
  })

  it('round-trips a value without expiry as Infinity', () => {
    expect(codec.decode(codec.encode(value, Number.POSITIVE_INFINITY))).toStrictEqual({
      value,
      expiresAtMs: Number.POSITIVE_INFINITY,
    })
  })

  it('decodes from a plain Uint8Array view in the middle of a larger buffer', () => {
    const entry = codec.encode(value, EXPIRES_AT_MS)
    const backing = new Uint8Array(entry.length + 10)
    backing.set(entry, 5)
    expect(codec.decode(backing.subarray(5, 5 + entry.length))).toStrictEqual({
      value,
      expiresAtMs: EXPIRES_AT_MS,
    })
  })

  it('exposes its serializer', () => {
    expect(codec.serializer).toBe(serializer)
  })
})

describe('entry header layout', () => {
  const codec = createEntryCodec(jsonSerializer, LIMITS)

  it('writes magic, version, flags, big-endian expiry, name length, name, then the payload', () => {
    const entry = codec.encode({ a: 1 }, EXPIRES_AT_MS)
    expect([...entry.subarray(0, 4)]).toStrictEqual([0xc1, 0x52, 1, 0b1])
    expect(entry.readDoubleBE(4)).toBe(EXPIRES_AT_MS)
    expect(entry[12]).toBe(4)
    expect(entry.toString('latin1', ENTRY_HEADER_FIXED_BYTES, ENTRY_HEADER_FIXED_BYTES + 4)).toBe('json')
    expect(entry.toString('utf8', ENTRY_HEADER_FIXED_BYTES + 4)).toBe('{"a":1}')
  })

  it('clears the expiry flag and writes a zero expiry when the entry does not expire', () => {
    const entry = codec.encode({ a: 1 }, Number.POSITIVE_INFINITY)
    expect(entry[3]).toBe(0)
    expect(entry.readDoubleBE(4)).toBe(0)
  })

  it('does not leak an expiry from one entry into the next', () => {
    codec.encode({ a: 1 }, EXPIRES_AT_MS)
    expect(codec.decode(codec.encode({ a: 1 }, Number.POSITIVE_INFINITY)).expiresAtMs).toBe(
      Number.POSITIVE_INFINITY,
    )
  })

  it.each([0, -1, Number.NaN, Number.NEGATIVE_INFINITY])(
    'rejects the expiry %s with a RangeError',
    (expiresAtMs) => {
      expect(() => codec.encode({ a: 1 }, expiresAtMs)).toThrow(RangeError)
    },
  )
})

describe('decoding bytes that are not a valid entry', () => {
  const jsonCodec = createEntryCodec(jsonSerializer, LIMITS)
  const v8Codec = createEntryCodec(v8Serializer, LIMITS)

  it.each([
    ['plain text', Buffer.from('hello')],
    ['JSON text', Buffer.from('{"a":1}')],
    ['raw v8 bytes', v8Serialize({ a: 1 })],
    ['raw msgpack bytes', Buffer.from(msgpackSerializer.encode({ a: 1 }))],
    ['an empty buffer', Buffer.alloc(0)],
    ['a wrong second magic byte', Buffer.from([0xc1, 0x53, 1, 0])],
  ])('reports %s as foreign', (_, bytes) => {
    expectReason(() => v8Codec.decode(bytes), 'foreign')
  })

  it('reports every cut inside the header as truncated', () => {
    const entry = jsonCodec.encode({ a: 1 }, EXPIRES_AT_MS)
    for (let length = 1; length < ENTRY_HEADER_FIXED_BYTES + 'json'.length; length++) {
      expectReason(() => jsonCodec.decode(entry.subarray(0, length)), 'truncated')
    }
  })

  it('reports an unknown format version', () => {
    const entry = jsonCodec.encode({ a: 1 }, EXPIRES_AT_MS)
    entry[2] = 2
    expect(expectReason(() => jsonCodec.decode(entry), 'version').message).toMatch(/format version 2/)
  })

  it('reports unknown flag bits as a version problem', () => {
    const entry = jsonCodec.encode({ a: 1 }, EXPIRES_AT_MS)
    entry[3] = 0b10
    expectReason(() => jsonCodec.decode(entry), 'version')
  })

  it.each([0, 65])('reports a serializer name length of %i as a version problem', (nameLength) => {
    const entry = jsonCodec.encode({ a: 1 }, EXPIRES_AT_MS)
    entry[12] = nameLength
    expectReason(() => jsonCodec.decode(entry), 'version')
  })

  it('reports an invalid expiry time as a version problem', () => {
    const entry = jsonCodec.encode({ a: 1 }, EXPIRES_AT_MS)
    entry.writeDoubleBE(Number.NaN, 4)
    expectReason(() => jsonCodec.decode(entry), 'version')
  })

  it('names the serializer that wrote an entry of another serializer', () => {
    const error = expectReason(() => v8Codec.decode(jsonCodec.encode({ a: 1 }, EXPIRES_AT_MS)), 'serializer')
    expect(error.serializerName).toBe('json')
    expect(error.message).toMatch(/written by serializer 'json'; this cache uses 'v8'/)
  })

  it.each([
    ['a newer format version', (entry: Buffer) => entry.writeUInt8(2, 2), false],
    ['a reserved flag bit', (entry: Buffer) => entry.writeUInt8(0b10, 3), false],
    ['format version 0', (entry: Buffer) => entry.writeUInt8(0, 2), true],
    ['a bad name length', (entry: Buffer) => entry.writeUInt8(0, 12), true],
    ['an invalid expiry', (entry: Buffer) => entry.writeDoubleBE(Number.NaN, 4), true],
    ['a damaged payload', (entry: Buffer) => entry.fill(0xff, entry.length - 3), true],
  ])('marks an entry with %s as corrupt: %s', (_label, damage, corrupt) => {
    const entry = jsonCodec.encode({ a: 1 }, EXPIRES_AT_MS)
    damage(entry)
    expect(decodeFailure(() => jsonCodec.decode(entry)).corrupt).toBe(corrupt)
  })

  it('marks an entry of another serializer as intact (not corrupt)', () => {
    expect(decodeFailure(() => v8Codec.decode(jsonCodec.encode(1, EXPIRES_AT_MS))).corrupt).toBe(false)
  })

  it('reports a serializer that cannot decode its own output as unavailable, not corrupt', () => {
    const cannotDecode: Serializer = {
      ...jsonSerializer,
      decode: () => {
        throw new Error('Deserializer is not implemented')
      },
    }
    const error = expectReason(
      () => createEntryCodec(cannotDecode, LIMITS).decode(jsonCodec.encode(1, EXPIRES_AT_MS)),
      'unavailable',
    )
    expect(error.corrupt).toBe(false)
    expect(error.message).toMatch(/cannot decode in this process: Deserializer is not implemented/)
  })

  it('tells apart serializer names that share a prefix', () => {
    const named = (name: string): Serializer => ({ ...jsonSerializer, name })
    const short = createEntryCodec(named('js'), LIMITS)
    const error = expectReason(() => short.decode(jsonCodec.encode(1, EXPIRES_AT_MS)), 'serializer')
    expect(error.serializerName).toBe('json')
    expectReason(() => jsonCodec.decode(short.encode(1, EXPIRES_AT_MS)), 'serializer')
  })

  it('reports a payload the serializer cannot decode, with its error as cause', () => {
    const entry = jsonCodec.encode({ a: 1 }, EXPIRES_AT_MS)
    entry[entry.length - 1] = 0x00
    const error = expectReason(() => jsonCodec.decode(entry), 'payload')
    expect(error.cause).toBeInstanceOf(SyntaxError)
  })

  it('reports an entry cut inside its payload as a payload problem', () => {
    const entry = v8Codec.encode({ a: 'x'.repeat(100) }, EXPIRES_AT_MS)
    expectReason(() => v8Codec.decode(entry.subarray(0, entry.length - 10)), 'payload')
  })

  it('has the E_SERIALIZATION code', () => {
    expect(decodeFailure(() => jsonCodec.decode(Buffer.from('x'))).code).toBe('E_SERIALIZATION')
  })
})

describe('encoding limits and serializer failures', () => {
  it('accepts an entry of exactly maxValueBytes and rejects one byte more', () => {
    const probe = createEntryCodec(jsonSerializer, LIMITS).encode('x'.repeat(100), EXPIRES_AT_MS)
    const exact = createEntryCodec(jsonSerializer, { maxValueBytes: probe.length })
    expect(exact.encode('x'.repeat(100), EXPIRES_AT_MS)).toHaveLength(probe.length)
    expect(() => exact.encode('x'.repeat(101), EXPIRES_AT_MS)).toThrow(CacheSerializationError)
    expect(() => exact.encode('x'.repeat(101), EXPIRES_AT_MS)).toThrow(
      `encoded value is ${probe.length + 1} bytes (header included), more than maxValueBytes (${probe.length})`,
    )
  })

  it('passes on the serializer CacheSerializationError unchanged', () => {
    const codec = createEntryCodec(v8Serializer, LIMITS)
    expect(() => codec.encode(() => 1, EXPIRES_AT_MS)).toThrow(
      'v8 serializer cannot encode a value of type function',
    )
  })

  it('wraps any other serializer error, keeping it as cause', () => {
    const failure = new Error('disk on fire')
    const failing: Serializer = {
      name: 'failing',
      encode: () => {
        throw failure
      },
      decode: () => null,
    }
    const codec = createEntryCodec(failing, LIMITS)
    let caught: unknown
    try {
      codec.encode(1, EXPIRES_AT_MS)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(CacheSerializationError)
    expect((caught as Error).message).toBe("serializer 'failing' cannot encode the value: disk on fire")
    expect((caught as Error).cause).toBe(failure)
  })

  it('rejects a serializer that does not return bytes', () => {
    const wrong = { name: 'wrong', encode: () => 'text', decode: () => null } as unknown as Serializer
    expect(() => createEntryCodec(wrong, LIMITS).encode(1, EXPIRES_AT_MS)).toThrow(/not a Uint8Array/)
  })

  it('hands the serializer a view on the entry, not a copy', () => {
    let seen: Uint8Array | undefined
    const spy: Serializer = {
      name: 'spy',
      encode: () => new Uint8Array([1, 2, 3]),
      decode: (bytes) => {
        seen = bytes
        return null
      },
    }
    const codec = createEntryCodec(spy, LIMITS)
    const entry = codec.encode(1, EXPIRES_AT_MS)
    codec.decode(entry)
    expect(seen?.buffer).toBe(entry.buffer)
    expect([...(seen ?? [])]).toStrictEqual([1, 2, 3])
  })
})

describe('createEntryCodec', () => {
  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'rejects maxValueBytes %s with a CacheConfigurationError',
    (maxValueBytes) => {
      expect(() => createEntryCodec(jsonSerializer, { maxValueBytes })).toThrow(CacheConfigurationError)
      expect(() => createEntryCodec(jsonSerializer, { maxValueBytes })).toThrow(/maxValueBytes/)
    },
  )

  it('rejects a serializer whose name cannot go in the header', () => {
    const unnamed = { ...jsonSerializer, name: 'é' }
    expect(() => createEntryCodec(unnamed, LIMITS)).toThrow(TypeError)
  })
})

describe('entryExpiresAtMs', () => {
  it("reads the expiry from the header without the payload's serializer", () => {
    const codec = createEntryCodec(jsonSerializer, LIMITS)
    expect(entryExpiresAtMs(codec.encode({ a: 1 }, EXPIRES_AT_MS))).toBe(EXPIRES_AT_MS)
    expect(entryExpiresAtMs(codec.encode({ a: 1 }, Number.POSITIVE_INFINITY))).toBe(Number.POSITIVE_INFINITY)
    // Another serializer's entry still has a readable expiry.
    expect(entryExpiresAtMs(createEntryCodec(v8Serializer, LIMITS).encode(1, EXPIRES_AT_MS))).toBe(
      EXPIRES_AT_MS,
    )
  })

  it('is undefined for bytes that are not an entry of this format', () => {
    expect(entryExpiresAtMs(Buffer.from('plain text written by another program'))).toBeUndefined()
    expect(entryExpiresAtMs(Buffer.from([0xc1, 0x52, 1]))).toBeUndefined()
    const newer = createEntryCodec(jsonSerializer, LIMITS).encode(1, EXPIRES_AT_MS)
    newer[2] = 2
    expect(entryExpiresAtMs(newer)).toBeUndefined()
  })
})
