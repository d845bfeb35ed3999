/**
 * The Redis the web examples use: the one at `CACHE_REDIS_URL` when it is set (the integrations read
 * it, with the other `CACHE_*` variables, by themselves), else a private redis-server started on a
 * free loopback port. Never a Redis on localhost:6379 nobody mentioned.
 */
import { RedisServer } from '../../test/helpers/redis-server.js'

/** Where the example's L2 is, and how to stop it if the example started it. */
export interface ExampleRedis {
  /** The URL of a private server, to hand to the integration; `undefined` when `CACHE_REDIS_URL` is used. */
  privateUrl: string | undefined
  /** One line for the console. */
  description: string
  /** Stops the private server, if any. */
  stop(): Promise<void>
}

/** Finds or starts the example's Redis; exits with a hint when there is none. */
export async function exampleRedis(): Promise<ExampleRedis> {
  const fromEnv = process.env.CACHE_REDIS_URL?.trim()
  if (fromEnv) {
    return {
      privateUrl: undefined,
      description: `the Redis at CACHE_REDIS_URL (${fromEnv})`,
      stop: async () => {},
    }
  }
  if (!RedisServer.isAvailable()) {
    console.error('Set CACHE_REDIS_URL, or install redis-server (make example-* installs it), and retry.')
    process.exit(1)
  }
  const server = new RedisServer()
  await server.start()
  return {
    privateUrl: server.url,
    description: `a private redis-server started for this example on ${server.url}`,
    stop: () => server.stop(),
  }
}

/** The port to listen on: `PORT`, default 3000 (`0` picks a free one; the ready line shows it). */
export function examplePort(): number {
  const port = Number(process.env.PORT ?? 3000)
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`PORT must be a port number, got ${process.env.PORT}`)
  return port
}

/** Runs `stop` once on the first SIGTERM or SIGINT; the process then exits by itself. */
export function onShutdownSignal(stop: () => Promise<void>): void {
  const handler = (signal: NodeJS.Signals): void => {
    process.off('SIGTERM', handler)
    process.off('SIGINT', handler)
    console.log(`${signal}: shutting down`)
    stop().then(
      () => console.log('stopped'),
      (error: unknown) => {
        console.error(error)
        process.exitCode = 1
      },
    )
  }
  process.on('SIGTERM', handler)
  process.on('SIGINT', handler)
}
