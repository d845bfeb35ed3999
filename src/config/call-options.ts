import { LOADING_DEFAULTS_NAMES } from './loading-defaults.js'
import { suggestOption } from './suggest-option.js'
import { describeValue } from './validate.js'

/** Option names of `set` and `setIfNotExist`. */
export const SET_OPTION_NAMES: readonly string[] = ['ttl']
/** Option names of `getOrSet` (`wrap` takes these and `key`). */
export const GET_OR_SET_OPTION_NAMES: readonly string[] = [
  'ttl',
  'lock',
  'lockTimeout',
  'staleIfError',
  'signal',
  ...LOADING_DEFAULTS_NAMES,
]
/** Option names of `wrap`. */
export const WRAP_OPTION_NAMES: readonly string[] = ['key', ...GET_OR_SET_OPTION_NAMES]
/** Option names of `listKeys`. */
export const LIST_KEYS_OPTION_NAMES: readonly string[] = ['limit']

/**
 * Checks the per-call options of a cache method: an object (or `undefined`) with known keys only, so
 * that `set(k, v, { ttll: 5 })` fails instead of silently using the default lifetime.
 * @throws TypeError naming the call, the unknown key and the closest known one.
 */
export function assertCallOptions(options: unknown, known: readonly string[], call: string): void {
  if (options === undefined) return
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${call}: options must be an object, got ${describeValue(options)}`)
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue
    const suggestion = suggestOption(key, known)
    throw new TypeError(
      suggestion === undefined
        ? `${call}: unknown option '${key}'; known options: ${known.join(', ')}`
        : `${call}: unknown option '${key}'; did you mean '${suggestion}'?`,
    )
  }
}
