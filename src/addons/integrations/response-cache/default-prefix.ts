import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { isValidKeyPrefix } from './options.js'

/** The setting (app setting or environment variable) that names the response store's L2 prefix. */
export const HTTP_PREFIX_KEY = 'CACHE_HTTP_PREFIX'

/**
 * The default L2 prefix of the response store, specific to the application so that two applications
 * on one Redis never serve each other's pages: `http:<name>` from the `package.json` nearest to the
 * working directory (the replicas of one app share it, as they should), or `http:<hash of the
 * working directory>` when there is no named package.
 */
export function defaultResponsePrefix(cwd: string = process.cwd()): string {
  const name = nearestPackageName(cwd)
  const prefix = `http:${name ?? createHash('sha256').update(cwd).digest('hex').slice(0, 16)}`
  return isValidKeyPrefix(prefix)
    ? prefix
    : `http:${createHash('sha256').update(prefix).digest('hex').slice(0, 16)}`
}

function nearestPackageName(from: string): string | undefined {
  for (let directory = from; ; directory = dirname(directory)) {
    const name = packageName(join(directory, 'package.json'))
    if (name !== undefined) return name
    if (dirname(directory) === directory) return undefined
  }
}

function packageName(file: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'))
    const name = (parsed as { name?: unknown } | null)?.name
    return typeof name === 'string' && name !== '' ? name : undefined
  } catch {
    // No package.json here, or not readable JSON: look further up.
    return undefined
  }
}
