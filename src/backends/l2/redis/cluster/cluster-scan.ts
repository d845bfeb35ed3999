/*
 * SCAN over a Redis Cluster: SCAN only walks the node it is sent to, so a scan of the cluster walks
 * each primary in turn (never a replica, whose keys are its primary's). The cursor the backend hands
 * out is its own, `<slot>|<host:port>|<node cursor>`: the primary being walked, named by its lowest slot
 * (which survives a failover) and by its address (which does not), and that node's own cursor.
 */
import { CacheConnectionError } from '../../../../kernel/errors.js'
import type { RedisLikeCluster, RedisLikeNode } from '../redis-client.js'
import { HASH_SLOTS } from './slots.js'

/** One primary of the slot map, named by the lowest slot it serves. */
interface Shard {
  firstSlot: number
  nodeKey: string
}

const SEPARATOR = '|'

/** `host:port`, as the cluster client names its nodes in the slot map. */
export function nodeKeyOf(node: RedisLikeNode): string {
  return `${node.options.host}:${node.options.port}`
}

/**
 * One step of a scan over every primary of the cluster; cursor `'0'` starts and ends it.
 *
 * A key is returned at least once if it stays on one primary for the whole scan. When the primary being
 * walked changes under the scan (a failover), that primary is walked again from its start: keys may
 * come twice, which the L2 contract allows. A key that slot migration moves, while the scan runs, from a
 * primary not yet walked to one already walked can be missed; Redis offers nothing better.
 */
export async function scanCluster(
  cluster: RedisLikeCluster,
  cursor: string,
  match: string,
  count: number,
): Promise<{ cursor: string; keys: string[] }> {
  const shards = shardsOf(cluster)
  if (shards.length === 0) throw new CacheConnectionError('The cluster client knows no primary yet')
  let index = 0
  let nodeCursor = '0'
  if (cursor !== '0') {
    const position = parseCursor(cursor)
    const owner = cluster.slots[position.slot]?.[0]
    index = shards.findIndex((shard) => shard.nodeKey === owner)
    if (index === -1) throw new CacheConnectionError(`No primary serves slot ${position.slot}`)
    // Another node's cursor means nothing here: walk the new primary from its start.
    nodeCursor = owner === position.nodeKey ? position.nodeCursor : '0'
  }
  const shard = shards[index] as Shard
  const node = cluster.nodes('master').find((candidate) => nodeKeyOf(candidate) === shard.nodeKey)
  if (node === undefined) throw new CacheConnectionError(`Cluster primary ${shard.nodeKey} is not connected`)
  const [next, keys] = await node.scan(nodeCursor, 'MATCH', match, 'COUNT', count)
  if (next !== '0') return { cursor: encodeCursor(shard, next), keys }
  const following = shards[index + 1]
  return { cursor: following === undefined ? '0' : encodeCursor(following, '0'), keys }
}

/** The primaries of the client's slot map, in the order of the lowest slot each serves. */
function shardsOf(cluster: RedisLikeCluster): Shard[] {
  const seen = new Set<string>()
  const shards: Shard[] = []
  for (let slot = 0; slot < HASH_SLOTS; slot++) {
    const nodeKey = cluster.slots[slot]?.[0]
    if (nodeKey === undefined || seen.has(nodeKey)) continue
    seen.add(nodeKey)
    shards.push({ firstSlot: slot, nodeKey })
  }
  return shards
}

function encodeCursor(shard: Shard, nodeCursor: string): string {
  return [shard.firstSlot, shard.nodeKey, nodeCursor].join(SEPARATOR)
}

function parseCursor(cursor: string): { slot: number; nodeKey: string; nodeCursor: string } {
  const [slot, nodeKey, nodeCursor, ...rest] = cursor.split(SEPARATOR)
  const slotNumber = Number(slot)
  if (
    rest.length > 0 ||
    nodeKey === undefined ||
    nodeCursor === undefined ||
    !/^\d+$/.test(nodeCursor) ||
    !Number.isInteger(slotNumber) ||
    slotNumber < 0 ||
    slotNumber >= HASH_SLOTS
  ) {
    throw new TypeError(`Not a cursor of this backend: '${cursor}'`)
  }
  return { slot: slotNumber, nodeKey, nodeCursor }
}
