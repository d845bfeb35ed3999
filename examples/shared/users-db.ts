/**
 * The pretend database behind the web examples' `/user/<id>` routes, and the original's read-through
 * and invalidate-on-update patterns on top of a cache.
 */
import type { ResilientTwoLevelCache } from '../../src/index.js'

/** A row of the users table. */
export interface User {
  id: number
  name: string
  email: string
}

const usersTable = new Map<number, User>([
  [1, { id: 1, name: 'Ada', email: 'ada@example.com' }],
  [2, { id: 2, name: 'Grace', email: 'grace@example.com' }],
])

/** The options of the examples' users cache, the original's: 1 h in L2, 1 min in L1. */
export const USERS_CACHE_OPTIONS = {
  l2KeyPrefix: 'users',
  l2Ttl: 3600,
  l1Enabled: true,
  l1MaxSize: 1000,
  l1Ttl: 60,
} as const

/** Read-through: the cache first, the database on a miss, and the row stored for the next request. */
export async function getUser(
  users: ResilientTwoLevelCache<User>,
  id: number,
): Promise<{ user: User; source: 'cache' | 'database' } | undefined> {
  const key = `user_${id}`
  const cached = await users.get(key)
  if (cached !== undefined) return { user: cached, source: 'cache' }
  // A real database query would go here.
  const row = usersTable.get(id)
  if (row === undefined) return undefined
  const user = { ...row }
  await users.set(key, user)
  return { user, source: 'database' }
}

/** Writes the source of truth first, then drops the cached copy, so the next read loads the new row. */
export async function updateUser(
  users: ResilientTwoLevelCache<User>,
  id: number,
  changes: Partial<Pick<User, 'name' | 'email'>>,
): Promise<User | undefined> {
  const row = usersTable.get(id)
  if (row === undefined) return undefined
  const updated = { ...row, ...pickStrings(changes), id }
  usersTable.set(id, updated)
  await users.delete(`user_${id}`)
  return updated
}

/** The catalogue behind the examples' response-cached `/products` route. */
export function listProducts(): Array<{ sku: string; name: string }> {
  return [
    { sku: 'A-1', name: 'Analytical Engine' },
    { sku: 'C-2', name: 'COBOL compiler' },
  ]
}

function pickStrings(changes: Record<string, unknown>): Partial<Pick<User, 'name' | 'email'>> {
  const picked: Partial<Pick<User, 'name' | 'email'>> = {}
  if (typeof changes.name === 'string') picked.name = changes.name
  if (typeof changes.email === 'string') picked.email = changes.email
  return picked
}
