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
