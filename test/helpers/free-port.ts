/**
 * Loopback port helpers shared by the test harnesses (redis-server, TCP proxy).
 *
 * Deliberately free of Vitest imports: `examples/demo.ts` runs these through tsx.
 */
import { createServer } from 'node:net'

/** The only interface the harnesses ever bind: tests must never touch a real network. */
export const LOOPBACK_HOST = '127.0.0.1'

/**
 * Asks the kernel for a currently free TCP port on `host` by binding port 0 and closing the listener again.
 *
 * The port is only *probably* still free when the caller binds it (another process may grab it in between),
 * so callers that spawn servers on it should detect "address in use" and retry with a new port.
 */
export function getFreePort(host: string = LOOPBACK_HOST): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address()
      // address() is a string only for pipes/unix sockets, never for a TCP listen.
      const port = typeof address === 'object' && address !== null ? address.port : undefined
      server.close((closeError) => {
        if (closeError) reject(closeError)
        else if (port === undefined) reject(new Error(`could not determine the port bound on ${host}`))
        else resolve(port)
      })
    })
  })
}

/**
 * Resolves `true` when `port` can be bound on `host` right now, `false` when it is in use.
 * Other bind errors (e.g. EACCES) reject, because waiting would not make them go away.
 */
export function isPortFree(port: number, host: string = LOOPBACK_HOST): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve(false)
      else reject(error)
    })
    server.listen({ port, host, exclusive: true }, () => {
      server.close((closeError) => (closeError ? reject(closeError) : resolve(true)))
    })
  })
}

/** Options for {@link waitForPortFree}. */
export interface WaitForPortFreeOptions {
  /** Interface to probe. Default `127.0.0.1`. */
  host?: string
  /** Give up (reject) after this long. Default 10 000 ms. */
  timeoutMs?: number
  /** Pause between probes. Default 20 ms. */
  intervalMs?: number
}

/**
 * Polls until `port` can be bound on `host`, bounded by `timeoutMs`.
 *
 * Used before re-binding a port a just-killed server held: the kernel releases the listener when the process
 * dies, but nothing emits an event for that, so a bounded poll is the honest way to observe it.
 */
export async function waitForPortFree(port: number, options: WaitForPortFreeOptions = {}): Promise<void> {
  const { host = LOOPBACK_HOST, timeoutMs = 10_000, intervalMs = 20 } = options
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await isPortFree(port, host)) return
    if (Date.now() >= deadline) throw new Error(`port ${host}:${port} still in use after ${timeoutMs} ms`)
    await new Promise<void>((resolve) => setTimeout(resolve, intervalMs))
  }
}
