import type { Logger } from '../../../kernel/logger.js'
import type { L2ChannelListener, L2Subscription, L2TrackingListener } from '../l2-backend.js'
import { RedisSubscriber } from './pubsub/redis-subscriber.js'
import type { RedisLikeClient } from './redis-client.js'
import { reviveWhenEnded } from './revive-ended-client.js'

/** A socket whose writes can be held back until the end of the tick. */
export interface CorkableSocket {
  cork(): void
  uncork(): void
}

/** What a topology is given by the backend. */
export interface RedisTopologyContext {
  logger: Logger
  /** Logs a connection error, rate-limited with the backend's own. */
  logConnectionError(error: unknown): void
}

/**
 * What differs between a single server (standalone, or the primary Sentinel names) and a Redis
 * Cluster, behind the commands both clients send the same way (GET, SET, EXISTS, PTTL, EVAL and
 * PUBLISH are routed by the client itself).
 */
export interface RedisTopology {
  /**
   * Whether the backend must reject commands itself while the client is not ready, because the
   * client would queue them (a cluster client: see its options).
   */
  readonly gatesCommands: boolean
  /** UNLINKs `keys` (at least one) in as many commands as the deployment needs; how many existed. */
  unlink(keys: readonly string[]): Promise<number>
  /** One step of a scan over every key of the deployment; cursor `'0'` starts and ends it. */
  scan(cursor: string, match: string, count: number): Promise<{ cursor: string; keys: string[] }>
  /** Resolves when every server that holds data answered. */
  ping(): Promise<void>
  /** The sockets this tick's commands may leave on, corked together to batch their writes. */
  sockets(): Iterable<CorkableSocket>
  /** Calls `listener` each time the deployment becomes able to answer again; returns the undo. */
  onReady(listener: () => void): () => void
  subscribe(channel: string, listener: L2ChannelListener): L2Subscription
  track(prefix: string, listener: L2TrackingListener): L2Subscription
  /** Closes the connections the topology opened itself (never the client it was given). */
  close(): Promise<void>
}

/** Longest wait for QUIT before the socket is dropped on close. */
const QUIT_TIMEOUT_MS = 1000

const ignoreError = (): void => {}

/** QUITs a client we created (bounded), then drops its socket and any reconnection timer. */
export async function closeClient(client: Pick<RedisLikeClient, 'status' | 'quit' | 'on' | 'disconnect'>) {
  if (client.status === 'ready') {
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, QUIT_TIMEOUT_MS)
    })
    await Promise.race([client.quit().catch(() => undefined), timedOut])
    clearTimeout(timer)
  }
  // Commands of a connection still being made fail as it closes; ioredis reports that as an 'error'
  // event, which must not reach the console as "unhandled" once we have let the client go.
  client.on('error', ignoreError)
  // disconnect() also stops a pending reconnection timer; it is a no-op on an ended client.
  client.disconnect()
}

/**
 * One server: a standalone Redis, or the primary a Sentinel-aware client connects to (it finds the
 * new primary by itself after a failover, and reports that as a reconnection).
 */
export class StandaloneTopology implements RedisTopology {
  /** The client rejects commands while disconnected by itself (`enableOfflineQueue: false`). */
  readonly gatesCommands = false
  readonly #client: RedisLikeClient
  readonly #context: RedisTopologyContext
  /** The connection for invalidations, opened by the first `subscribe` or `track`. */
  #subscriber: { client: RedisLikeClient; subscriber: RedisSubscriber; stopReviving: () => void } | undefined
  #closed = false

  constructor(client: RedisLikeClient, context: RedisTopologyContext) {
    this.#client = client
    this.#context = context
  }

  unlink(keys: readonly string[]): Promise<number> {
    return this.#client.unlink(...keys)
  }

  async scan(cursor: string, match: string, count: number): Promise<{ cursor: string; keys: string[] }> {
    const [next, keys] = await this.#client.scan(cursor, 'MATCH', match, 'COUNT', count)
    return { cursor: next, keys }
  }

  async ping(): Promise<void> {
    await this.#client.ping()
  }

  *sockets(): Iterable<CorkableSocket> {
    const stream = (this.#client as { stream?: Partial<CorkableSocket> }).stream
    if (typeof stream?.cork === 'function' && typeof stream.uncork === 'function') {
      yield stream as CorkableSocket
    }
  }

  onReady(listener: () => void): () => void {
    this.#client.on('ready', listener)
    return () => this.#client.off('ready', listener)
  }

  subscribe(channel: string, listener: L2ChannelListener): L2Subscription {
    return this.#getSubscriber().subscribe(channel, listener)
  }

  track(prefix: string, listener: L2TrackingListener): L2Subscription {
    return this.#getSubscriber().track(prefix, listener)
  }

  #getSubscriber(): RedisSubscriber {
    if (this.#subscriber === undefined) {
      // RESP2 (ioredis 6 speaks RESP3 by default and drops the tracking pushes RESP3 would bring), and
      // no automatic resubscription: RedisSubscriber puts subscriptions back itself, then resyncs.
      const client = this.#client.duplicate({ protocol: 2, autoResubscribe: false, lazyConnect: false })
      client.on('error', (error: unknown) => this.#context.logConnectionError(error))
      this.#subscriber = {
        client,
        subscriber: new RedisSubscriber(this.#client, client, this.#context.logger),
        stopReviving: reviveWhenEnded(client, () => this.#closed),
      }
    }
    return this.#subscriber.subscriber
  }

  async close(): Promise<void> {
    this.#closed = true
    if (this.#subscriber === undefined) return
    // The subscriber connection is always ours, also around a passed-in client.
    this.#subscriber.stopReviving()
    await this.#subscriber.subscriber.close()
    await closeClient(this.#subscriber.client)
  }
}
