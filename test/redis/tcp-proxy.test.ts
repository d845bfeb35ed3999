import { once } from 'node:events'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LOOPBACK_HOST } from '../helpers/free-port.js'
import { TcpProxy } from '../helpers/tcp-proxy.js'

/** An echo server on loopback: what the proxy forwards to. */
let echo: Server
let echoPort: number
let proxy: TcpProxy
const clients: Socket[] = []

beforeEach(async () => {
  echo = createServer((socket) => socket.pipe(socket))
  echo.listen(0, LOOPBACK_HOST)
  await once(echo, 'listening')
  echoPort = (echo.address() as { port: number }).port
  proxy = await TcpProxy.start(echoPort)
})

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy()
  await proxy.close()
  await new Promise((resolve) => echo.close(resolve))
})

async function openClient(): Promise<Socket> {
  const client = connect({ port: proxy.port, host: LOOPBACK_HOST, noDelay: true })
  clients.push(client)
  await once(client, 'connect')
  return client
}

/** Sends `text` and resolves with the echo and how long it took (ms). */
async function roundTrip(client: Socket, text: string): Promise<{ reply: string; ms: number }> {
  const startedAt = performance.now()
  client.write(text)
  const [chunk] = (await once(client, 'data')) as [Buffer]
  return { reply: chunk.toString(), ms: performance.now() - startedAt }
}

describe('TcpProxy', () => {
  it('forwards both ways in pass mode', async () => {
    const client = await openClient()
    expect((await roundTrip(client, 'hello')).reply).toBe('hello')
    expect(proxy.openConnections).toBe(1)
  })

  it('adds its latency in each direction', async () => {
    proxy.latencyMs = 40
    const client = await openClient()
    const { reply, ms } = await roundTrip(client, 'slow')
    expect(reply).toBe('slow')
    expect(ms).toBeGreaterThanOrEqual(75)
  })

  it('holds traffic in a black hole and delivers it, in order, once traffic passes again', async () => {
    const client = await openClient()
    proxy.setMode('blackhole')
    let received = ''
    client.on('data', (chunk: Buffer) => {
      received += chunk.toString()
    })
    client.write('a')
    client.write('b')
    // The echo would have answered within a few ms through a passing proxy.
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(received).toBe('')
    proxy.setMode('pass')
    while (received.length < 2) await once(client, 'data')
    expect(received).toBe('ab')
  })

  it('drops open connections and closes new ones in refuse mode', async () => {
    const client = await openClient()
    const closed = once(client, 'close')
    proxy.setMode('refuse')
    await closed
    const late = connect({ port: proxy.port, host: LOOPBACK_HOST })
    clients.push(late)
    late.on('error', () => undefined)
    await once(late, 'close')
    expect(proxy.openConnections).toBe(0)
  })

  it('drops every connection on demand and accepts new ones', async () => {
    const first = await openClient()
    const closed = once(first, 'close')
    proxy.dropConnections()
    await closed
    const second = await openClient()
    expect((await roundTrip(second, 'again')).reply).toBe('again')
    expect(proxy.acceptedConnections).toBe(2)
  })
})
