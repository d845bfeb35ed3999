/*
 * Options of the ioredis / iovalkey clients the Redis backend creates, one function per deployment.
 * All of them keep the cache's promises: no offline queue (a write queued during an outage and sent
 * after recovery could overwrite newer data), no resending of unanswered commands after a reconnect
 * (same reason), no per-request retries (the breaker decides), and quick reconnection.
 */
import type { L2ConnectionSettings, L2NodeAddress } from '../connection-settings.js'

/** Longest pause between two reconnection attempts: keeps recovery within a second of Redis returning. */
export const MAX_RECONNECT_DELAY_MS = 500

/** 50 ms, doubling, at most {@link MAX_RECONNECT_DELAY_MS}. */
export const reconnectDelayMs = (attempt: number): number =>
  Math.min(50 * 2 ** Math.min(attempt, 10), MAX_RECONNECT_DELAY_MS)

/** What every connection to a data node gets, whatever the deployment. */
function connectionOptions(config: L2ConnectionSettings): Record<string, unknown> {
  const options: Record<string, unknown> = {
    connectTimeout: config.l2ConnectTimeoutMs,
    socketTimeout: config.l2SocketTimeoutMs,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    enableReadyCheck: true,
  }
  if (config.l2Password !== undefined) options.password = config.l2Password
  if (config.l2Username !== undefined) options.username = config.l2Username
  if (config.l2Tls !== false) options.tls = config.l2Tls === true ? {} : config.l2Tls
  return options
}

/** A single server, at `l2Url` (passed beside these options) or `l2Host`/`l2Port`/`l2Db`. */
export function standaloneClientOptions(config: L2ConnectionSettings): Record<string, unknown> {
  const options: Record<string, unknown> = {
    ...connectionOptions(config),
    enableOfflineQueue: false,
    retryStrategy: reconnectDelayMs,
  }
  if (config.l2Url === undefined) {
    options.host = config.l2Host
    options.port = config.l2Port
  }
  // With a URL too: the configuration merged it with the separate options (a password or database
  // given only one way, the other agreeing), and the client fills what the URL leaves out from these.
  options.db = config.l2Db
  return options
}

/**
 * The primary that the Sentinels name. When it dies the connection drops: the client reconnects and
 * asks the Sentinels again, within {@link MAX_RECONNECT_DELAY_MS}, until they name the promoted
 * replica. When it is still alive (a manual failover, a partition), it stays a primary, accepting
 * writes that its demotion will throw away, until a Sentinel reconfigures it, which can take 10 s:
 * so the client also listens for the Sentinels' `+switch-master` and reconnects at once.
 */
export function sentinelClientOptions(config: L2ConnectionSettings): Record<string, unknown> {
  return {
    ...connectionOptions(config),
    enableOfflineQueue: false,
    retryStrategy: reconnectDelayMs,
    sentinels: config.l2Sentinels.map(({ host, port }) => ({ host, port })),
    name: config.l2SentinelName,
    db: config.l2Db,
    // While every Sentinel is unreachable the client keeps asking them, quickly, instead of giving up.
    sentinelRetryStrategy: reconnectDelayMs,
    failoverDetector: true,
    // A demoted primary answers writes with READONLY: reconnect (to the primary the Sentinels name
    // now) without resending the command, which the caller has already seen fail.
    reconnectOnError: (error: Error) => (error.message.startsWith('READONLY') ? 1 : false),
  }
}

/** The seed nodes and options of a Redis Cluster client. */
export function clusterClientOptions(config: L2ConnectionSettings): {
  startupNodes: L2NodeAddress[]
  options: Record<string, unknown>
} {
  const redisOptions = connectionOptions(config)
  if (config.l2Url !== undefined) {
    const url = new URL(config.l2Url)
    if (url.username !== '') redisOptions.username = decodeURIComponent(url.username)
    if (url.password !== '') redisOptions.password = decodeURIComponent(url.password)
    if ((url.protocol === 'rediss:' || url.protocol === 'valkeys:') && redisOptions.tls === undefined) {
      redisOptions.tls = {}
    }
  }
  return {
    startupNodes: config.l2ClusterNodes.map(({ host, port }) => ({ host, port })),
    options: {
      redisOptions,
      // The client opens a node's connection on the first command for it. With the offline queue off,
      // ioredis fails every other command for that node while the connection is being made (a burst
      // of errors at start-up and after each failover); on, they wait for it, at most the connect
      // timeout, in that connection's own queue, whose commands are never sent after a reconnection
      // (node connections do not reconnect: a lost one is replaced). Nothing waits in the queue of the
      // client as a whole: the backend rejects every command while the client is not ready.
      enableOfflineQueue: true,
      enableReadyCheck: true,
      // Reads from the primaries only: a replica may not have the latest write yet.
      scaleReads: 'master',
      // A command whose connection closed may have run: never send it again (a late write could land
      // after the repair that invalidated its key). CLUSTERDOWN fails at once too: retrying it later
      // would outlive the caller's timeout the same way. MOVED and ASK are still followed (the
      // command did not run), and TRYAGAIN only concerns our multi-key UNLINKs, which may run late.
      retryDelayOnFailover: 0,
      retryDelayOnClusterDown: 0,
      clusterRetryStrategy: reconnectDelayMs,
      slotsRefreshTimeout: Math.min(config.l2ConnectTimeoutMs, 1000),
    },
  }
}

/**
 * Overrides for a connection of ours that listens on one node of a cluster (for bus messages or
 * tracking reports), duplicated from the cluster client's connection to that node: RESP2, which
 * delivers tracking reports as pub/sub messages, the primary role, no queue, and `retryStrategy`
 * (`null` to never reconnect, when the caller moves to another node instead).
 */
export function nodeListenerOptions(
  retryStrategy: ((attempt: number) => number) | null,
): Record<string, unknown> {
  return {
    protocol: 2,
    autoResubscribe: false,
    lazyConnect: false,
    readOnly: false,
    enableOfflineQueue: false,
    retryStrategy,
  }
}
