import type { Logger } from '../../src/kernel/logger.js'

/** One line a {@link RecordingLogger} received. */
export interface LogRecord {
  level: 'debug' | 'info' | 'warn' | 'error'
  context: Record<string, unknown>
  message: string
}

/** A logger that keeps every line, for tests that assert what was (or was not) logged. */
export interface RecordingLogger extends Logger {
  readonly records: LogRecord[]
  /** The lines at `warn` or `error`. */
  problems(): LogRecord[]
}

/** A fresh {@link RecordingLogger}. */
export function recordingLogger(): RecordingLogger {
  const records: LogRecord[] = []
  const at =
    (level: LogRecord['level']) =>
    (context: Record<string, unknown>, message: string): void => {
      records.push({ level, context, message })
    }
  return {
    records,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    problems: () => records.filter((record) => record.level === 'warn' || record.level === 'error'),
  }
}
