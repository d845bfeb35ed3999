import { CacheTimeoutError } from '../kernel/errors.js'

/**
 * Settles like `promise`, or rejects with a {@link CacheTimeoutError} after `timeoutMs`. A late
 * rejection of `promise` is absorbed (never an unhandled rejection).
 */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, operation: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new CacheTimeoutError(`L2 ${operation} took longer than ${timeoutMs} ms (l2CommandTimeout)`))
    }, timeoutMs)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}
