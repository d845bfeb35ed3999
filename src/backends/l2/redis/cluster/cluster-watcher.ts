import type { RedisLikeCluster } from '../redis-client.js'
import { nodeKeyOf } from './cluster-scan.js'

/**
 * Least time between two slot-map refreshes this watcher asks for. While a primary is down and not yet
 * replaced, every attempt to reach it loses a node connection, and each loss asks for a refresh: this
 * keeps that to a few CLUSTER SLOTS a second.
 */
const REFRESH_INTERVAL_MS = 500

/**
 * Watches the topology a cluster client knows. It asks for a new slot map when a node connection is
 * lost (the client itself would wait for a MOVED that a dead node never sends), reports when the set of
 * primaries changes (a failover completed: the part of the cluster that was down answers again), and
 * tells listeners of every change of node connections (for per-primary tracking).
 */
export class ClusterWatcher {
  readonly #cluster: RedisLikeCluster
  readonly #primariesChanged = new Set<() => void>()
  readonly #nodesChanged = new Set<() => void>()
  readonly #detach: () => void
  /** The primaries last seen, as sorted `host:port` keys. */
  #primaries: string | undefined
  #lastRefreshAt = Number.NEGATIVE_INFINITY
  #refreshTimer: NodeJS.Timeout | undefined
  #closed = false

  constructor(cluster: RedisLikeCluster) {
    this.#cluster = cluster
    const onRefresh = () => this.#onTopology(true)
    const onReady = () => this.#onTopology(false)
    const onNodeAdded = () => this.#notify(this.#nodesChanged)
    const onNodeLost = () => {
      this.#notify(this.#nodesChanged)
      this.requestRefresh()
    }
    cluster.on('refresh', onRefresh)
    cluster.on('ready', onReady)
    cluster.on('+node', onNodeAdded)
    cluster.on('-node', onNodeLost)
    if (cluster.status === 'ready') this.#primaries = this.#currentPrimaries()
    this.#detach = () => {
      cluster.off('refresh', onRefresh)
      cluster.off('ready', onReady)
      cluster.off('+node', onNodeAdded)
      cluster.off('-node', onNodeLost)
    }
  }

  /** Calls `listener` when the set of primaries changed while the client was ready; returns the undo. */
  onPrimariesChanged(listener: () => void): () => void {
    this.#primariesChanged.add(listener)
    return () => this.#primariesChanged.delete(listener)
  }

  /** Calls `listener` after any change of node connections or of the slot map; returns the undo. */
  onNodesChanged(listener: () => void): () => void {
    this.#nodesChanged.add(listener)
    return () => this.#nodesChanged.delete(listener)
  }

  /** Asks the client for a new slot map, at most every {@link REFRESH_INTERVAL_MS}. */
  requestRefresh(): void {
    if (this.#refreshTimer !== undefined || this.#closed) return
    const waitMs = Math.max(0, this.#lastRefreshAt + REFRESH_INTERVAL_MS - performance.now())
    this.#refreshTimer = setTimeout(() => {
      this.#refreshTimer = undefined
      this.#lastRefreshAt = performance.now()
      // While the client (re)connects it fetches the map itself.
      if (this.#cluster.status === 'ready' && !this.#closed) this.#cluster.refreshSlotsCache()
    }, waitMs)
    this.#refreshTimer.unref()
  }

  close(): void {
    this.#closed = true
    clearTimeout(this.#refreshTimer)
    this.#refreshTimer = undefined
    this.#detach()
    this.#primariesChanged.clear()
    this.#nodesChanged.clear()
  }

  #onTopology(isRefresh: boolean): void {
    const primaries = this.#currentPrimaries()
    const changed = this.#primaries !== undefined && primaries !== this.#primaries
    this.#primaries = primaries
    // The client's own 'ready' already reports a reconnection; a refresh reports a failover.
    if (isRefresh && changed && this.#cluster.status === 'ready') this.#notify(this.#primariesChanged)
    this.#notify(this.#nodesChanged)
  }

  #currentPrimaries(): string {
    return this.#cluster
      .nodes('master')
      .map((node) => nodeKeyOf(node))
      .sort()
      .join(',')
  }

  #notify(listeners: Set<() => void>): void {
    for (const listener of listeners) listener()
  }
}
