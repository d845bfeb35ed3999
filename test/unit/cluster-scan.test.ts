import { describe, expect, it } from 'vitest'
import { scanCluster } from '../../src/backends/l2/redis/cluster/cluster-scan.js'
import { HASH_SLOTS } from '../../src/backends/l2/redis/cluster/slots.js'
import type { RedisLikeCluster, RedisLikeNode } from '../../src/backends/l2/redis/redis-client.js'

/** A primary whose SCAN pages through `keys` two at a time, recording the cursors it was given. */
function fakeNode(port: number, keys: string[]) {
  const cursors: string[] = []
  const node = {
    options: { host: '10.0.0.1', port },
    async scan(cursor: string) {
      cursors.push(cursor)
      const start = Number(cursor)
      const next = start + 2 >= keys.length ? '0' : String(start + 2)
      return [next, keys.slice(start, start + 2)]
    },
  }
  return { node: node as unknown as RedisLikeNode, cursors }
}

/** A cluster client whose slot map gives `ranges[i]` to `nodes[i]`. */
function fakeCluster(entries: Array<{ node: RedisLikeNode; ranges: Array<[number, number]> }>) {
  const slots: Array<string[] | undefined> = new Array(HASH_SLOTS)
  const cluster = {
    slots,
    nodes: () => entries.map((entry) => entry.node),
    assign(node: RedisLikeNode, ranges: Array<[number, number]>) {
      for (const [from, to] of ranges)
        for (let slot = from; slot <= to; slot++) slots[slot] = [`10.0.0.1:${node.options.port}`]
    },
  }
  for (const entry of entries) cluster.assign(entry.node, entry.ranges)
  return cluster as unknown as RedisLikeCluster & { assign: typeof cluster.assign }
}

async function scanAll(cluster: RedisLikeCluster): Promise<{ keys: string[]; cursors: string[] }> {
  const keys: string[] = []
  const cursors: string[] = []
  let cursor = '0'
  do {
    const page = await scanCluster(cluster, cursor, '*', 10)
    keys.push(...page.keys)
    cursor = page.cursor
    cursors.push(cursor)
  } while (cursor !== '0')
  return { keys, cursors }
}

describe('scanCluster', () => {
  it('walks every primary once, in slot order, each to the end of its own cursor', async () => {
    const a = fakeNode(7000, ['a1', 'a2', 'a3'])
    const b = fakeNode(7001, ['b1'])
    const c = fakeNode(7002, ['c1', 'c2'])
    // The map's order (by lowest slot) is b, c, a: unlike the node list's.
    const cluster = fakeCluster([
      { node: a.node, ranges: [[10_000, 16_383]] },
      { node: b.node, ranges: [[0, 4999]] },
      { node: c.node, ranges: [[5000, 9999]] },
    ])
    const { keys, cursors } = await scanAll(cluster)
    expect(keys).toEqual(['b1', 'c1', 'c2', 'a1', 'a2', 'a3'])
    expect(a.cursors).toEqual(['0', '2'])
    expect(b.cursors).toEqual(['0'])
    expect(cursors.at(-1)).toBe('0')
    expect(cursors.slice(0, -1).every((cursor) => cursor !== '0')).toBe(true)
  })

  it('names a primary that serves several ranges once', async () => {
    const a = fakeNode(7000, ['a1'])
    const b = fakeNode(7001, ['b1'])
    const cluster = fakeCluster([
      {
        node: a.node,
        ranges: [
          [0, 99],
          [200, 16_383],
        ],
      },
      { node: b.node, ranges: [[100, 199]] },
    ])
    expect((await scanAll(cluster)).keys).toEqual(['a1', 'b1'])
  })

  it('starts a primary over when another node took over its slots mid-scan (a failover)', async () => {
    const a = fakeNode(7000, ['a1', 'a2', 'a3', 'a4'])
    const b = fakeNode(7001, ['b1'])
    const heir = fakeNode(7002, ['a1', 'a2', 'a3', 'a4'])
    const cluster = fakeCluster([
      { node: a.node, ranges: [[0, 8191]] },
      { node: b.node, ranges: [[8192, 16_383]] },
    ])
    const first = await scanCluster(cluster, '0', '*', 10)
    expect(first.keys).toEqual(['a1', 'a2'])
    // The replica on 7002 is promoted: the map and the node list change.
    cluster.assign(heir.node, [[0, 8191]])
    ;(cluster as unknown as { nodes: () => RedisLikeNode[] }).nodes = () => [heir.node, b.node]
    const keys = [...first.keys]
    let cursor = first.cursor
    do {
      const page = await scanCluster(cluster, cursor, '*', 10)
      keys.push(...page.keys)
      cursor = page.cursor
    } while (cursor !== '0')
    // Every key at least once; the heir's walk began at its own start, not at 7000's cursor.
    expect(new Set(keys)).toEqual(new Set(['a1', 'a2', 'a3', 'a4', 'b1']))
    expect(heir.cursors[0]).toBe('0')
  })

  it('rejects when the primary of the map is not connected, and for a cursor it did not make', async () => {
    const a = fakeNode(7000, ['a1'])
    const cluster = fakeCluster([{ node: a.node, ranges: [[0, 16_383]] }])
    ;(cluster as unknown as { nodes: () => RedisLikeNode[] }).nodes = () => []
    await expect(scanCluster(cluster, '0', '*', 10)).rejects.toThrow(/not connected/)
    await expect(scanCluster(cluster, '17', '*', 10)).rejects.toThrow(TypeError)
    await expect(scanCluster(cluster, '99999|10.0.0.1:7000|0', '*', 10)).rejects.toThrow(TypeError)
  })

  it('rejects while the client knows no primary', async () => {
    await expect(scanCluster(fakeCluster([]), '0', '*', 10)).rejects.toThrow(/no primary/)
  })
})
