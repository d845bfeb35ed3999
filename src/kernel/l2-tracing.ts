import { tracingChannel } from 'node:diagnostics_channel'
import { isCacheError } from './errors.js'
import type { L2OperationEvent, L2Outcome } from './events.js'

/**
 * The `node:diagnostics_channel` tracing channel of L2 operations. Subscribe with
 * `diagnostics_channel.tracingChannel('resilient-cache:l2').subscribe({ start, end, asyncStart, asyncEnd, error })`,
 * or to one of its channels by name: `tracing:resilient-cache:l2:start`, `:end`, `:asyncStart`,
 * `:asyncEnd`, `:error`. The context of each message is an {@link L2OperationEvent} (operation, cache,
 * breaker, backend; `outcome` and `durationMs` from `asyncStart` on), plus `error` on failures: a copy
 * that keeps the error's name, code and class of trouble, never the original's message or command
 * (a Redis client's error can carry the command's arguments, so the key and value).
 */
export const L2_TRACING_CHANNEL = 'resilient-cache:l2'

/** The context published on the {@link L2_TRACING_CHANNEL} channels. */
export interface L2TraceContext extends L2OperationEvent {
  /** On a failure: a sanitised copy of the error (see {@link L2_TRACING_CHANNEL}). */
  error?: Error
}

const l2Channel = tracingChannel<unknown, L2TraceContext>(L2_TRACING_CHANNEL)

/** Whether anything subscribed to the L2 tracing channel (before Node.js 20.13, any of its channels). */
export function isL2TracingActive(): boolean {
  const active = (l2Channel as { hasSubscribers?: boolean }).hasSubscribers
  if (active !== undefined) return active
  return (
    l2Channel.start.hasSubscribers ||
    l2Channel.end.hasSubscribers ||
    l2Channel.asyncStart.hasSubscribers ||
    l2Channel.asyncEnd.hasSubscribers ||
    l2Channel.error.hasSubscribers
  )
}

/**
 * Runs one L2 command as a traced operation: measures it, sets `outcome` and `durationMs` on
 * `context`, publishes it on the tracing channel when that has subscribers, then hands the finished
 * context to `onEnd`. Settles like `command`, with the original error.
 */
export async function traceL2Operation<T>(
  context: L2TraceContext,
  command: () => Promise<T>,
  classify: (error: unknown) => L2Outcome,
  onEnd: ((context: L2TraceContext) => void) | undefined,
): Promise<T> {
  const startedAt = performance.now()
  let result: T | undefined
  let failure: unknown
  let failed = false
  // Resolves to nothing, so that tracePromise never puts the command's result (a value) on the context.
  const measured = async (): Promise<void> => {
    try {
      result = await command()
      context.outcome = 'ok'
    } catch (error) {
      failed = true
      failure = error
      context.outcome = classify(error)
      throw sanitised(error, context)
    } finally {
      context.durationMs = performance.now() - startedAt
    }
  }
  try {
    if (isL2TracingActive()) await l2Channel.tracePromise(measured, context)
    else await measured()
  } catch (error) {
    // tracePromise rejects with the sanitised copy; the caller gets what the command threw.
    if (!failed) throw error
  } finally {
    onEnd?.(context)
  }
  if (failed) throw failure
  return result as T
}

/**
 * A copy of an L2 error that is safe to publish, without `cause` or any other property: our own
 * errors keep their message (our text: operation names and durations), others only their name and code.
 */
function sanitised(error: unknown, context: L2OperationEvent): Error {
  const name = error instanceof Error ? error.name : typeof error
  const code = (error as { code?: unknown } | null)?.code
  const codeText = typeof code === 'string' ? code : undefined
  const message = isCacheError(error)
    ? error.message
    : `L2 ${context.operation} failed: ${name}${codeText === undefined ? '' : ` (${codeText})`}`
  const copy = new Error(message)
  copy.name = name
  if (codeText !== undefined) (copy as Error & { code: string }).code = codeText
  return copy
}
