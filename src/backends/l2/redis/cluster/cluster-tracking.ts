import type { Logger } from '../../../../kernel/logger.js'
import type { L2Subscription, L2TrackingListener } from '../../l2-backend.js'
import { nodeListenerOptions, reconnectDelayMs } from '../client-options.js'
import { RedisSubscriber } from '../pubsub/redis-subscriber.js'
import type { RedisLikeClient, RedisLikeCluster, RedisLikeNode } from '../redis-client.js'
import { closeClient } from '../topology.js'
import type { ClusterWatcher } from './cluster-watcher.js'

/** Tracking of one primary: the cluster client's connection to it, and our own for its reports. */
interface PrimaryTracking {
  connection: RedisLikeClient
  subscriber: RedisSubscriber
}

/**
 * Server-assisted tracking across a Redis Cluster. Tracking is per node in Redis: a primary reports
 * changes of its own keys to a connection of its own. So for every primary, the cluster client's
 * connection to it (the one our writes go through, so that `NOLOOP` leaves them out) gets
 * `CLIENT TRACKING ON REDIRECT <id> BCAST PREFIX ... NOLOOP`, and a connection of ours to the same
 * node, subscribed to `__redis__:invalidate`, receives the reports (one {@link RedisSubscriber} each).
 *
 * When the primaries change (a failover promoted a replica, the client replaced a lost connection, a
 * primary was added), the new ones are tracked, the old ones dropped, and once a new primary's tracking
 * is in place the listeners hear `resubscribed()`: changes made there before may have been missed.
 */
export class ClusterTracking {
  readonly #cluster: RedisLikeCluster
  readonly #logger: Logger
  readonly #logConnectionError: (error: unknown) => void
  readonly #prefixes = new Map<string, Set<L2TrackingListener>>()
  readonly #primaries = new Map<RedisLikeNode, PrimaryTracking>()
  readonly #stopWatching: () => void
  /** Whether primaries were tracked before: a primary tracked later replaces or joins them. */
  #started = false
  #closed = false

  constructor(
    cluster: RedisLikeCluster,
    watcher: ClusterWatcher,
    logger: Logger,
    logConnectionError: (error: unknown) => void,
  ) {
    this.#cluster = cluster
    this.#logger = logger
    this.#logConnectionError = logConnectionError
    this.#stopWatching = watcher.onNodesChanged(() => this.#reconcile())
  }

  track(prefix: string, listener: L2TrackingListener): L2Subscription {
    let listeners = this.#prefixes.get(prefix)
    if (listeners === undefined) {
      listeners = new Set()
      this.#prefixes.set(prefix, listeners)
      for (const tracking of this.#primaries.values()) this.#trackPrefix(tracking.subscriber, prefix)
    }
    listeners.add(listener)
    this.#reconcile()
    return {
      close: async () => {
        listeners.delete(listener)
      },
    }
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#stopWatching()
    const primaries = [...this.#primaries.values()]
    this.#primaries.clear()
    await Promise.all(primaries.map((tracking) => this.#drop(tracking)))
  }

  /** Tracks the primaries the client holds now, and only them. */
  #reconcile(): void {
    if (this.#closed || this.#prefixes.size === 0) return
    const primaries = this.#cluster.nodes('master')
    for (const [node, tracking] of this.#primaries) {
      if (!primaries.includes(node)) {
        this.#primaries.delete(node)
        void this.#drop(tracking)
      }
    }
    // Until the client has the slot map, its "primaries" are the seed nodes, replicas included.
    if (this.#cluster.status !== 'ready' || primaries.length === 0) return
    for (const node of primaries) {
      if (!this.#primaries.has(node)) this.#primaries.set(node, this.#trackPrimary(node, this.#started))
    }
    this.#started = true
  }

  #trackPrimary(node: RedisLikeNode, replacesLost: boolean): PrimaryTracking {
    // Reconnects to this very node until the primary is dropped from the map.
    const connection = node.duplicate(nodeListenerOptions(reconnectDelayMs))
    connection.on('error', this.#logConnectionError)
    const subscriber = new RedisSubscriber(node, connection, this.#logger, {
      announceFirstTracking: replacesLost,
    })
    for (const prefix of this.#prefixes.keys()) this.#trackPrefix(subscriber, prefix)
    // The client connects to a node only when a command needs it; tracking needs it now, or changes
    // made there by others would go unreported until our next command to it.
    if (node.status === 'wait') node.connect().catch(() => undefined)
    return { connection, subscriber }
  }

  /** Relays one primary's reports for `prefix` to the listeners of the prefix. */
  #trackPrefix(subscriber: RedisSubscriber, prefix: string): void {
    subscriber.track(prefix, {
      invalidated: (keys) => {
        for (const listener of this.#prefixes.get(prefix) ?? []) listener.invalidated(keys)
      },
      resubscribed: () => {
        for (const listener of this.#prefixes.get(prefix) ?? []) listener.resubscribed()
      },
      failed: (error) => {
        for (const listener of this.#prefixes.get(prefix) ?? []) listener.failed?.(error)
      },
      established: () => {
        for (const listener of this.#prefixes.get(prefix) ?? []) listener.established?.()
      },
    })
  }

  async #drop(tracking: PrimaryTracking): Promise<void> {
    await tracking.subscriber.close()
    await closeClient(tracking.connection)
  }
}
