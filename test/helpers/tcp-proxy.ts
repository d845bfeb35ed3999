/**
 * A TCP proxy on loopback between a client and a real redis-server, for network faults that a process
 * signal cannot make: added latency, dropped connections, refused connections and a black hole.
 *
 * Deliberately free of Vitest imports: the chaos report (`npm run chaos`) runs it through tsx.
 */
import { connect, createServer, type Server, type Socket } from 'node:net'
import { LOOPBACK_HOST } from './free-port.js'

/**
 * How the proxy treats traffic:
 * - `pass`: forwards everything (after `latencyMs`, if set);
 * - `blackhole`: accepts connections but delivers nothing either way, like a partition that drops
 *   packets; what was held is delivered in order once the mode returns to `pass`, as TCP retransmission
 *   would after a short partition;
 * - `refuse`: drops every open connection and closes new ones at once, like a host that is down.
 */
export type ProxyMode = 'pass' | 'blackhole' | 'refuse'

/** One direction of one proxied connection: an ordered queue so that latency never reorders bytes. */
class Pipe {
  readonly #queue: Array<{ chunk: Buffer; deliverAt: number }> = []
  readonly #to: Socket
  readonly #proxy: TcpProxy
  #timer: NodeJS.Timeout | undefined

  constructor(to: Socket, proxy: TcpProxy) {
    this.#to = to
    this.#proxy = proxy
  }

  push(chunk: Buffer): void {
    this.#queue.push({ chunk, deliverAt: performance.now() + this.#proxy.latencyMs })
    this.pump()
  }

  pump(): void {
    if (this.#timer !== undefined || this.#proxy.mode !== 'pass') return
    for (;;) {
      const head = this.#queue[0]
      if (head === undefined || this.#to.destroyed) return
      const waitMs = head.deliverAt - performance.now()
      if (waitMs > 0) {
        this.#timer = setTimeout(() => {
          this.#timer = undefined
          this.pump()
        }, waitMs)
        return
      }
      this.#queue.shift()
      this.#to.write(head.chunk)
    }
  }

  dispose(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#queue.length = 0
  }
}

/** A started proxy; create it with {@link TcpProxy.start}. */
export class TcpProxy {
  /** Port the proxy listens on (127.0.0.1). */
  readonly port: number
  /** Delay added to every chunk in each direction, in ms (a round trip costs twice this). */
  latencyMs = 0
  #mode: ProxyMode = 'pass'
  readonly #server: Server
  readonly #connections = new Set<{ client: Socket; upstream: Socket; pipes: Pipe[] }>()
  #accepted = 0

  private constructor(server: Server, port: number) {
    this.#server = server
    this.port = port
  }

  /** Starts a proxy on a free loopback port that forwards to `targetPort` on 127.0.0.1. */
  static async start(targetPort: number): Promise<TcpProxy> {
    const server = createServer({ allowHalfOpen: false })
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject)
      server.listen({ port: 0, host: LOOPBACK_HOST }, () => {
        const address = server.address()
        if (typeof address === 'object' && address !== null) resolve(address.port)
        else reject(new Error('the proxy has no TCP address'))
      })
    })
    const proxy = new TcpProxy(server, port)
    server.on('connection', (client) => proxy.#accept(client, targetPort))
    return proxy
  }

  /** `redis://127.0.0.1:<port>`, for a client that should go through the proxy. */
  get url(): string {
    return `redis://${LOOPBACK_HOST}:${this.port}`
  }

  get mode(): ProxyMode {
    return this.#mode
  }

  /** Connections accepted since the start (each reconnection of a client adds one). */
  get acceptedConnections(): number {
    return this.#accepted
  }

  /** Connections open now. */
  get openConnections(): number {
    return this.#connections.size
  }

  /** Switches mode; `refuse` drops open connections, `pass` delivers what a black hole held. */
  setMode(mode: ProxyMode): void {
    this.#mode = mode
    if (mode === 'refuse') this.dropConnections()
    if (mode === 'pass')
      for (const connection of this.#connections) for (const pipe of connection.pipes) pipe.pump()
  }

  /** Destroys every open connection at once (both sides), leaving the mode as it is. */
  dropConnections(): void {
    for (const connection of [...this.#connections]) this.#drop(connection)
  }

  /** Stops listening and drops every connection. */
  async close(): Promise<void> {
    this.dropConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  #accept(client: Socket, targetPort: number): void {
    this.#accepted++
    if (this.#mode === 'refuse') {
      client.destroy()
      return
    }
    const upstream = connect({ port: targetPort, host: LOOPBACK_HOST, noDelay: true })
    // Nagle's algorithm with delayed ACKs would add up to 200 ms that the real path does not have.
    client.setNoDelay(true)
    const toUpstream = new Pipe(upstream, this)
    const toClient = new Pipe(client, this)
    const connection = { client, upstream, pipes: [toUpstream, toClient] }
    this.#connections.add(connection)
    client.on('data', (chunk: Buffer) => toUpstream.push(chunk))
    upstream.on('data', (chunk: Buffer) => toClient.push(chunk))
    // Either side closing or failing ends the pair, as a broken network path would.
    for (const socket of [client, upstream]) {
      socket.on('error', () => this.#drop(connection))
      socket.on('close', () => this.#drop(connection))
    }
  }

  #drop(connection: { client: Socket; upstream: Socket; pipes: Pipe[] }): void {
    if (!this.#connections.delete(connection)) return
    for (const pipe of connection.pipes) pipe.dispose()
    connection.client.destroy()
    connection.upstream.destroy()
  }
}
