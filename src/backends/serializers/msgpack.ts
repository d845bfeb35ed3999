import type { Options, Packr } from 'msgpackr'
import { CacheSerializationError } from '../../kernel/errors.js'
import { loadOptionalPeer } from '../../kernel/optional-peer.js'
import { rejectUnencodableTopLevel } from './reject-unencodable.js'
import type { Serializer } from './serializer.js'

/**
 * Why these options (checked against msgpackr 2.x):
 * - records stay on (msgpackr's default `useRecords`): with records off, a `Map` is written as a plain
 *   MessagePack map and comes back as an object (`mapsAsObjects`) unless every object comes back as a
 *   `Map`; only records keep both apart. No shared `structures` are given, so every entry carries its
 *   own record definitions and any process can decode it on its own.
 * - `moreTypes`: `Set`, typed arrays, `Error` and `RegExp` get msgpackr's extensions instead of
 *   being flattened into arrays or objects.
 * - `copyBuffers`: decoded binaries own their memory rather than pinning the L2 reply they came from
 *   for as long as the value lives in L1.
 * - `writeFunction` throws: msgpackr otherwise writes a nested function as `undefined`, silently.
 */
const PACKR_OPTIONS: Options = {
  moreTypes: true,
  copyBuffers: true,
  writeFunction: () => {
    throw new TypeError('functions cannot be encoded')
  },
}

let packr: Packr | undefined

function getPackr(field: string): Packr {
  if (packr === undefined) {
    const msgpackr = loadOptionalPeer<typeof import('msgpackr')>(
      'msgpackr',
      field,
      "The 'msgpack' serializer",
    )
    packr = new msgpackr.Packr(PACKR_OPTIONS)
  }
  return packr
}

/**
 * Loads msgpackr now, so that a missing package is reported while the configuration is validated,
 * as a `CacheConfigurationError` naming `field`, rather than on the first L2 write. Idempotent.
 */
export function loadMsgpackr(field = 'serializer'): void {
  getPackr(field)
}

/**
 * MessagePack through the optional peer `msgpackr`: compact and fast. Keeps `Date`, `Map`, `Set`,
 * `BigInt`, typed arrays, `Buffer`s and `undefined` inside objects and arrays. Cyclic structures are
 * rejected, and so are functions (at any depth), symbol values (at any depth) and a top-level
 * `undefined`. Symbol-keyed properties are dropped; objects with a `toJSON()` method (other than
 * `Date`) are encoded as what it returns; class instances come back as plain objects.
 *
 * Objects are written as msgpackr records (a msgpackr extension), so entries are meant to be read
 * by msgpackr; use the `json` serializer for other languages. msgpackr is loaded on first use, never
 * by importing this package.
 */
export const msgpackSerializer: Serializer = {
  name: 'msgpack',

  encode(value: unknown): Uint8Array {
    rejectUnencodableTopLevel(value, 'msgpack')
    const encoder = getPackr('serializer')
    try {
      return encoder.pack(value)
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      // msgpackr recurses without cycle detection, so a cycle surfaces as a stack overflow.
      const hint = error instanceof RangeError && /call stack/i.test(reason) ? ' (is it cyclic?)' : ''
      throw new CacheSerializationError(`msgpack serializer cannot encode the value: ${reason}${hint}`, {
        cause: error,
      })
    }
  },

  decode(bytes: Uint8Array): unknown {
    return getPackr('serializer').unpack(bytes)
  },
}
