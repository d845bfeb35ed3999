/**
 * Redis Cluster hash slots: a key lives in slot `CRC16(key) mod 16384` (CRC16-XMODEM), or, when the key
 * has a non-empty hash tag (the text between its first `{` and the next `}`), in the slot of the tag.
 * A multi-key command is refused (`CROSSSLOT`) unless all its keys share one slot, even on one node,
 * so the cluster backend groups keys with {@link groupBySlot} first.
 */

/** Slots in a Redis Cluster. */
export const HASH_SLOTS = 16_384

const CRC16_TABLE = (() => {
  const table = new Uint16Array(256)
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
    table[byte] = crc
  }
  return table
})()

const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d

/** The hash slot of `key` (its UTF-8 bytes, as Redis sees them). */
export function hashSlot(key: string): number {
  const bytes = Buffer.from(key)
  let start = 0
  let end = bytes.length
  const open = bytes.indexOf(OPEN_BRACE)
  if (open !== -1) {
    const close = bytes.indexOf(CLOSE_BRACE, open + 1)
    // `{}` is no tag: the whole key is hashed.
    if (close > open + 1) {
      start = open + 1
      end = close
    }
  }
  let crc = 0
  for (let index = start; index < end; index++) {
    crc = ((crc << 8) & 0xffff) ^ (CRC16_TABLE[((crc >> 8) ^ (bytes[index] as number)) & 0xff] as number)
  }
  return crc % HASH_SLOTS
}

/** `keys` grouped by hash slot, each group in the order given; the groups in order of first appearance. */
export function groupBySlot(keys: readonly string[]): string[][] {
  const groups = new Map<number, string[]>()
  for (const key of keys) {
    const slot = hashSlot(key)
    const group = groups.get(slot)
    if (group === undefined) groups.set(slot, [key])
    else group.push(key)
  }
  return [...groups.values()]
}
