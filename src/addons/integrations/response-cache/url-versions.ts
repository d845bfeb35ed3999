import { randomBytes } from 'node:crypto'
import type { ResilientTwoLevelCache } from 'resilient-cache'
import { readableOrHashed } from './key.js'

/**
 * Purge without SCAN: every entry key carries the purge version of its URL, a random token kept in
 * the store beside the entries, one for the path (all hosts) and one for the path on one host.
 * Purging replaces a token: every query and header variant of the URL is then out of reach at once,
 * on every instance (the store's invalidation bus drops their L1 copies of the token), and the
 * orphaned entries expire with their TTL. Tokens are random rather than counters so that one that
 * expired or was evicted is recreated as a new version, never as an old one whose entries may live.
 */

type Store = ResilientTwoLevelCache<unknown>

/** Key of the version of a path on every host. */
export function pathVersionKey(path: string): string {
  return readableOrHashed('~purge', `~purge ${path}`)
}

/** Key of the version of a path on one host (as `encodeHost` spells it). */
export function hostVersionKey(host: string, path: string): string {
  return readableOrHashed('~purge', `~purge ${host} ${path}`)
}

/**
 * The version of a URL: both tokens, each created when missing. Usually two L1 hits; never rejects
 * for L2 trouble (the store does not), so an outage costs at most a cache miss.
 */
export async function readUrlVersion(
  store: Store,
  host: string,
  path: string,
  ttlMs: number,
): Promise<string> {
  const [forPath, forHost] = await Promise.all([
    readToken(store, pathVersionKey(path), ttlMs),
    host === '*' ? '' : readToken(store, hostVersionKey(host, path), ttlMs),
  ])
  return `${forPath}.${forHost}`
}

/** Replaces a version token: the entries made under the old one are no longer reachable. */
export async function bumpVersion(store: Store, versionKey: string, ttlMs: number): Promise<void> {
  await store.set(versionKey, newToken(), { ttl: ttlMs / 1000 })
}

async function readToken(store: Store, versionKey: string, ttlMs: number): Promise<string> {
  const current = await store.get(versionKey)
  if (typeof current === 'string') return current
  const token = newToken()
  // SET NX: a concurrent first request or purge on another instance wins, and its token is used.
  if (await store.setIfNotExist(versionKey, token, { ttl: ttlMs / 1000 })) return token
  const winner = await store.get(versionKey)
  return typeof winner === 'string' ? winner : token
}

function newToken(): string {
  return randomBytes(6).toString('base64url')
}
