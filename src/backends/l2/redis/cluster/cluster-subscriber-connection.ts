import { EventEmitter } from 'node:events'
import { nodeListenerOptions, reconnectDelayMs } from '../client-options.js'
import type { SubscriberClient } from '../pubsub/redis-subscriber.js'
import type { RedisLikeClient, RedisLikeCluster } from '../redis-client.js'

/**
 * The connection a cluster service hears the invalidation bus on. Classic `PUBLISH` in a Redis Cluster
 * reaches every node, primaries and replicas alike, so one connection to any node hears every message.
 * When that node goes away, this connection moves to another node the cluster client knows of (it does
 * not wait for a dead node to come back), and emits `ready` again: the subscriber then subscribes
 * anew and tells its listeners that messages may have been missed.
 *
 * It is a {@link SubscriberClient} for {@link RedisSubscriber}: `status`, `client`, `subscribe` and the
 * `ready` / `messageBuffer` / `error` events of whichever node connection it holds now.
 */
export class ClusterSubscriberConnection implements SubscriberClient {
  readonly #cluster: RedisLikeCluster
  readonly #events = new EventEmitter()
  #current: RedisLikeClient | undefined
  #lastNodeKey: string | undefined
  #attempts = 0
  #timer: NodeJS.Timeout | undefined
  #closed = false

  constructor(cluster: RedisLikeCluster) {
    this.#cluster = cluster
    this.#connect()
  }

  get status(): string {
    return this.#current?.status ?? 'connecting'
  }

  client(subcommand: string, ...args: string[]): Promise<unknown> {
    return this.#require().client(subcommand, ...args)
  }

  subscribe(...channels: string[]): Promise<unknown> {
    return this.#require().subscribe(...channels)
  }

  on(event: string, listener: (...args: unknown[]) => void): this {
    this.#events.on(event, listener)
    return this
  }

  off(event: string, listener: (...args: unknown[]) => void): this {
    this.#events.off(event, listener)
    return this
  }

  /** Closes the node connection and stops moving to others. */
  close(): void {
    this.#closed = true
    clearTimeout(this.#timer)
    const current = this.#current
    this.#current = undefined
    if (current !== undefined) {
      current.on('error', () => {})
      current.disconnect()
    }
  }

  #require(): RedisLikeClient {
    if (this.#current === undefined || this.#current.status !== 'ready') {
      throw new Error('The invalidation connection is not ready')
    }
    return this.#current
  }

  /** Connects to a node the cluster client knows, preferring another one than the node just lost. */
  #connect(): void {
    if (this.#closed) return
    const nodes = this.#cluster.nodes('all')
    const others = nodes.filter((node) => `${node.options.host}:${node.options.port}` !== this.#lastNodeKey)
    const candidates = others.length > 0 ? others : nodes
    const node = candidates[Math.floor(Math.random() * candidates.length)]
    if (node === undefined) {
      // The cluster client has not learned any node yet.
      this.#retryLater()
      return
    }
    this.#lastNodeKey = `${node.options.host}:${node.options.port}`
    // No reconnection of its own: a lost node is replaced by another one.
    const connection = node.duplicate(nodeListenerOptions(null))
    this.#current = connection
    connection.on('ready', () => {
      this.#attempts = 0
      this.#events.emit('ready')
    })
    connection.on('messageBuffer', (channel: unknown, payload: unknown) =>
      this.#events.emit('messageBuffer', channel, payload),
    )
    connection.on('error', (error: unknown) => this.#events.emit('error', error))
    connection.once('end', () => {
      if (this.#current === connection) this.#retryLater()
    })
  }

  #retryLater(): void {
    if (this.#closed || this.#timer !== undefined) return
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined
        this.#connect()
      },
      reconnectDelayMs(this.#attempts++),
    )
    this.#timer.unref()
  }
}
