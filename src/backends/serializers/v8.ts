import { DefaultDeserializer, serialize } from 'node:v8'
import { CacheSerializationError } from '../../kernel/errors.js'
import { rejectUnencodableTopLevel } from './reject-unencodable.js'
import type { Serializer } from './serializer.js'

type HostObjectReader = (this: DefaultDeserializer) => ArrayBufferView
type ViewConstructor = new (buffer: ArrayBufferLike) => ArrayBufferView

// Node's reader of typed arrays, Buffers and DataViews; documented as overridable, absent from @types/node.
const readSharedView = (DefaultDeserializer.prototype as unknown as { _readHostObject: HostObjectReader })
  ._readHostObject

/**
 * `v8.deserialize` returns typed arrays and Buffers as views on its input when they are aligned. The
 * input is a slice of an L2 reply, and the decoded value may live in L1 for long: a view would pin the
 * reply and change if the caller reused its bytes. Copying only these views, rather than the whole
 * input up front, keeps values without binary data free of any copy (a whole-input copy cost ~25% of
 * decoding a small object).
 */
class OwningDeserializer extends DefaultDeserializer {
  _readHostObject(): ArrayBufferView {
    const view = readSharedView.call(this)
    const owned = view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength)
    return Buffer.isBuffer(view) ? Buffer.from(owned) : new (view.constructor as ViewConstructor)(owned)
  }
}

/**
 * Node's structured-clone format (`node:v8` serialization), the default serializer: keeps `Date`,
 * `Map`, `Set`, `BigInt`, `RegExp`, typed arrays, `Buffer`s, `undefined` inside objects and arrays,
 * and cyclic or shared references. Class instances come back as plain objects (own enumerable
 * properties, no prototype). Only Node.js can read it, and a future Node.js may write a newer format
 * version that older ones cannot read (they fail to decode it, which the cache treats as a miss).
 *
 * Functions and symbols, at any depth, and a top-level `undefined` are rejected with a
 * `CacheSerializationError`. Decoded typed arrays and Buffers own their memory: they never share the
 * bytes passed to `decode`.
 */
export const v8Serializer: Serializer = {
  name: 'v8',

  encode(value: unknown): Uint8Array {
    rejectUnencodableTopLevel(value, 'v8')
    try {
      return serialize(value)
    } catch (error) {
      throw new CacheSerializationError(
        `v8 serializer cannot encode the value: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      )
    }
  },

  decode(bytes: Uint8Array): unknown {
    const deserializer = new OwningDeserializer(bytes)
    deserializer.readHeader()
    return deserializer.readValue()
  },
}
