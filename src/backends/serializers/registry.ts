import { CacheConfigurationError } from '../../kernel/errors.js'
import { jsonSerializer } from './json.js'
import { loadMsgpackr, msgpackSerializer } from './msgpack.js'
import { canDecodeV8 } from './runtime-support.js'
import type { Serializer } from './serializer.js'
import { v8Serializer } from './v8.js'

/** Options of {@link registerSerializer}. */
export interface RegisterSerializerOptions {
  /**
   * Replace a serializer already registered under the same name. Built-in serializers (`json`, `v8`,
   * `msgpack`) can never be replaced: entries in L2 name their serializer, and every process must
   * agree on what a name means.
   * @default false
   */
  override?: boolean
}

const SERIALIZER_NAME = /^[A-Za-z0-9._-]{1,64}$/

// Registering msgpack stores the lazy serializer object only; msgpackr itself is loaded on first use.
const builtIns: ReadonlyMap<string, Serializer> = new Map([
  [jsonSerializer.name, jsonSerializer],
  [v8Serializer.name, v8Serializer],
  [msgpackSerializer.name, msgpackSerializer],
])

const serializers = new Map<string, Serializer>(builtIns)

/**
 * True when `name` can name a serializer: 1 to 64 characters of `[A-Za-z0-9._-]`. The name is
 * written into every L2 entry's header, so it is kept short and plain ASCII.
 */
export function isValidSerializerName(name: unknown): name is string {
  return typeof name === 'string' && SERIALIZER_NAME.test(name)
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`
  if (typeof value === 'function') return 'a function'
  if (value === null) return 'null'
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object'
  return String(value)
}

/** Why `serializer` is not a usable serializer object, or undefined when it is. */
function serializerShapeProblem(serializer: unknown): string | undefined {
  if (typeof serializer !== 'object' || serializer === null) {
    return `must be an object with name, encode and decode, got ${describe(serializer)}`
  }
  const candidate = serializer as Partial<Record<keyof Serializer, unknown>>
  if (!isValidSerializerName(candidate.name)) {
    return `name must be 1 to 64 characters of [A-Za-z0-9._-], got ${describe(candidate.name)}`
  }
  if (typeof candidate.encode !== 'function') return `encode of '${candidate.name}' must be a function`
  if (typeof candidate.decode !== 'function') return `decode of '${candidate.name}' must be a function`
  return undefined
}

/**
 * Registers a serializer under `name`, so that caches can select it with `serializer: name`.
 * `serializer.name` must equal `name`, since it is what entries record as their writer.
 *
 * Registering the same object twice is a no-op. A name taken by a different object throws a
 * `CacheConfigurationError` unless `{ override: true }` is passed; built-in names cannot be taken.
 * @throws TypeError when `name` or `serializer` is malformed.
 */
export function registerSerializer(
  name: string,
  serializer: Serializer,
  options: RegisterSerializerOptions = {},
): void {
  if (!isValidSerializerName(name)) {
    throw new TypeError(
      `registerSerializer: name must be 1 to 64 characters of [A-Za-z0-9._-], got ${describe(name)}`,
    )
  }
  const problem = serializerShapeProblem(serializer)
  if (problem !== undefined) throw new TypeError(`registerSerializer: serializer ${problem}`)
  if (serializer.name !== name) {
    throw new TypeError(
      `registerSerializer: serializer.name '${serializer.name}' differs from the name '${name}' it is registered under`,
    )
  }
  const existing = serializers.get(name)
  if (existing === serializer) return
  if (existing !== undefined) {
    if (builtIns.has(name)) {
      throw new CacheConfigurationError(
        'serializer',
        `'${name}' is a built-in serializer and cannot be replaced`,
      )
    }
    if (options.override !== true) {
      throw new CacheConfigurationError(
        'serializer',
        `a different serializer is already registered as '${name}'; pass { override: true } to replace it`,
      )
    }
  }
  serializers.set(name, serializer)
}

/**
 * The serializer registered under `name`. Loads an optional peer the serializer needs (msgpackr for
 * `msgpack`), so that a missing package is reported here.
 * @param field the option being validated, named in errors.
 * @throws CacheConfigurationError naming `field` for an unknown name or a missing optional package.
 */
export function getSerializer(name: string, field = 'serializer'): Serializer {
  const serializer = typeof name === 'string' ? serializers.get(name) : undefined
  if (serializer === undefined) {
    throw new CacheConfigurationError(
      field,
      `unknown serializer ${describe(name)}; registered: ${listSerializers().join(', ')}`,
    )
  }
  if (serializer === msgpackSerializer) loadMsgpackr(field)
  if (serializer === v8Serializer) rejectUndecodableV8(field)
  return serializer
}

/** Every read of a `v8` entry would be a miss on a runtime that cannot decode it: refuse it up front. */
function rejectUndecodableV8(field: string): void {
  if (canDecodeV8()) return
  throw new CacheConfigurationError(
    field,
    "the 'v8' serializer cannot decode on this runtime (Node's structured-clone format is Node-only); use 'json' or 'msgpack'",
  )
}

/** Names of the registered serializers, built-ins first, then in registration order. */
export function listSerializers(): string[] {
  return [...serializers.keys()]
}

/**
 * Turns a configuration value (a registered name or a serializer object) into a serializer. An object
 * need not be registered and is used as is, but it may not reuse the name of a different registered
 * serializer: readers would take its entries for that serializer's.
 * @throws CacheConfigurationError naming `field` for an unknown name, a malformed object, a name clash,
 * a missing optional package, or `v8` on a runtime that cannot decode it (Bun).
 */
export function resolveSerializer(nameOrSerializer: string | Serializer, field: string): Serializer {
  if (typeof nameOrSerializer === 'string') return getSerializer(nameOrSerializer, field)
  const problem = serializerShapeProblem(nameOrSerializer)
  if (problem !== undefined) throw new CacheConfigurationError(field, `serializer ${problem}`)
  const registered = serializers.get(nameOrSerializer.name)
  if (registered !== undefined && registered !== nameOrSerializer) {
    throw new CacheConfigurationError(
      field,
      `a different serializer is registered as '${nameOrSerializer.name}'; give this one another name`,
    )
  }
  if (nameOrSerializer === msgpackSerializer) loadMsgpackr(field)
  if (nameOrSerializer === v8Serializer) rejectUndecodableV8(field)
  return nameOrSerializer
}
