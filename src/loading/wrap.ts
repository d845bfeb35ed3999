import { assertCallOptions, WRAP_OPTION_NAMES } from '../config/call-options.js'
import type { Loader } from './loader-context.js'
import type { GetOrSetOptions, ResolvedGetOrSetOptions, WrapOptions } from './loading-options.js'
import { resolveGetOrSetOptions } from './loading-options.js'

/** What `wrap` builds on: the cache's `getOrSet`. */
export type GetOrSet<V> = (key: string, loader: Loader<V>, options?: GetOrSetOptions) => Promise<V>

/**
 * Memoises `fn` through `getOrSet`: each call is a `getOrSet` under `options.key` (fixed, or computed
 * from the arguments). Validates everything when wrapping, so a bad option fails at once.
 * @param defaults what a `getOrSet` without options gets (the cache's defaults), for the validation.
 */
export function wrapWith<V, A extends unknown[]>(
  getOrSet: GetOrSet<V>,
  fn: (...args: A) => V | PromiseLike<V>,
  options: WrapOptions<A>,
  defaults: ResolvedGetOrSetOptions,
): (...args: A) => Promise<V> {
  if (typeof fn !== 'function') throw new TypeError(`wrap: fn must be a function, got ${typeof fn}`)
  // First, so that a misspelt `key` is named as such rather than reported missing.
  if (typeof options === 'object' && options !== null) assertCallOptions(options, WRAP_OPTION_NAMES, 'wrap')
  const keyOf = options?.key
  if (typeof keyOf !== 'string' && typeof keyOf !== 'function') {
    throw new TypeError(
      `wrap: options.key must be a string or a function of the arguments, got ${typeof keyOf}`,
    )
  }
  const { key: _key, ...getOrSetOptions } = options
  resolveGetOrSetOptions(getOrSetOptions, 'wrap', defaults)
  return (...args: A) =>
    getOrSet(typeof keyOf === 'string' ? keyOf : keyOf(...args), () => fn(...args), getOrSetOptions)
}
