/**
 * Helpers for the Node.js HTTP servers of the framework tests and fixtures. Deliberately free of
 * Vitest imports: the fixtures run through tsx.
 */
import { once } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** Waits until `server` listens, and resolves its `http://127.0.0.1:<port>` URL. */
export async function loopbackUrl(server: Server): Promise<string> {
  if (!server.listening) await once(server, 'listening')
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** Closes `server`, dropping keep-alive connections first, and resolves once it is closed. */
export function closeHttpServer(server: Server): Promise<void> {
  server.closeAllConnections()
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())))
}
