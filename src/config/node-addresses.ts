import { CacheConfigurationError } from '../kernel/errors.js'
import type { L2NodeAddress } from './options.js'
import { describeValue, isPlainObject } from './validate.js'

const EXPECTED = "expected 'host:port' entries (or { host, port } objects)"

/**
 * A list of server addresses (cluster seed nodes, Sentinels): `'host:port'` strings (`'[::1]:7000'`
 * for IPv6) or `{ host, port }` objects, at least one. Throws a CacheConfigurationError naming
 * `label` and showing the first bad entry.
 */
export function requireNodeAddresses(value: unknown, label: string): L2NodeAddress[] {
  if (!Array.isArray(value)) {
    throw new CacheConfigurationError(label, `${EXPECTED} in an array, got ${describeValue(value)}`)
  }
  if (value.length === 0) throw new CacheConfigurationError(label, `${EXPECTED}, got none`)
  return value.map((entry) => requireNodeAddress(entry, label))
}

function requireNodeAddress(entry: unknown, label: string): L2NodeAddress {
  const address = typeof entry === 'string' ? parseHostPort(entry) : fromObject(entry)
  if (address === undefined) {
    const shown = isPlainObject(entry) ? JSON.stringify(entry) : describeValue(entry)
    throw new CacheConfigurationError(label, `${EXPECTED}, port 1 to 65535, got ${shown}`)
  }
  return address
}

/** `host:port` or `[ipv6]:port`; `undefined` when it is neither or the port is out of range. */
function parseHostPort(text: string): L2NodeAddress | undefined {
  const match = /^\s*(?:\[([^\]]+)\]|([^\s:[\]]+)):(\d{1,5})\s*$/.exec(text)
  if (match === null) return undefined
  const host = match[1] ?? match[2]
  const port = Number(match[3])
  return host === undefined || !isPort(port) ? undefined : { host, port }
}

function fromObject(entry: unknown): L2NodeAddress | undefined {
  if (!isPlainObject(entry)) return undefined
  const { host, port } = entry
  if (typeof host !== 'string' || host.trim() === '' || typeof port !== 'number' || !isPort(port)) {
    return undefined
  }
  return { host: host.trim(), port }
}

function isPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65_535
}
