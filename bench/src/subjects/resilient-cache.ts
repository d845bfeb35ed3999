/**
 * resilient-cache as a consumer gets it: the ESM bundle that the root package's `exports` map
 * resolves `import 'resilient-cache'` to (`dist/index.js`), built by `npm run build` at the root.
 *
 * Why a relative import of the build and not a `file:..` dependency: a `file:` dependency would copy
 * the root package's own metadata and dependency tree into bench/package-lock.json, so every change
 * to the root's package.json would break `npm ci --prefix bench`; and npm may install the root's
 * dependencies again while linking it. Importing the build keeps the bench lockfile to the peers,
 * still runs exactly the bundle a consumer runs (never the TypeScript sources through tsx), and its
 * optional peers (ioredis 6, msgpackr) resolve from the root's node_modules as in an application.
 * {@link assertBuildIsCurrent} checks that this is the file `exports` names and that it is fresh.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  type CacheFactoryConfigOptions,
  CacheService,
  type ResilientTwoLevelCache,
} from '../../../dist/index.js'

export * from '../../../dist/index.js'
// The Keyv store subpath as consumers get it (dist/keyv.js imports the root entry by name, which
// resolves to the same dist/index.js as above: one ResilientTwoLevelCache class).
export { createKeyvStore } from '../../../dist/keyv.js'

/** The repository root (the resilient-cache package). */
export const ROOT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const BUILD_ENTRY = 'dist/index.js'

function newestMtimeMs(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs)
  }
  return newest
}

/**
 * Throws when the root package's `exports["."].import` does not point at the bundle this bench
 * imports, or when `src/` has changed since the bundle was built (a stale build would measure old
 * code; `npm run bench` builds first, this catches running `main.ts` by hand).
 */
export function assertBuildIsCurrent(): void {
  const pkg = JSON.parse(readFileSync(join(ROOT_DIR, 'package.json'), 'utf8')) as {
    exports: { '.': { import: { default: string } } }
  }
  const exported = pkg.exports['.'].import.default.replace(/^\.\//, '')
  if (exported !== BUILD_ENTRY) {
    throw new Error(`package.json exports "." as ${exported}, but the bench imports ${BUILD_ENTRY}`)
  }
  const builtAt = statSync(join(ROOT_DIR, BUILD_ENTRY)).mtimeMs
  if (newestMtimeMs(join(ROOT_DIR, 'src')) > builtAt) {
    throw new Error('dist/ is older than src/: run `npm run build` at the root (npm run bench does it)')
  }
}

/** The version fields the report prints: the package version and the git commit when known. */
export function ourVersion(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT_DIR, 'package.json'), 'utf8')) as { version: string }
  return pkg.version
}

/**
 * A service with the defaults that matter for the comparison left on: `l2CommandTimeout` (0.5 s),
 * the circuit breaker, and (always) the entry header. Throws if a default ever changes to "off", so
 * that the table can never show a number measured without them. `options` may set what a case is
 * about (the coherence group's `invalidation` mode), not switch those off.
 */
export function createOurService(
  redisUrl: string,
  options: Pick<CacheFactoryConfigOptions, 'invalidation'> = {},
): CacheService {
  const service = new CacheService({ ...options, l2Url: redisUrl })
  const { defaults } = service.getStats()
  if (!(defaults.l2CommandTimeout > 0) || !defaults.circuitBreakerEnabled) {
    throw new Error('resilient-cache must be measured with its L2 timeout and circuit breaker on')
  }
  return service
}

/** A cache of ours used by the cases; `V` is what they store. */
export type OurCache<V> = ResilientTwoLevelCache<V>
