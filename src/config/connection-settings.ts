import type { L2ConnectionSettings } from '../backends/l2/connection-settings.js'
import type { ResolvedServiceOptions } from './options.js'

/** The part of the service's options an L2 backend is given: where and how to connect, nothing else. */
export function connectionSettingsOf(options: ResolvedServiceOptions): L2ConnectionSettings {
  return {
    l2Host: options.l2Host,
    l2Port: options.l2Port,
    l2Db: options.l2Db,
    l2Password: options.l2Password,
    l2Username: options.l2Username,
    l2Url: options.l2Url,
    l2Tls: options.l2Tls,
    l2Client: options.l2Client,
    l2Mode: options.l2Mode,
    l2ClusterNodes: options.l2ClusterNodes,
    l2Sentinels: options.l2Sentinels,
    l2SentinelName: options.l2SentinelName,
    l2ConnectTimeoutMs: options.l2ConnectTimeoutMs,
    l2SocketTimeoutMs: options.l2SocketTimeoutMs,
    l2CommandTimeoutMs: options.l2CommandTimeoutMs,
  }
}
