/**
 * The part of the ioredis / iovalkey client API that the Redis backend uses. Both libraries share it
 * (iovalkey is a fork of ioredis), so one adapter serves both without importing either's types.
 */
export interface RedisLikeClient {
  readonly status: string
  getBuffer(key: string): Promise<Buffer | null>
  getrangeBuffer(key: string, start: number, end: number): Promise<Buffer>
  set(key: string, value: Uint8Array, px: 'PX', ttlMs: number): Promise<unknown>
  set(key: string, value: Uint8Array, px: 'PX', ttlMs: number, nx: 'NX'): Promise<unknown>
  unlink(...keys: string[]): Promise<number>
  exists(key: string): Promise<number>
  pttl(key: string): Promise<number>
  scan(
    cursor: string,
    match: 'MATCH',
    pattern: string,
    count: 'COUNT',
    n: number,
  ): Promise<[string, string[]]>
  ping(): Promise<string>
  publish(channel: string, message: string): Promise<number>
  eval(script: string, numKeys: number, ...args: Array<string | Buffer>): Promise<unknown>
  subscribe(...channels: string[]): Promise<unknown>
  client(subcommand: string, ...args: string[]): Promise<unknown>
  /** A new client with the same connection options, plus `overrides`. */
  duplicate(overrides?: Record<string, unknown>): RedisLikeClient
  connect(): Promise<void>
  quit(): Promise<unknown>
  disconnect(): void
  on(event: string, listener: (...args: unknown[]) => void): unknown
  once(event: string, listener: (...args: unknown[]) => void): unknown
  off(event: string, listener: (...args: unknown[]) => void): unknown
}

/** The client class exported by ioredis and iovalkey. */
export type RedisLikeClientClass = new (
  urlOrOptions: string | Record<string, unknown>,
  options?: Record<string, unknown>,
) => RedisLikeClient

/** Whether a value looks like an ioredis/iovalkey client (what `l2Client` must be). */
export function isRedisLikeClient(value: unknown): value is RedisLikeClient {
  if (typeof value !== 'object' || value === null) return false
  const client = value as Record<string, unknown>
  return (
    typeof client.status === 'string' &&
    typeof client.getBuffer === 'function' &&
    typeof client.set === 'function' &&
    typeof client.on === 'function'
  )
}

/** A connection to one node of a cluster, as the cluster client keeps it. */
export interface RedisLikeNode extends RedisLikeClient {
  readonly options: { readonly host: string; readonly port: number }
  /** The socket, while connected; corked to batch a tick's writes. */
  readonly stream?: { cork?: () => void; uncork?: () => void }
}

/** The part of the ioredis / iovalkey `Cluster` API that the cluster backend uses, besides the commands. */
export interface RedisLikeCluster extends RedisLikeClient {
  readonly isCluster: true
  /**
   * The client's map of slots: `slots[slot]` lists the `host:port` of the node serving it first, then
   * its replicas. Public on both clients.
   */
  readonly slots: ReadonlyArray<readonly string[] | undefined>
  /** The node connections the client holds now. */
  nodes(role?: 'all' | 'master' | 'slave'): RedisLikeNode[]
  /** Asks a node for the slot map again (CLUSTER SLOTS); concurrent calls share one request. */
  refreshSlotsCache(callback?: (error?: Error | null) => void): void
}

/** The `Cluster` class exported by ioredis and iovalkey. */
export type RedisLikeClusterClass = new (
  startupNodes: Array<{ host: string; port: number }>,
  options: Record<string, unknown>,
) => RedisLikeCluster

/** Whether a client is a cluster client. */
export function isRedisLikeCluster(client: RedisLikeClient): client is RedisLikeCluster {
  return (
    (client as { isCluster?: unknown }).isCluster === true &&
    typeof (client as { nodes?: unknown }).nodes === 'function'
  )
}
