import { reconnectDelayMs } from './client-options.js'
import type { RedisLikeClient } from './redis-client.js'

/**
 * Connects a client of ours again when it ends by itself. ioredis gives a client up for good (status
 * `end`) when its connector fails rather than retrying; with Sentinel that happens when the failover
 * notice (`+switch-master`) arrives while the client is reconnecting after its primary died: the
 * notice aborts the connection being made, and nothing would ever connect again. Returns the undo.
 * @param isClosed whether the client was ended on purpose (by close), which must not be undone.
 */
export function reviveWhenEnded(
  client: Pick<RedisLikeClient, 'status' | 'connect' | 'on' | 'off'>,
  isClosed: () => boolean,
): () => void {
  let attempt = 0
  let timer: NodeJS.Timeout | undefined
  const onEnd = (): void => {
    if (isClosed() || timer !== undefined) return
    timer = setTimeout(() => {
      timer = undefined
      // A failed attempt ends the client again, which schedules the next one, with a longer pause.
      if (!isClosed() && client.status === 'end') client.connect().catch(() => undefined)
    }, reconnectDelayMs(attempt++))
    timer.unref()
  }
  const onReady = (): void => {
    attempt = 0
  }
  client.on('end', onEnd)
  client.on('ready', onReady)
  return () => {
    clearTimeout(timer)
    timer = undefined
    client.off('end', onEnd)
    client.off('ready', onReady)
  }
}
