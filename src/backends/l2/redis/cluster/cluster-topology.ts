import type { L2ChannelListener, L2Subscription, L2TrackingListener } from '../../l2-backend.js'
import { RedisSubscriber } from '../pubsub/redis-subscriber.js'
import type { RedisLikeCluster } from '../redis-client.js'
import type { CorkableSocket, RedisTopology, RedisTopologyContext } from '../topology.js'
import { scanCluster } from './cluster-scan.js'
import { ClusterSubscriberConnection } from './cluster-subscriber-connection.js'
import { ClusterTracking } from './cluster-tracking.js'
import { ClusterWatcher } from './cluster-watcher.js'
import { groupBySlot } from './slots.js'

/**
 * A Redis Cluster (or Valkey cluster) behind an ioredis / iovalkey `Cluster` client, which routes each
 * single-key command to the primary of its slot and follows MOVED / ASK. What it leaves to us:
 *
 * - multi-key commands: UNLINK is sent once per hash slot, so no CROSSSLOT error reaches a caller;
 * - SCAN walks one node: a scan walks every primary in turn ({@link scanCluster});
 * - PING goes to one node: `ping()` asks every primary, so recovery waits for the whole cluster;
 * - a failover: the client learns of the new primary on its own only through MOVED, which a dead node
 *   never sends, so the {@link ClusterWatcher} refreshes the slot map when a node connection is lost,
 *   and reports the new primaries as a reconnection (`onReady`);
 * - the bus: one connection to any node ({@link ClusterSubscriberConnection}); tracking: one per
 *   primary ({@link ClusterTracking}).
 */
export class ClusterTopology implements RedisTopology {
  readonly gatesCommands = true
  readonly #cluster: RedisLikeCluster
  readonly #context: RedisTopologyContext
  readonly #watcher: ClusterWatcher
  #bus: { connection: ClusterSubscriberConnection; subscriber: RedisSubscriber } | undefined
  #tracking: ClusterTracking | undefined

  constructor(cluster: RedisLikeCluster, context: RedisTopologyContext) {
    this.#cluster = cluster
    this.#context = context
    this.#watcher = new ClusterWatcher(cluster)
  }

  async unlink(keys: readonly string[]): Promise<number> {
    const groups = groupBySlot(keys)
    if (groups.length === 1) return this.#cluster.unlink(...(groups[0] as string[]))
    const counts = await Promise.all(groups.map((group) => this.#cluster.unlink(...group)))
    return counts.reduce((sum, count) => sum + count, 0)
  }

  scan(cursor: string, match: string, count: number): Promise<{ cursor: string; keys: string[] }> {
    return scanCluster(this.#cluster, cursor, match, count)
  }

  async ping(): Promise<void> {
    const primaries = this.#cluster.nodes('master')
    try {
      if (primaries.length === 0) await this.#cluster.ping()
      else await Promise.all(primaries.map((primary) => primary.ping()))
    } catch (error) {
      // A primary that does not answer may have been replaced: learn the map again for the next probe.
      this.#watcher.requestRefresh()
      throw error
    }
  }

  *sockets(): Iterable<CorkableSocket> {
    for (const primary of this.#cluster.nodes('master')) {
      const stream = primary.stream
      if (typeof stream?.cork === 'function' && typeof stream.uncork === 'function') {
        yield stream as CorkableSocket
      }
    }
  }

  onReady(listener: () => void): () => void {
    this.#cluster.on('ready', listener)
    const stopWatching = this.#watcher.onPrimariesChanged(listener)
    return () => {
      this.#cluster.off('ready', listener)
      stopWatching()
    }
  }

  subscribe(channel: string, listener: L2ChannelListener): L2Subscription {
    if (this.#bus === undefined) {
      const connection = new ClusterSubscriberConnection(this.#cluster)
      connection.on('error', (error: unknown) => this.#context.logConnectionError(error))
      // Channels only: the cluster stands in for the main connection, which the bus does not use.
      this.#bus = {
        connection,
        subscriber: new RedisSubscriber(this.#cluster, connection, this.#context.logger),
      }
    }
    return this.#bus.subscriber.subscribe(channel, listener)
  }

  track(prefix: string, listener: L2TrackingListener): L2Subscription {
    this.#tracking ??= new ClusterTracking(
      this.#cluster,
      this.#watcher,
      this.#context.logger,
      this.#context.logConnectionError,
    )
    return this.#tracking.track(prefix, listener)
  }

  async close(): Promise<void> {
    this.#watcher.close()
    if (this.#bus !== undefined) {
      await this.#bus.subscriber.close()
      this.#bus.connection.close()
    }
    await this.#tracking?.close()
  }
}
