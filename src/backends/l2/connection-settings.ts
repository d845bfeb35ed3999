/**
 * How the L2 servers are deployed:
 * - `standalone`: one server (or a proxy in front of several), at `l2Url` or `l2Host`/`l2Port`;
 * - `cluster`: Redis Cluster / Valkey cluster, found from the seed nodes `l2ClusterNodes`;
 * - `sentinel`: a primary watched by Sentinel, found by asking `l2Sentinels` for `l2SentinelName`.
 */
export type L2Mode = 'standalone' | 'cluster' | 'sentinel'

/** A server address: a cluster seed node or a Sentinel. */
export interface L2NodeAddress {
  host: string
  /** 1 to 65535. */
  port: number
}

/**
 * What an L2 backend factory is told about where and how to connect: the service's validated
 * connection options, durations in milliseconds. Nothing else of the service's configuration reaches
 * a backend.
 */
export interface L2ConnectionSettings {
  readonly l2Host: string
  readonly l2Port: number
  readonly l2Db: number
  readonly l2Password: string | undefined
  readonly l2Username: string | undefined
  readonly l2Url: string | undefined
  readonly l2Tls: boolean | Record<string, unknown>
  /** A client of the caller's (ioredis/iovalkey `Redis` or `Cluster`), used as is and never closed. */
  readonly l2Client: unknown
  readonly l2Mode: L2Mode
  /** The seed nodes in cluster mode (never empty there); empty in the other modes. */
  readonly l2ClusterNodes: readonly L2NodeAddress[]
  /** The Sentinels in sentinel mode (never empty there); empty in the other modes. */
  readonly l2Sentinels: readonly L2NodeAddress[]
  /** Set in sentinel mode (unless `l2Client` was given), `undefined` otherwise. */
  readonly l2SentinelName: string | undefined
  readonly l2ConnectTimeoutMs: number
  readonly l2SocketTimeoutMs: number
  readonly l2CommandTimeoutMs: number
}
