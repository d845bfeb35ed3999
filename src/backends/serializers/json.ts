import { CacheSerializationError } from '../../kernel/errors.js'
import type { Serializer } from './serializer.js'

// Only for bytes that arrive as a plain Uint8Array; Buffers take the faster Buffer#toString path.
const utf8Decoder = new TextDecoder('utf-8')

/**
 * UTF-8 JSON: portable and readable by any language, but limited to what JSON can express.
 *
 * Follows `JSON.stringify` semantics below the top level: `undefined`, functions and symbols are
 * dropped from objects and become `null` in arrays; a `Date` becomes its ISO string (it is not revived
 * on decode); `Map` and `Set` become `{}`; `toJSON()` methods are called; `NaN`/`Infinity` become `null`.
 * A top-level value that JSON cannot represent (`undefined`, a function, a symbol), a `BigInt` anywhere
 * and a cyclic structure are rejected with a `CacheSerializationError`.
 */
export const jsonSerializer: Serializer = {
  name: 'json',

  encode(value: unknown): Uint8Array {
    let text: string | undefined
    try {
      text = JSON.stringify(value)
    } catch (error) {
      throw new CacheSerializationError(
        `json serializer cannot encode the value: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      )
    }
    // JSON.stringify returns undefined rather than throwing for values it has no text for.
    if (text === undefined) {
      throw new CacheSerializationError(`json serializer cannot encode a value of type ${typeof value}`)
    }
    return Buffer.from(text, 'utf8')
  },

  decode(bytes: Uint8Array): unknown {
    const text = Buffer.isBuffer(bytes) ? bytes.toString('utf8') : utf8Decoder.decode(bytes)
    return JSON.parse(text)
  },
}
