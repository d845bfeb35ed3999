/*
 * L2 entry format. Every value stored in L2 is `header + payload`; multi-byte fields are big-endian.
 *
 *   offset  size  field
 *   0       2     magic 0xC1 0x52. 0xC1 is never valid at the start of UTF-8 text and is "never used"
 *                 in MessagePack, and v8 output starts with 0xFF, so data this package did not
 *                 write (another application's keys, raw serializer output) is told apart at once.
 *   2       1     format version, 1
 *   3       1     flags: bit 0 = has expiry; the other bits are reserved and must be 0
 *   4       8     absolute expiry, ms since the Unix epoch, float64 (0 when there is no expiry)
 *   12      1     length n of the serializer name, 1..64
 *   13      n     serializer name, ASCII
 *   13 + n  ...   payload: the serializer's output
 *
 * The expiry lets a reader derive the remaining lifetime (for L1 promotion) without a PTTL round trip.
 * The serializer name lets a reader refuse an entry another serializer wrote instead of misreading it.
 */
import {
  CacheConfigurationError,
  CacheSerializationError,
  isCacheSerializationError,
} from '../../kernel/errors.js'
import { isValidSerializerName } from '../serializers/registry.js'
import type { Serializer } from '../serializers/serializer.js'

/** Size of the header before the serializer name: magic, version, flags, expiry and name length. */
export const ENTRY_HEADER_FIXED_BYTES = 13

const MAGIC_0 = 0xc1
const MAGIC_1 = 0x52
const FORMAT_VERSION = 1
const FLAG_HAS_EXPIRY = 0b0000_0001
const KNOWN_FLAGS = FLAG_HAS_EXPIRY
const VERSION_OFFSET = 2
const FLAGS_OFFSET = 3
const EXPIRY_OFFSET = 4
const NAME_LENGTH_OFFSET = 12
const MAX_NAME_BYTES = 64

/** An L2 entry after decoding. */
export interface DecodedEntry {
  /** The stored value, as the serializer decoded it. */
  value: unknown
  /** Absolute expiry in ms since the Unix epoch; `Infinity` when the entry does not expire. */
  expiresAtMs: number
}

/** Why an L2 entry could not be decoded. */
export type EntryDecodeFailure =
  | 'foreign'
  | 'version'
  | 'truncated'
  | 'serializer'
  | 'payload'
  | 'unavailable'

/**
 * Bytes in L2 that cannot be turned into a value. The cache treats them as a miss; it removes them
 * only when they are `corrupt`. `reason` says why, for logs and metrics:
 * - `foreign`: no magic bytes; not written by this package. Corrupt.
 * - `version`: a format version, header flags or header fields (name length, expiry) that this
 *   version of the format does not accept. Not corrupt when the version is newer than ours or a
 *   reserved flag is set (a newer release wrote it); corrupt otherwise.
 * - `truncated`: shorter than its header says. Corrupt.
 * - `serializer`: written with another serializer, named by `serializerName`. Not corrupt.
 * - `payload`: the serializer failed to decode the payload (`cause` holds its error). Corrupt.
 * - `unavailable`: the serializer cannot decode anything in this process (it fails on its own
 *   output, as `v8` does on runtimes without Node's deserializer). Not corrupt.
 */
export class EntryDecodeError extends CacheSerializationError {
  /** What is wrong with the bytes. */
  readonly reason: EntryDecodeFailure
  /** For `reason: 'serializer'`, the serializer that wrote the entry. */
  readonly serializerName?: string
  /**
   * Whether the bytes are damaged or not ours (the cache deletes them), rather than a well-formed
   * entry that this process cannot read (the cache leaves it for the instances that can).
   */
  readonly corrupt: boolean

  constructor(
    reason: EntryDecodeFailure,
    message: string,
    options: { cause?: unknown; serializerName?: string; corrupt?: boolean } = {},
  ) {
    super(message, { cause: options.cause })
    this.reason = reason
    this.corrupt = options.corrupt ?? !UNREADABLE_BUT_INTACT.has(reason)
    if (options.serializerName !== undefined) this.serializerName = options.serializerName
  }
}

/** Reasons that, by themselves, mean a well-formed entry this process cannot read. */
const UNREADABLE_BUT_INTACT: ReadonlySet<EntryDecodeFailure> = new Set(['serializer', 'unavailable'])

/** A value every serializer can encode: decoding its encoding tells whether decoding works here at all. */
const PROBE_VALUE = { probe: [1, 'a', null] }

/** Writes and reads L2 entries for one serializer. */
export interface EntryCodec {
  /** The serializer that writes payloads, and the only one whose entries `decode` accepts. */
  readonly serializer: Serializer
  /**
   * Encodes `value` with an absolute expiry (`Infinity` for none) into header + payload, in one
   * Buffer allocation besides the serializer's own output.
   * @throws CacheSerializationError when the serializer throws, or when the entry would be larger
   * than `maxValueBytes` (header included).
   * @throws RangeError when `expiresAtMs` is neither a positive number nor `Infinity`.
   */
  encode(value: unknown, expiresAtMs: number): Buffer
  /**
   * Decodes an entry written by a codec of the same serializer. The payload handed to the serializer
   * is a view on `bytes`, not a copy.
   * @throws EntryDecodeError with the reason the bytes cannot be read.
   */
  decode(bytes: Uint8Array): DecodedEntry
}

/** Options of {@link createEntryCodec}. */
export interface EntryCodecOptions {
  /** Largest entry `encode` produces, in bytes, header included. */
  maxValueBytes: number
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/**
 * Creates the codec of L2 entries for `serializer`.
 * @throws TypeError when the serializer's name is not 1 to 64 characters of `[A-Za-z0-9._-]`.
 * @throws CacheConfigurationError naming `maxValueBytes` when it is not a positive integer.
 */
export function createEntryCodec(serializer: Serializer, options: EntryCodecOptions): EntryCodec {
  const { name } = serializer
  if (!isValidSerializerName(name)) {
    throw new TypeError(
      `createEntryCodec: serializer name must be 1 to 64 characters of [A-Za-z0-9._-], got ${String(name)}`,
    )
  }
  const { maxValueBytes } = options
  if (!Number.isSafeInteger(maxValueBytes) || maxValueBytes <= 0) {
    throw new CacheConfigurationError('maxValueBytes', `must be a positive integer, got ${maxValueBytes}`)
  }

  // Everything but flags and expiry is the same for every entry of this serializer; encode copies it.
  const nameBytes = Buffer.from(name, 'latin1')
  const headerBytes = ENTRY_HEADER_FIXED_BYTES + nameBytes.length
  const headerPrefix = Buffer.alloc(headerBytes)
  headerPrefix[0] = MAGIC_0
  headerPrefix[1] = MAGIC_1
  headerPrefix[VERSION_OFFSET] = FORMAT_VERSION
  headerPrefix[NAME_LENGTH_OFFSET] = nameBytes.length
  nameBytes.copy(headerPrefix, ENTRY_HEADER_FIXED_BYTES)

  function encode(value: unknown, expiresAtMs: number): Buffer {
    const hasExpiry = expiresAtMs !== Number.POSITIVE_INFINITY
    // `!(x > 0)` also rejects NaN.
    if (hasExpiry && !(expiresAtMs > 0)) {
      throw new RangeError(
        `expiresAtMs must be a positive number of ms since the epoch, or Infinity, got ${expiresAtMs}`,
      )
    }
    let payload: Uint8Array
    try {
      payload = serializer.encode(value)
    } catch (error) {
      if (isCacheSerializationError(error)) throw error
      throw new CacheSerializationError(
        `serializer '${name}' cannot encode the value: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      )
    }
    if (!(payload instanceof Uint8Array)) {
      throw new CacheSerializationError(`serializer '${name}' returned ${typeof payload}, not a Uint8Array`)
    }
    const totalBytes = headerBytes + payload.length
    if (totalBytes > maxValueBytes) {
      throw new CacheSerializationError(
        `encoded value is ${totalBytes} bytes (header included), more than maxValueBytes (${maxValueBytes})`,
      )
    }
    const entry = Buffer.allocUnsafe(totalBytes)
    entry.set(headerPrefix, 0)
    if (hasExpiry) {
      entry[FLAGS_OFFSET] = FLAG_HAS_EXPIRY
      entry.writeDoubleBE(expiresAtMs, EXPIRY_OFFSET)
    }
    entry.set(payload, headerBytes)
    return entry
  }

  /** Whether the serializer decodes its own output here; asked once, after its first failure. */
  let canDecode: boolean | undefined
  function serializerCanDecode(): boolean {
    if (canDecode === undefined) {
      try {
        serializer.decode(serializer.encode(PROBE_VALUE))
        canDecode = true
      } catch {
        canDecode = false
      }
    }
    return canDecode
  }

  function decode(input: Uint8Array): DecodedEntry {
    const length = input.length
    if (length < 2 || input[0] !== MAGIC_0 || input[1] !== MAGIC_1) {
      // A lone 0xC1 is the start of a header that lost its tail rather than foreign data.
      if (length === 1 && input[0] === MAGIC_0) {
        throw new EntryDecodeError('truncated', 'L2 entry is truncated: 1 byte, no complete header')
      }
      throw new EntryDecodeError(
        'foreign',
        length === 0
          ? 'L2 entry is empty, not a resilient-cache entry'
          : 'L2 entry does not start with the resilient-cache magic bytes: not written by resilient-cache',
      )
    }
    if (length <= VERSION_OFFSET) {
      throw new EntryDecodeError('truncated', `L2 entry is truncated: ${length} bytes, no complete header`)
    }
    const version = input[VERSION_OFFSET] as number
    if (version !== FORMAT_VERSION) {
      // A newer release's entry (a rolling upgrade) is left for it; version 0 was never written.
      throw new EntryDecodeError(
        'version',
        `L2 entry has format version ${version}; this version of resilient-cache reads version ${FORMAT_VERSION}`,
        { corrupt: version < FORMAT_VERSION },
      )
    }
    if (length < ENTRY_HEADER_FIXED_BYTES) {
      throw new EntryDecodeError('truncated', `L2 entry is truncated: ${length} bytes, no complete header`)
    }
    const flags = input[FLAGS_OFFSET] as number
    if ((flags & ~KNOWN_FLAGS) !== 0) {
      throw new EntryDecodeError(
        'version',
        `L2 entry has unknown header flags 0x${flags.toString(16)}; it was written by a newer resilient-cache`,
        { corrupt: false },
      )
    }
    const nameLength = input[NAME_LENGTH_OFFSET] as number
    if (nameLength === 0 || nameLength > MAX_NAME_BYTES) {
      throw new EntryDecodeError(
        'version',
        `L2 entry has a serializer name length of ${nameLength}, outside 1..${MAX_NAME_BYTES} of format version ${FORMAT_VERSION}`,
      )
    }
    const payloadStart = ENTRY_HEADER_FIXED_BYTES + nameLength
    if (length < payloadStart) {
      throw new EntryDecodeError(
        'truncated',
        `L2 entry is truncated: ${length} bytes, shorter than its ${payloadStart}-byte header`,
      )
    }
    let sameSerializer = nameLength === nameBytes.length
    for (let i = 0; sameSerializer && i < nameLength; i++) {
      sameSerializer = input[ENTRY_HEADER_FIXED_BYTES + i] === nameBytes[i]
    }
    const bytes = asBuffer(input)
    if (!sameSerializer) {
      const writer = bytes.toString('latin1', ENTRY_HEADER_FIXED_BYTES, payloadStart)
      throw new EntryDecodeError(
        'serializer',
        `L2 entry was written by serializer '${writer}'; this cache uses '${name}'`,
        { serializerName: writer },
      )
    }
    let expiresAtMs = Number.POSITIVE_INFINITY
    if ((flags & FLAG_HAS_EXPIRY) !== 0) {
      expiresAtMs = bytes.readDoubleBE(EXPIRY_OFFSET)
      if (!(expiresAtMs > 0 && expiresAtMs < Number.POSITIVE_INFINITY)) {
        throw new EntryDecodeError('version', `L2 entry has an invalid expiry time ${expiresAtMs}`)
      }
    }
    let value: unknown
    try {
      value = serializer.decode(bytes.subarray(payloadStart))
    } catch (error) {
      if (!serializerCanDecode()) {
        throw new EntryDecodeError(
          'unavailable',
          `serializer '${name}' cannot decode in this process: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        )
      }
      throw new EntryDecodeError(
        'payload',
        `serializer '${name}' cannot decode the L2 entry's payload: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      )
    }
    return { value, expiresAtMs }
  }

  return { serializer, encode, decode }
}

/**
 * The absolute expiry in an entry's header (ms since the epoch, `Infinity` for none) without decoding
 * its payload, or `undefined` for bytes that are not an entry of this format version. The first
 * {@link ENTRY_HEADER_FIXED_BYTES} bytes of an entry are enough. For the
 * questions about an entry that are answered from its expiry alone (does it exist, how long to live).
 */
export function entryExpiresAtMs(input: Uint8Array): number | undefined {
  if (
    input.length < ENTRY_HEADER_FIXED_BYTES ||
    input[0] !== MAGIC_0 ||
    input[1] !== MAGIC_1 ||
    input[VERSION_OFFSET] !== FORMAT_VERSION
  ) {
    return undefined
  }
  const flags = input[FLAGS_OFFSET] as number
  if ((flags & ~KNOWN_FLAGS) !== 0) return undefined
  if ((flags & FLAG_HAS_EXPIRY) === 0) return Number.POSITIVE_INFINITY
  const expiresAtMs = asBuffer(input).readDoubleBE(EXPIRY_OFFSET)
  return expiresAtMs > 0 && expiresAtMs < Number.POSITIVE_INFINITY ? expiresAtMs : undefined
}
