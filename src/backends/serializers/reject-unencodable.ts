import { CacheSerializationError } from '../../kernel/errors.js'

/**
 * Throws for a top-level value no cache entry may hold: `undefined` (reading it back would mean
 * "miss"), a function or a symbol. v8 and msgpackr would otherwise encode some of these silently.
 */
export function rejectUnencodableTopLevel(value: unknown, serializerName: string): void {
  const type = typeof value
  if (type === 'undefined' || type === 'function' || type === 'symbol') {
    throw new CacheSerializationError(`${serializerName} serializer cannot encode a value of type ${type}`)
  }
}
