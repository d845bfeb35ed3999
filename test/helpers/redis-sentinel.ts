/**
 * A disposable, real Sentinel deployment for integration tests: one primary, one replica and
 * `sentinels` Sentinels (`redis-server <conf> --sentinel`: Debian's redis-server binary is also the
 * Sentinel), each a {@link RedisServer} on a free loopback port. Everything is killed by pid on
 * `stop()`, and on process exit or a fatal signal by the RedisServer safety net.
 *
 * Every wait polls an observable condition (INFO replication, SENTINEL MASTER) with a bound.
 *
 * Deliberately free of Vitest imports, like redis-server.ts.
 */
import { rmSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LOOPBACK_HOST } from './free-port.js'
import { infoField, pollUntil, waitForReplicaCaughtUp } from './redis-cluster.js'
import { RedisServer, type RespValue } from './redis-server.js'

/** Options of {@link RedisSentinelSet.start}. */
export interface RedisSentinelOptions {
  /** Sentinels; the quorum is a majority of them. @default 3 */
  sentinels?: number
  /** The name the primary is monitored under. @default 'mymaster' */
  name?: string
  /** `down-after-milliseconds`: silence after which the primary is considered down. @default 1000 */
  downAfterMs?: number
  /** `failover-timeout`. @default 2000 */
  failoverTimeoutMs?: number
  /** Bound on start-up (processes, replication, Sentinels discovering each other). @default 30 000 */
  startTimeoutMs?: number
}

/** A flat `[field, value, ...]` reply (SENTINEL MASTER) as a map. */
function pairs(reply: RespValue): Map<string, string> {
  const map = new Map<string, string>()
  if (!Array.isArray(reply)) return map
  for (let index = 0; index + 1 < reply.length; index += 2)
    map.set(String(reply[index]), String(reply[index + 1]))
  return map
}

/** A running primary + replica watched by Sentinels, on loopback. */
export class RedisSentinelSet {
  readonly name: string
  readonly #options: Required<Omit<RedisSentinelOptions, 'name'>>
  readonly #servers = new Map<number, RedisServer>()
  readonly #sentinels: RedisServer[] = []
  #configDir: string | undefined

  private constructor(options: RedisSentinelOptions) {
    this.name = options.name ?? 'mymaster'
    this.#options = {
      sentinels: options.sentinels ?? 3,
      downAfterMs: options.downAfterMs ?? 1000,
      failoverTimeoutMs: options.failoverTimeoutMs ?? 2000,
      startTimeoutMs: options.startTimeoutMs ?? 30_000,
    }
  }

  /** Starts the primary, its replica (in sync) and the Sentinels (aware of each other and the replica). */
  static async start(options: RedisSentinelOptions = {}): Promise<RedisSentinelSet> {
    const set = new RedisSentinelSet(options)
    try {
      await set.#startData()
      await set.#startSentinels()
    } catch (error) {
      await set.stop()
      throw error
    }
    return set
  }

  /** Every Sentinel as `host:port`, for `l2Sentinels`. */
  get sentinels(): string[] {
    return this.#sentinels.map((sentinel) => `${LOOPBACK_HOST}:${sentinel.port}`)
  }

  /** The data node (primary or replica) on `port`. */
  server(port: number): RedisServer {
    const server = this.#servers.get(port)
    if (server === undefined) throw new Error(`no data node on port ${port}`)
    return server
  }

  /** The port of the primary, as the first running Sentinel reports it. */
  async masterPort(): Promise<number> {
    const sentinel = this.#sentinels.find((candidate) => candidate.isRunning)
    if (sentinel === undefined) throw new Error('no Sentinel is running')
    const address = await sentinel.call(['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.name])
    return Number(Array.isArray(address) ? address[1] : Number.NaN)
  }

  /**
   * SIGKILLs the primary once the replica has caught up with it; resolves `{ deadPort, heirPort }`, the
   * replica being the heir.
   */
  async killMaster(): Promise<{ deadPort: number; heirPort: number }> {
    const deadPort = await this.masterPort()
    const heir = [...this.#servers.values()].find((server) => server.port !== deadPort && server.isRunning)
    if (heir === undefined) throw new Error('no replica to fail over to')
    await waitForReplicaCaughtUp(this.server(deadPort), heir)
    await this.server(deadPort).kill()
    return { deadPort, heirPort: heir.port }
  }

  /** Resolves once every running Sentinel names `heirPort` as the primary and it says it is one. */
  async waitForFailover(heirPort: number, timeoutMs = 20_000): Promise<void> {
    const done = await pollUntil(async () => {
      for (const sentinel of this.#sentinels) {
        if (!sentinel.isRunning) continue
        const address = await sentinel.call(['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.name])
        if (!Array.isArray(address) || Number(address[1]) !== heirPort) return false
      }
      return infoField(await this.server(heirPort).command('INFO', 'replication'), 'role') === 'master'
    }, timeoutMs)
    if (!done) throw new Error(`Sentinel did not fail over to port ${heirPort} within ${timeoutMs} ms`)
  }

  /**
   * A manual failover (SENTINEL FAILOVER): the replica is promoted, the old primary turned into its
   * replica. Resolves once the Sentinels name the new primary and the old one is in sync with it.
   */
  async failover(): Promise<{ oldPort: number; newPort: number }> {
    const oldPort = await this.masterPort()
    const heir = [...this.#servers.values()].find((server) => server.port !== oldPort && server.isRunning)
    const sentinel = this.#sentinels.find((candidate) => candidate.isRunning)
    if (heir === undefined || sentinel === undefined) throw new Error('nothing to fail over to')
    await sentinel.call(['SENTINEL', 'FAILOVER', this.name])
    await this.waitForFailover(heir.port)
    const old = this.server(oldPort)
    // Sentinel turns the old primary into a replica only when it next polls it (every 10 s): do what
    // it will do now, so that the set has a replica in sync again without that wait.
    await old.command('REPLICAOF', LOOPBACK_HOST, String(heir.port))
    const following = await pollUntil(
      async () => infoField(await old.command('INFO', 'replication'), 'master_port') === String(heir.port),
      this.#options.startTimeoutMs,
    )
    if (!following) throw new Error(`the old primary on ${oldPort} did not follow the new one`)
    await waitForReplicaCaughtUp(heir, old, this.#options.startTimeoutMs)
    return { oldPort, newPort: heir.port }
  }

  /** Kills every process by pid and removes the Sentinels' config files. Idempotent. */
  async stop(): Promise<void> {
    await Promise.all([...this.#sentinels, ...this.#servers.values()].map((server) => server.stop()))
    if (this.#configDir !== undefined) await rm(this.#configDir, { recursive: true, force: true })
    process.off('exit', this.#removeConfigDirSync)
  }

  /** For a process that exits without `stop()` (its processes are killed by the RedisServer safety net). */
  readonly #removeConfigDirSync = (): void => {
    if (this.#configDir !== undefined) rmSync(this.#configDir, { recursive: true, force: true })
  }

  async #startData(): Promise<void> {
    // A replica's first sync would otherwise wait 5 s for more replicas to share it.
    const master = new RedisServer({ extraArgs: ['--repl-diskless-sync-delay', '0'] })
    await master.start()
    this.#servers.set(master.port, master)
    const replica = new RedisServer({
      extraArgs: ['--replicaof', LOOPBACK_HOST, String(master.port), '--repl-diskless-sync-delay', '0'],
    })
    await replica.start()
    this.#servers.set(replica.port, replica)
    const synced = await pollUntil(
      async () => infoField(await replica.command('INFO', 'replication'), 'master_link_status') === 'up',
      this.#options.startTimeoutMs,
    )
    if (!synced) throw new Error('the replica did not sync with the primary')
  }

  async #startSentinels(): Promise<void> {
    const masterPort = [...this.#servers.keys()][0] as number
    this.#configDir = await mkdtemp(join(tmpdir(), 'resilient-cache-sentinel-'))
    process.once('exit', this.#removeConfigDirSync)
    const quorum = Math.floor(this.#options.sentinels / 2) + 1
    for (let index = 0; index < this.#options.sentinels; index++) {
      const configFile = join(this.#configDir, `sentinel-${index}.conf`)
      await writeFile(
        configFile,
        [
          `sentinel monitor ${this.name} ${LOOPBACK_HOST} ${masterPort} ${quorum}`,
          `sentinel down-after-milliseconds ${this.name} ${this.#options.downAfterMs}`,
          `sentinel failover-timeout ${this.name} ${this.#options.failoverTimeoutMs}`,
          `sentinel parallel-syncs ${this.name} 1`,
          '',
        ].join('\n'),
      )
      const sentinel = new RedisServer({ configFile, extraArgs: ['--sentinel'] })
      await sentinel.start()
      this.#sentinels.push(sentinel)
    }
    // Sentinels find each other through the primary's hello channel (every 2 s), and the replica
    // through INFO: a failover needs both.
    const others = String(this.#options.sentinels - 1)
    const aware = await pollUntil(async () => {
      for (const sentinel of this.#sentinels) {
        const master = pairs(await sentinel.call(['SENTINEL', 'MASTER', this.name]))
        if (master.get('num-other-sentinels') !== others || master.get('num-slaves') !== '1') return false
      }
      return true
    }, this.#options.startTimeoutMs)
    if (!aware) throw new Error('the Sentinels did not discover each other and the replica in time')
  }
}
