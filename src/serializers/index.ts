export {
  createEntryCodec,
  type DecodedEntry,
  ENTRY_HEADER_FIXED_BYTES,
  type EntryCodec,
  type EntryCodecOptions,
  EntryDecodeError,
  type EntryDecodeFailure,
} from './entry-codec.js'
export { jsonSerializer } from './json.js'
export { msgpackSerializer } from './msgpack.js'
export {
  getSerializer,
  listSerializers,
  type RegisterSerializerOptions,
  registerSerializer,
  resolveSerializer,
} from './registry.js'
export type { Serializer } from './serializer.js'
export { v8Serializer } from './v8.js'
