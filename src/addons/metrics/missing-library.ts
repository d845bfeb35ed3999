import { CacheConfigurationError } from 'resilient-cache'

/** Whether an error of `require()` or `import()` says that a module is not installed. */
function isModuleNotFound(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  return code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND'
}

/**
 * What a metrics subpath throws when loading its library failed: for a library that is not installed,
 * the `CacheConfigurationError` the core gives for any missing optional package (field: the subpath),
 * naming the package and the install command; any other failure as it is.
 */
export function libraryLoadError(error: unknown, packageName: string, subpath: string): unknown {
  if (!isModuleNotFound(error)) return error
  return new CacheConfigurationError(
    subpath,
    `The '${subpath}' metrics need the optional package '${packageName}', which is not installed. Run: npm install ${packageName}`,
    { cause: error },
  )
}
