/**
 * Turns values into bytes for L2 and back. `name` is stored in every L2 entry's header, so a reader
 * can tell which serializer wrote an entry and refuse one it cannot read.
 */
export interface Serializer {
  /** Registered name: 1 to 64 characters of `[A-Za-z0-9._-]`. */
  readonly name: string
  /** Encodes a value; throws when the value cannot be represented. */
  encode(value: unknown): Uint8Array
  /** Decodes bytes written by `encode`; throws on bytes it cannot read. */
  decode(bytes: Uint8Array): unknown
}
