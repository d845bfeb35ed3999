/**
 * A disposable, real Redis Cluster for integration tests: `masters` primaries with `replicasPerMaster`
 * replicas each, every node a {@link RedisServer} on its own free loopback ports (client port and
 * cluster-bus port), joined by `redis-cli --cluster create`. Nodes are killed by pid on `stop()`, and
 * on process exit or a fatal signal by the RedisServer safety net.
 *
 * Every wait polls an observable condition (CLUSTER INFO, CLUSTER NODES, INFO replication) with a bound;
 * nothing sleeps for a fixed time.
 *
 * Deliberately free of Vitest imports, like redis-server.ts.
 */
import { spawn } from 'node:child_process'
import { getFreePort, LOOPBACK_HOST } from './free-port.js'
import { RedisServer } from './redis-server.js'

/** Options of {@link RedisCluster.start}. */
export interface RedisClusterOptions {
  /** Primaries. @default 3 */
  masters?: number
  /** Replicas of each primary. @default 1 */
  replicasPerMaster?: number
  /**
   * `cluster-node-timeout`: how long a node may be unreachable before it is failed over. Small, so
   * that failover tests run in a few seconds. @default 1000
   */
  nodeTimeoutMs?: number
  /** Bound on start-up (processes, `--cluster create`, convergence). @default 30 000 */
  startTimeoutMs?: number
}

/** One node as another node sees it (a line of CLUSTER NODES). */
export interface ClusterNodeView {
  id: string
  port: number
  role: 'master' | 'replica'
  /** The id of its primary, for a replica. */
  masterId: string | undefined
  /** Flagged `fail` or `fail?` by the node that reported it. */
  failing: boolean
  /** Slot ranges it serves, inclusive. */
  slots: Array<readonly [number, number]>
}

const POLL_MS = 20
const MAX_START_ATTEMPTS = 3

/**
 * Resolves `true` once `condition` holds, polling every 20 ms (a rejection counts as not yet);
 * `false` after `timeoutMs`.
 */
export async function pollUntil(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await condition().catch(() => false)) return true
    if (Date.now() >= deadline) return false
    await new Promise<void>((resolve) => setTimeout(resolve, POLL_MS))
  }
}

/** The value of `field` in an INFO-style reply (`field:value` lines). */
export function infoField(info: string, field: string): string | undefined {
  return new RegExp(`^${field}:(.*)$`, 'm').exec(info)?.[1]?.trim()
}

/**
 * Resolves once `replica` has applied everything `primary` had in its replication stream when called
 * (a replica that says its link is up may still be loading a full sync): killing the primary then
 * loses no write made before. Rejects after `timeoutMs`.
 */
export async function waitForReplicaCaughtUp(
  primary: RedisServer,
  replica: RedisServer,
  timeoutMs = 20_000,
): Promise<void> {
  const target = Number(infoField(await primary.command('INFO', 'replication'), 'master_repl_offset'))
  const caughtUp = await pollUntil(async () => {
    const replication = await replica.command('INFO', 'replication')
    return (
      infoField(replication, 'master_link_status') === 'up' &&
      Number(infoField(replication, 'slave_repl_offset')) >= target
    )
  }, timeoutMs)
  if (!caughtUp) throw new Error(`the replica on ${replica.port} did not catch up with ${primary.port}`)
}

/** Parses CLUSTER NODES. */
export function parseClusterNodes(text: string): ClusterNodeView[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const [id = '', address = '', flags = '', master = '-', , , , , ...slotFields] = line.split(' ')
      const flagList = flags.split(',')
      const port = Number(/:(\d+)@/.exec(address)?.[1])
      const slots = slotFields
        .filter((field) => !field.startsWith('['))
        .map((field) => {
          const [from, to = from] = field.split('-')
          return [Number(from), Number(to)] as const
        })
      return {
        id,
        port,
        role: flagList.includes('master') ? 'master' : 'replica',
        masterId: master === '-' ? undefined : master,
        failing: flagList.includes('fail') || flagList.includes('fail?'),
        slots,
      }
    })
}

/** A running Redis Cluster on loopback. */
export class RedisCluster {
  readonly #servers = new Map<number, RedisServer>()
  readonly #options: Required<RedisClusterOptions>

  private constructor(options: Required<RedisClusterOptions>) {
    this.#options = options
  }

  /** Starts the nodes, creates the cluster and resolves once every node sees it whole and in sync. */
  static async start(options: RedisClusterOptions = {}): Promise<RedisCluster> {
    const cluster = new RedisCluster({
      masters: options.masters ?? 3,
      replicasPerMaster: options.replicasPerMaster ?? 1,
      nodeTimeoutMs: options.nodeTimeoutMs ?? 1000,
      startTimeoutMs: options.startTimeoutMs ?? 30_000,
    })
    try {
      await cluster.#startNodes()
      await cluster.#create()
      await cluster.waitUntilHealthy(cluster.#options.startTimeoutMs)
    } catch (error) {
      await cluster.stop()
      throw error
    }
    return cluster
  }

  /** Client ports of every node started, killed ones included. */
  get ports(): number[] {
    return [...this.#servers.keys()]
  }

  /** Every node as `host:port`, for `l2ClusterNodes`. */
  get seeds(): string[] {
    return this.ports.map((port) => `${LOOPBACK_HOST}:${port}`)
  }

  /** The node process on `port`. */
  server(port: number): RedisServer {
    const server = this.#servers.get(port)
    if (server === undefined) throw new Error(`no cluster node on port ${port}`)
    return server
  }

  /** Ports of the nodes still running. */
  get livePorts(): number[] {
    return this.ports.filter((port) => this.server(port).isRunning)
  }

  /** The cluster as one running node sees it. */
  async topology(viewFrom = this.livePorts[0]): Promise<ClusterNodeView[]> {
    if (viewFrom === undefined) throw new Error('no cluster node is running')
    return parseClusterNodes(await this.server(viewFrom).command('CLUSTER', 'NODES'))
  }

  /** The primaries that serve slots and are not failing, as a running node sees them. */
  async masters(): Promise<ClusterNodeView[]> {
    return (await this.topology()).filter(
      (node) => node.role === 'master' && !node.failing && node.slots.length > 0,
    )
  }

  /** The primaries that still have a running replica to fail over to. */
  async mastersWithReplica(): Promise<ClusterNodeView[]> {
    const nodes = await this.topology()
    return nodes.filter(
      (node) =>
        node.role === 'master' &&
        !node.failing &&
        node.slots.length > 0 &&
        nodes.some((replica) => replica.masterId === node.id && !replica.failing),
    )
  }

  /** The port of the primary that serves `slot`. */
  async masterOfSlot(slot: number): Promise<number> {
    const owner = (await this.masters()).find((node) =>
      node.slots.some(([from, to]) => slot >= from && slot <= to),
    )
    if (owner === undefined) throw new Error(`no primary serves slot ${slot}`)
    return owner.port
  }

  /** The replica of the primary on `masterPort`. */
  async replicaOf(masterPort: number): Promise<ClusterNodeView> {
    const nodes = await this.topology()
    const master = nodes.find((node) => node.port === masterPort)
    const replica = nodes.find((node) => node.masterId === master?.id)
    if (replica === undefined) throw new Error(`no replica of the node on port ${masterPort}`)
    return replica
  }

  /** The slot Redis assigns to `key` (CLUSTER KEYSLOT). */
  async keySlot(key: string): Promise<number> {
    return Number(await this.server(this.#anyLivePort()).command('CLUSTER', 'KEYSLOT', key))
  }

  /** Keys held by each running primary (DBSIZE), by port. */
  async keysPerMaster(): Promise<Map<number, number>> {
    const counts = new Map<number, number>()
    for (const master of await this.masters()) {
      counts.set(master.port, Number(await this.server(master.port).command('DBSIZE')))
    }
    return counts
  }

  /** Empties every running primary (replicas follow). */
  async flushAll(): Promise<void> {
    for (const master of await this.masters()) await this.server(master.port).command('FLUSHALL')
  }

  /** SIGKILLs the node on `port` and resolves once it has exited. */
  async kill(port: number): Promise<void> {
    await this.server(port).kill()
  }

  /**
   * SIGKILLs the primary on `port` once its replica has caught up with it (so that the test decides
   * what is lost, not replication lag); resolves the replica's port, which should take over.
   */
  async killMaster(port: number): Promise<number> {
    const heir = await this.replicaOf(port)
    await waitForReplicaCaughtUp(this.server(port), this.server(heir.port))
    await this.kill(port)
    return heir.port
  }

  /**
   * Resolves once every running node sees the replica on `heirPort` serving the slots of the killed
   * primary on `deadPort`, and reports `cluster_state:ok`.
   */
  async waitForFailover(deadPort: number, heirPort: number, timeoutMs = 20_000): Promise<void> {
    const done = await pollUntil(async () => {
      for (const port of this.livePorts) {
        const server = this.server(port)
        const nodes = parseClusterNodes(await server.command('CLUSTER', 'NODES'))
        const dead = nodes.find((node) => node.port === deadPort)
        const heir = nodes.find((node) => node.port === heirPort)
        if (dead === undefined || dead.slots.length > 0) return false
        if (heir === undefined || heir.role !== 'master' || heir.slots.length === 0) return false
        if (infoField(await server.command('CLUSTER', 'INFO'), 'cluster_state') !== 'ok') return false
      }
      return true
    }, timeoutMs)
    if (!done) {
      throw new Error(
        `the primary on port ${deadPort} was not failed over to ${heirPort} within ${timeoutMs} ms`,
      )
    }
  }

  /**
   * Resolves once every running node reports `cluster_state:ok` with all slots served, knows every
   * node, and every running replica's link to its primary is up.
   */
  async waitUntilHealthy(timeoutMs = 20_000): Promise<void> {
    const total = this.#servers.size
    const healthy = await pollUntil(async () => {
      for (const port of this.livePorts) {
        const server = this.server(port)
        const info = await server.command('CLUSTER', 'INFO')
        if (infoField(info, 'cluster_state') !== 'ok') return false
        if (infoField(info, 'cluster_slots_ok') !== '16384') return false
        if (Number(infoField(info, 'cluster_known_nodes')) !== total) return false
        // Roles travel by gossip: every node must see each primary with all its replicas.
        const nodes = parseClusterNodes(await server.command('CLUSTER', 'NODES'))
        const primaries = nodes.filter((node) => node.role === 'master' && node.slots.length > 0)
        if (primaries.length !== this.#options.masters) return false
        for (const primary of primaries) {
          const replicas = nodes.filter((node) => node.masterId === primary.id && !node.failing)
          if (replicas.length < this.#options.replicasPerMaster) return false
        }
        const replication = await server.command('INFO', 'replication')
        if (
          infoField(replication, 'role') === 'slave' &&
          infoField(replication, 'master_link_status') !== 'up'
        )
          return false
      }
      return true
    }, timeoutMs)
    if (!healthy) throw new Error(`the cluster was not healthy within ${timeoutMs} ms`)
  }

  /** Kills every node by pid and removes their directories. Idempotent. */
  async stop(): Promise<void> {
    await Promise.all([...this.#servers.values()].map((server) => server.stop()))
  }

  #anyLivePort(): number {
    const port = this.livePorts[0]
    if (port === undefined) throw new Error('no cluster node is running')
    return port
  }

  async #startNodes(): Promise<void> {
    const count = this.#options.masters * (1 + this.#options.replicasPerMaster)
    await Promise.all(Array.from({ length: count }, () => this.#startNode()))
  }

  /** One node on a free client port and a free bus port (the default, port + 10000, may not exist). */
  async #startNode(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const port = await getFreePort()
      const busPort = await getFreePort()
      const server = new RedisServer({
        port,
        extraArgs: [
          '--cluster-enabled',
          'yes',
          '--cluster-port',
          String(busPort),
          '--cluster-node-timeout',
          String(this.#options.nodeTimeoutMs),
          '--cluster-config-file',
          'nodes.conf',
          // A replica's first sync would otherwise wait 5 s for more replicas to share it.
          '--repl-diskless-sync-delay',
          '0',
        ],
      })
      try {
        await server.start()
        this.#servers.set(port, server)
        return
      } catch (error) {
        // Another process may take a probed port before redis binds it; try other ports.
        if (attempt >= MAX_START_ATTEMPTS || !/in use/i.test(String(error))) throw error
      }
    }
  }

  /** `redis-cli --cluster create`, which assigns the slots, pairs replicas and waits for the join. */
  async #create(): Promise<void> {
    const args = [
      '--cluster',
      'create',
      ...this.seeds,
      '--cluster-replicas',
      String(this.#options.replicasPerMaster),
      '--cluster-yes',
    ]
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn('redis-cli', args, { stdio: ['ignore', 'pipe', 'pipe'] })
      let text = ''
      child.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString()
      })
      child.stderr.on('data', (chunk: Buffer) => {
        text += chunk.toString()
      })
      const timer = setTimeout(() => child.kill('SIGKILL'), this.#options.startTimeoutMs)
      child.once('error', (error) => {
        clearTimeout(timer)
        reject(error)
      })
      child.once('exit', (code) => {
        clearTimeout(timer)
        if (code === 0) resolve(text)
        else reject(new Error(`redis-cli --cluster create exited with ${code}:\n${text}`))
      })
    })
    if (!output.includes('All 16384 slots covered')) {
      throw new Error(`redis-cli --cluster create did not cover every slot:\n${output}`)
    }
  }
}
