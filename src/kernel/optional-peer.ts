import { createRequire } from 'node:module'
import { CacheConfigurationError } from './errors.js'

/** Whether an error of `require()` or `import()` says that a module is not installed. */
function isModuleNotFound(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  return code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND'
}

/** The error for an optional peer that is not installed, naming the option that asked for it and the fix. */
function missingOptionalPeer(
  packageName: string,
  field: string,
  wantedFor: string,
  cause: unknown,
): CacheConfigurationError {
  return new CacheConfigurationError(
    field,
    `${wantedFor} needs the optional package '${packageName}', which is not installed. Run: npm install ${packageName}`,
    { cause },
  )
}

/**
 * Imports an optional peer dependency through `load`, which must be an `import()` of the package's
 * literal name (`() => import('ioredis')`) so that bundlers see it. A package that is not installed
 * rejects with a `CacheConfigurationError` naming it and the option that asked for it.
 */
export async function importOptionalPeer<T>(
  load: () => Promise<T>,
  packageName: string,
  field: string,
  wantedFor: string,
): Promise<T> {
  try {
    return await load()
  } catch (error) {
    throw isModuleNotFound(error) ? missingOptionalPeer(packageName, field, wantedFor, error) : error
  }
}

/**
 * Loads an optional peer dependency synchronously, for the one peer that must be there before the first
 * call (msgpackr: encoding is synchronous), so that a missing package is reported at construction.
 */
export function loadOptionalPeer<T>(packageName: string, field: string, wantedFor: string): T {
  try {
    return createRequire(import.meta.url)(packageName) as T
  } catch (error) {
    if (isModuleNotFound(error)) throw missingOptionalPeer(packageName, field, wantedFor, error)
    throw error
  }
}

/**
 * The package as Node's `require` finds it from here, or `undefined` when it cannot (not installed, or
 * inside a bundle whose packages are not on disk). The fast path before {@link importOptionalPeer}:
 * synchronous, so a client can be made at construction; bundlers do not see it, the `import()` does.
 */
export function requireOptionalPeerIfPresent(packageName: string): unknown {
  try {
    return createRequire(import.meta.url)(packageName)
  } catch {
    return undefined
  }
}
