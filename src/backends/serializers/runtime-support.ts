import { DefaultDeserializer, serialize } from 'node:v8'
import type { Logger } from '../../kernel/logger.js'

let v8Decodable: boolean | undefined

/**
 * Whether this runtime can read Node's structured-clone format: Node.js can; Bun cannot (its
 * `node:v8` has no `Deserializer`, and its `v8.serialize` writes another engine's format). Probed once.
 */
export function canDecodeV8(): boolean {
  if (v8Decodable === undefined) {
    try {
      const deserializer = new DefaultDeserializer(serialize(1))
      deserializer.readHeader()
      v8Decodable = deserializer.readValue() === 1
    } catch {
      v8Decodable = false
    }
  }
  return v8Decodable
}

/** The default serializer of this runtime: `v8` where it can be decoded (Node.js), else `json` (Bun). */
export function defaultSerializerName(): 'v8' | 'json' {
  return canDecodeV8() ? 'v8' : 'json'
}

/**
 * Says, at warn, that the default serializer is `json` here because this runtime cannot decode `v8`:
 * entries written by Node.js instances with their default (`v8`) are misses here, so a fleet that mixes
 * runtimes should set one serializer (`json` or `msgpack`) everywhere. Silent where `v8` works.
 */
export function warnOfRuntimeDefaultSerializer(logger: Logger): void {
  if (canDecodeV8()) return
  logger.warn(
    { serializer: 'json' },
    "This runtime cannot decode the 'v8' serializer's entries, so the default serializer is 'json'; set `serializer` explicitly (the same on every instance) to silence this",
  )
}
