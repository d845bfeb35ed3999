import type { Loader } from './loader-context.js'
import type { GetOrSetOptions, ResolvedGetOrSetOptions, WrapOptions } from './loading-options.js'
import { GET_OR_SET_OPTION_NAMES, resolveGetOrSetOptions } from './loading-options.js'

/** What `wrap` builds on: the cache's `getOrSet`. */
export type GetOrSet<V> = (key: string, loader: Loader<V>, options?: GetOrSetOptions) => Promise<V>

const WRAP_OPTION_NAMES: readonly string[] = ['key', ...GET_OR_SET_OPTION_NAMES]

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
  const keyOf = options?.key
  if (typeof keyOf !== 'string' && typeof keyOf !== 'function') {
    throw new TypeError(
      `wrap: options.key must be a string or a function of the arguments, got ${typeof keyOf}`,
    )
  }
  resolveGetOrSetOptions(options, 'wrap', defaults, WRAP_OPTION_NAMES)
  const { key: _key, ...getOrSetOptions } = options
  return (...args: A) =>
    getOrSet(typeof keyOf === 'string' ? keyOf : keyOf(...args), () => fn(...args), getOrSetOptions)
}
