import { CacheConfigurationError } from '../kernel/errors.js'
import { requireNodeAddresses } from './node-addresses.js'
import { L2_MODES, type L2Mode, type L2NodeAddress } from './options.js'
import { describeValue, requireNonEmptyString, requireOneOf } from './validate.js'

/** The deployment options as given (after defaults), and what else decides them. */
export interface L2TopologyInput {
  l2Mode: unknown
  /** Whether `l2Mode` was given, rather than defaulted: a `Cluster` client may imply it. */
  modeGiven: boolean
  l2ClusterNodes: unknown
  l2Sentinels: unknown
  l2SentinelName: unknown
  l2Client: unknown
  /** Already validated. */
  l2Url: string | undefined
  l2Host: string
  l2Port: number
  l2Db: number
}

/** The resolved deployment fields of `ResolvedServiceOptions`. */
export interface ResolvedL2Topology {
  l2Mode: L2Mode
  l2ClusterNodes: readonly L2NodeAddress[]
  l2Sentinels: readonly L2NodeAddress[]
  l2SentinelName: string | undefined
}

/**
 * Validates the deployment options together: the mode, the addresses only that mode reads (so that a
 * forgotten `CACHE_REDIS_MODE` is an error, not a silent standalone connection to the first seed), and
 * what a mode rules out (a database other than 0 in a cluster, a URL with Sentinel).
 * @param label the option's name, or the environment variable it came from.
 */
export function resolveL2Topology(
  input: L2TopologyInput,
  label: (
    name: 'l2Mode' | 'l2ClusterNodes' | 'l2Sentinels' | 'l2SentinelName' | 'l2Client' | 'l2Url' | 'l2Db',
  ) => string,
): ResolvedL2Topology {
  let mode = requireOneOf(input.l2Mode, label('l2Mode'), L2_MODES)
  const clientIsCluster = isClusterClient(input.l2Client)
  if (clientIsCluster) {
    if (input.modeGiven && mode !== 'cluster') {
      throw new CacheConfigurationError(
        label('l2Mode'),
        `the l2Client is a Cluster, so the mode is 'cluster' (or leave it out), got ${describeValue(mode)}`,
      )
    }
    mode = 'cluster'
  } else if (input.l2Client !== undefined && mode === 'cluster') {
    throw new CacheConfigurationError(
      label('l2Client'),
      "l2Mode 'cluster' needs an ioredis/iovalkey Cluster client (new Cluster([...])), got a single-server client",
    )
  }
  const onlyWith = (name: 'l2ClusterNodes' | 'l2Sentinels' | 'l2SentinelName', wanted: L2Mode): void => {
    if (input[name] !== undefined && mode !== wanted) {
      throw new CacheConfigurationError(
        label(name),
        `is only read when l2Mode (CACHE_REDIS_MODE) is '${wanted}', but it is '${mode}'`,
      )
    }
  }
  onlyWith('l2ClusterNodes', 'cluster')
  onlyWith('l2Sentinels', 'sentinel')
  onlyWith('l2SentinelName', 'sentinel')

  const resolved: ResolvedL2Topology = {
    l2Mode: mode,
    l2ClusterNodes: [],
    l2Sentinels: [],
    l2SentinelName: undefined,
  }
  if (mode === 'cluster') {
    requireDatabaseZero(input, label)
    resolved.l2ClusterNodes =
      input.l2ClusterNodes === undefined
        ? [defaultSeed(input)]
        : requireNodeAddresses(input.l2ClusterNodes, label('l2ClusterNodes'))
  } else if (mode === 'sentinel' && input.l2Client === undefined) {
    if (input.l2Url !== undefined) {
      throw new CacheConfigurationError(
        label('l2Url'),
        "is not used with l2Mode 'sentinel': the primary's address comes from the Sentinels; give l2Sentinels and l2SentinelName (l2Db, l2Password, l2Username and l2Tls still apply)",
      )
    }
    if (input.l2Sentinels === undefined) {
      throw new CacheConfigurationError(
        label('l2Sentinels'),
        "is required with l2Mode 'sentinel' (l2Sentinels, or CACHE_REDIS_SENTINELS='host:port,host:port')",
      )
    }
    if (input.l2SentinelName === undefined) {
      throw new CacheConfigurationError(
        label('l2SentinelName'),
        "is required with l2Mode 'sentinel' (l2SentinelName, or CACHE_REDIS_SENTINEL_NAME)",
      )
    }
    resolved.l2Sentinels = requireNodeAddresses(input.l2Sentinels, label('l2Sentinels'))
    resolved.l2SentinelName = requireNonEmptyString(input.l2SentinelName, label('l2SentinelName'))
  }
  return resolved
}

/** Whether `client` is an ioredis/iovalkey `Cluster` (they mark their instances with `isCluster`). */
export function isClusterClient(client: unknown): boolean {
  return (
    typeof client === 'object' && client !== null && (client as { isCluster?: unknown }).isCluster === true
  )
}

/** A cluster has database 0 only: a different one would be a surprise after the first write. */
function requireDatabaseZero(input: L2TopologyInput, label: (name: 'l2Url' | 'l2Db') => string): void {
  if (input.l2Url !== undefined) {
    const database = new URL(input.l2Url).pathname.replace(/^\//, '')
    if (database !== '' && Number(database) !== 0) {
      throw new CacheConfigurationError(
        label('l2Url'),
        `a Redis Cluster has only database 0, got database ${database} in the URL`,
      )
    }
  }
  // Also with a URL without a database: l2Db given beside it would be merged in.
  if (input.l2Db !== 0) {
    throw new CacheConfigurationError(label('l2Db'), `a Redis Cluster has only database 0, got ${input.l2Db}`)
  }
}

/** The one seed a cluster has when no `l2ClusterNodes` were given: the URL's server, or host and port. */
function defaultSeed(input: L2TopologyInput): L2NodeAddress {
  if (input.l2Url === undefined) return { host: input.l2Host, port: input.l2Port }
  const url = new URL(input.l2Url)
  // URL keeps the brackets of an IPv6 host; a socket address wants them off.
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port === '' ? 6379 : Number(url.port) }
}
