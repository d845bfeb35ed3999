/**
 * A pino-compatible logger: pino itself, or any object with these methods. Each is called as
 * `(context, message)` like pino's `logger.warn({ cache: 'users' }, 'breaker opened')`.
 */
export interface Logger {
  debug(context: Record<string, unknown>, message: string): void
  info(context: Record<string, unknown>, message: string): void
  warn(context: Record<string, unknown>, message: string): void
  error(context: Record<string, unknown>, message: string): void
}

const noop = (): void => {}

/** A logger that drops everything. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop }

/** The default logger: warnings and errors to the console, debug and info dropped. */
export const consoleLogger: Logger = {
  debug: noop,
  info: noop,
  warn: (context, message) => console.warn(`[resilient-cache] ${message}`, context),
  error: (context, message) => console.error(`[resilient-cache] ${message}`, context),
}
