/**
 * A disposable, real `redis-server` for integration tests and the demo.
 *
 * Every server runs on its own free loopback port with persistence off and a fresh temp `--dir`, so tests never
 * share state with each other or with a system Redis on 6379. The harness speaks RESP over short-lived sockets
 * instead of depending on a client library, so it can also observe a server the client under test cannot
 * (paused, restarting, password-protected).
 *
 * Deliberately free of Vitest imports: `examples/demo.ts` imports it through tsx.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getFreePort, LOOPBACK_HOST, waitForPortFree } from './free-port.js'

// ---------------------------------------------------------------------------------------------------------------
// RESP client (just enough to poke a server from tests)
// ---------------------------------------------------------------------------------------------------------------

/**
 * A decoded RESP2 reply: simple/bulk strings as `string`, integers as `number` (`bigint` beyond 2^53),
 * nil bulk strings/arrays as `null`, arrays as arrays. Error replies are thrown as {@link RedisReplyError}.
 */
export type RespValue = string | number | bigint | null | RespValue[]

/** The server answered with a RESP error (`-ERR ...`, `-NOAUTH ...`, ...). `message` is the server's text. */
export class RedisReplyError extends Error {
  override name = 'RedisReplyError'
  /** The first word of the reply, e.g. `ERR`, `NOAUTH`, `WRONGTYPE`. */
  readonly code: string

  constructor(message: string) {
    super(message)
    this.code = message.split(' ', 1)[0] ?? ''
  }
}

/** No complete reply arrived within the command's timeout (e.g. the server is paused with SIGSTOP). */
export class RedisCommandTimeoutError extends Error {
  override name = 'RedisCommandTimeoutError'
}

/** Options for a single harness command. */
export interface CommandOptions {
  /** Reject with {@link RedisCommandTimeoutError} if no reply arrives in time (connect included). Default 5 000. */
  timeoutMs?: number
  /** Send `AUTH <password>` first on the same connection. Defaults to the server's `--requirepass`, if any. */
  password?: string
}

/** Options for {@link sendCommand}. */
export interface SendCommandOptions extends CommandOptions {
  /** Default `127.0.0.1`. */
  host?: string
}

const DEFAULT_COMMAND_TIMEOUT_MS = 5_000

/** Top-level replies keep errors as values so a pipelined AUTH failure can be told apart from the command's. */
type Reply = RespValue | RedisReplyError

function encodeCommand(args: readonly string[]): Buffer {
  let out = `*${args.length}\r\n`
  for (const arg of args) out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`
  return Buffer.from(out)
}

/** Parses one reply starting at `start`; `undefined` means "incomplete, wait for more bytes". */
function parseReply(buf: Buffer, start: number, nested = false): { value: Reply; end: number } | undefined {
  const lineEnd = buf.indexOf('\r\n', start)
  if (lineEnd === -1) return undefined
  const type = buf[start]
  const line = buf.toString('utf8', start + 1, lineEnd)
  const next = lineEnd + 2
  switch (type) {
    case 0x2b: // '+'
      return { value: line, end: next }
    case 0x2d: // '-'
      // Errors only appear nested inside EXEC replies, which a one-command-per-connection client never sees.
      if (nested) throw new RedisReplyError(line)
      return { value: new RedisReplyError(line), end: next }
    case 0x3a: {
      // ':'
      const n = BigInt(line)
      const safe = n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= BigInt(Number.MIN_SAFE_INTEGER)
      return { value: safe ? Number(n) : n, end: next }
    }
    case 0x24: {
      // '$'
      const length = Number(line)
      if (length < 0) return { value: null, end: next }
      if (buf.length < next + length + 2) return undefined
      return { value: buf.toString('utf8', next, next + length), end: next + length + 2 }
    }
    case 0x2a: {
      // '*'
      const count = Number(line)
      if (count < 0) return { value: null, end: next }
      const items: RespValue[] = []
      let position = next
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, position, true)
        if (item === undefined) return undefined
        items.push(item.value as RespValue)
        position = item.end
      }
      return { value: items, end: position }
    }
    default:
      throw new Error(`unsupported RESP reply type ${JSON.stringify(String.fromCharCode(type ?? 0))}`)
  }
}

/**
 * Opens one connection, pipelines `commands`, and resolves with one top-level reply per command.
 * The socket is destroyed on every path (reply, error, close, timeout), so no handle outlives the call.
 */
function exchange(
  host: string,
  port: number,
  commands: readonly (readonly string[])[],
  timeoutMs: number,
): Promise<Reply[]> {
  const label = `redis command ${JSON.stringify(commands.at(-1)?.[0] ?? '')} to ${host}:${port}`
  return new Promise((resolve, reject) => {
    const replies: Reply[] = []
    let buffer: Buffer = Buffer.alloc(0)
    let settled = false
    const socket = connect({ host, port })
    const finish = (error?: Error): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      if (error) reject(error)
      else resolve(replies)
    }
    const timer = setTimeout(
      () => finish(new RedisCommandTimeoutError(`${label} got no reply within ${timeoutMs} ms`)),
      timeoutMs,
    )
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk])
      try {
        while (replies.length < commands.length) {
          const parsed = parseReply(buffer, 0)
          if (parsed === undefined) return
          replies.push(parsed.value)
          buffer = buffer.subarray(parsed.end)
        }
      } catch (error) {
        finish(error as Error)
        return
      }
      finish()
    })
    socket.on('error', (error: NodeJS.ErrnoException) =>
      finish(
        Object.assign(new Error(`${label} failed: ${error.message}`, { cause: error }), { code: error.code }),
      ),
    )
    socket.on('close', () => finish(new Error(`${label}: connection closed before a reply`)))
    // net buffers writes until the connection is up, so there is no need to wait for 'connect'.
    socket.write(Buffer.concat(commands.map(encodeCommand)))
  })
}

/**
 * Sends one command to a Redis on `host:port` over a fresh socket and resolves with the decoded reply.
 * Rejects with {@link RedisReplyError} on an error reply, {@link RedisCommandTimeoutError} when the server does
 * not answer in time, and a plain `Error` (with `code`, e.g. `ECONNREFUSED`) when the connection fails.
 */
export async function sendCommand(
  port: number,
  args: readonly string[],
  options: SendCommandOptions = {},
): Promise<RespValue> {
  if (args.length === 0) throw new Error('sendCommand needs at least a command name')
  const { host = LOOPBACK_HOST, timeoutMs = DEFAULT_COMMAND_TIMEOUT_MS, password } = options
  const commands = password === undefined ? [args] : [['AUTH', password], args]
  const replies = await exchange(host, port, commands, timeoutMs)
  for (const reply of replies) if (reply instanceof RedisReplyError) throw reply
  return replies.at(-1) as RespValue
}

/** Flattens a reply the way `redis-cli --raw` prints it: nil as '', arrays one element per line. */
function replyToString(reply: RespValue): string {
  if (reply === null) return ''
  if (Array.isArray(reply)) return reply.map(replyToString).join('\n')
  return String(reply)
}

// ---------------------------------------------------------------------------------------------------------------
// Leftover-process safety net
// ---------------------------------------------------------------------------------------------------------------

/** Every redis-server this module spawned that has not exited yet, with its temp dir. */
const liveServers = new Map<ChildProcess, string>()
const FATAL_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const
let hooksInstalled = false

function killLeftoversSync(): void {
  for (const [child, dir] of liveServers) {
    try {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL')
    } catch {
      // Already gone: exactly what we wanted.
    }
    try {
      rmSync(dir, { recursive: true, force: true })
    } catch {
      // Best effort; a leftover empty temp dir is harmless compared to failing the exit path.
    }
  }
  liveServers.clear()
}

/**
 * Vitest tears fork workers down with SIGTERM, which (unlike a crash) skips `process.on('exit')`, so the
 * signals are hooked too. After cleaning up we re-raise the signal when nobody else handles it, so the
 * process still dies the way it would have without us.
 */
function onFatalSignal(signal: NodeJS.Signals): void {
  killLeftoversSync()
  uninstallHooks()
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
}

function installHooks(): void {
  if (hooksInstalled) return
  hooksInstalled = true
  process.on('exit', killLeftoversSync)
  for (const signal of FATAL_SIGNALS) process.on(signal, onFatalSignal)
}

/** Hooks live only while a server does, so an idle harness does not change how the host handles signals. */
function uninstallHooks(): void {
  if (!hooksInstalled) return
  hooksInstalled = false
  process.off('exit', killLeftoversSync)
  for (const signal of FATAL_SIGNALS) process.off(signal, onFatalSignal)
}

// ---------------------------------------------------------------------------------------------------------------
// RedisServer
// ---------------------------------------------------------------------------------------------------------------

/** Options for {@link RedisServer}. */
export interface RedisServerOptions {
  /** Fixed port. Default: a free port picked per start (retried if another process grabs it first). */
  port?: number
  /** Appended to the generated arguments, e.g. `['--requirepass', 'secret']`. */
  extraArgs?: readonly string[]
  /**
   * A config file, passed before every other argument (redis-server reads a file only there). Sentinels
   * need one, since they write their state back into it.
   */
  configFile?: string
  /** Executable to run. Default `redis-server` from PATH. */
  binary?: string
  /** Bound on `start()`/`restart()`/`resume()` waiting for the server to answer PING. Default 10 000 ms. */
  startTimeoutMs?: number
  /** Default timeout of {@link RedisServer.command}. Default 5 000 ms. */
  commandTimeoutMs?: number
}

/** Arguments accepted by {@link RedisServer.command}: the command words, optionally followed by options. */
export type CommandInput = string[] | [...string[], CommandOptions]

interface ExitInfo {
  code: number | null
  signal: NodeJS.Signals | null
  error?: Error
}

/** One spawned process and everything needed to observe and clean up after it. */
interface Run {
  child: ChildProcess
  dir: string
  port: number
  exited: Promise<ExitInfo>
  exitInfo?: ExitInfo
  /** Resolves once stdout/stderr have closed, i.e. all output has been captured. */
  closed: Promise<void>
}

const OUTPUT_LINES_KEPT = 50
const SHUTDOWN_GRACE_MS = 5_000
const KILL_TIMEOUT_MS = 10_000
const PROBE_INTERVAL_MS = 20
const MAX_PORT_ATTEMPTS = 3
const TIMED_OUT = Symbol('timed out')

/** Awaits `promise` for at most `ms`, clearing the timer either way so no handle is left pending. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Reads the scheduler state letter from /proc (Linux only); `undefined` where /proc is unavailable. */
function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name in parentheses may itself contain spaces or parens, so anchor on the last ')'.
    return stat.charAt(stat.lastIndexOf(')') + 2)
  } catch {
    return undefined
  }
}

class PortInUseError extends Error {}

/**
 * A real `redis-server` child process on a free loopback port, with no persistence and an empty dataset.
 *
 * ```ts
 * const redis = await startRedisServer()
 * try { await redis.command('SET', 'k', 'v') } finally { await redis.stop() }
 * ```
 *
 * Every lifecycle method resolves only once its effect is observable (process exited, PING answered,
 * process stopped), never after a fixed sleep.
 */
export class RedisServer {
  private static available: boolean | undefined

  /**
   * Whether `redis-server` can be executed (on PATH, or `binary`). Cached per process for the default binary,
   * so demos and `describe.skipIf` can call it freely.
   */
  static isAvailable(binary = 'redis-server'): boolean {
    const check = (): boolean => {
      const result = spawnSync(binary, ['--version'], { stdio: 'ignore', timeout: 5_000 })
      return result.error === undefined && result.status === 0
    }
    if (binary !== 'redis-server') return check()
    RedisServer.available ??= check()
    return RedisServer.available
  }

  /** The installed redis-server's version (`7.0.15`), or `unknown`. */
  static version(binary = 'redis-server'): string {
    const result = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 5_000 })
    return /v=(\S+)/.exec(result.stdout ?? '')?.[1] ?? 'unknown'
  }

  /** Always `127.0.0.1`: the server is bound to loopback only. */
  readonly host = LOOPBACK_HOST

  private readonly options: RedisServerOptions
  private run: Run | undefined
  private paused = false
  private readonly output: string[] = []
  private partialLine = ''

  /** Creates the harness; nothing is spawned until {@link start}. */
  constructor(options: RedisServerOptions = {}) {
    this.options = { ...options, extraArgs: [...(options.extraArgs ?? [])] }
  }

  /** The port of the current (or last) process. Throws before the first `start()` unless `port` was given. */
  get port(): number {
    const port = this.run?.port ?? this.options.port
    if (port === undefined) throw new Error('RedisServer has not been started yet: no port assigned')
    return port
  }

  /** `redis://127.0.0.1:<port>` (without credentials; see {@link password}). */
  get url(): string {
    return `redis://${this.host}:${this.port}`
  }

  /** The pid of the current (or last) process; it stays readable after the process exits. */
  get pid(): number {
    const pid = this.run?.child.pid
    if (pid === undefined) throw new Error('RedisServer has not been started yet: no pid')
    return pid
  }

  /** True from a successful start until the process exits (a paused server is still running). */
  get isRunning(): boolean {
    return this.run !== undefined && this.run.exitInfo === undefined
  }

  /** True between {@link pause} and {@link resume}. */
  get isPaused(): boolean {
    return this.paused && this.isRunning
  }

  /** The `--requirepass` value from `extraArgs`, if any; {@link command} authenticates with it automatically. */
  get password(): string | undefined {
    const args = this.options.extraArgs ?? []
    const index = args.lastIndexOf('--requirepass')
    return index === -1 ? undefined : args[index + 1]
  }

  /** The last ~50 lines redis-server printed (stdout and stderr interleaved), for diagnostics. */
  get recentOutput(): string {
    return [...this.output, this.partialLine].filter((line) => line !== '').join('\n')
  }

  /**
   * Spawns redis-server and resolves once it answers PING. Rejects at once if the process exits (the error
   * message includes redis's output), or after `startTimeoutMs` (the process is killed first).
   */
  async start(): Promise<void> {
    if (this.isRunning)
      throw new Error(`redis-server is already running on port ${this.port} (pid ${this.pid})`)
    const fixedPort = this.options.port
    for (let attempt = 1; ; attempt++) {
      const port = fixedPort ?? (await getFreePort(LOOPBACK_HOST))
      try {
        await this.launch(port)
        return
      } catch (error) {
        // A picked port can be taken between probing and binding (parallel test files do exactly this).
        if (error instanceof PortInUseError && fixedPort === undefined && attempt < MAX_PORT_ATTEMPTS)
          continue
        throw error
      }
    }
  }

  /** SIGKILLs the process and resolves once it has exited. No-op when it is not running. */
  async kill(): Promise<void> {
    const run = this.run
    if (run === undefined) return
    if (run.exitInfo === undefined) {
      run.child.kill('SIGKILL')
      if ((await within(run.exited, KILL_TIMEOUT_MS)) === TIMED_OUT) {
        throw new Error(
          `redis-server pid ${run.child.pid} did not exit within ${KILL_TIMEOUT_MS} ms of SIGKILL`,
        )
      }
    }
    await this.cleanUp(run)
  }

  /**
   * Sends `SHUTDOWN NOSAVE` and resolves once the process has exited; SIGKILLs it if it is still alive after
   * 5 s (or at once if redis refuses with an error reply). No-op when not running.
   */
  async shutdown(): Promise<void> {
    const run = this.run
    if (run === undefined) return
    if (run.exitInfo === undefined) {
      // A stopped process cannot read the command.
      this.continueIfPaused(run)
      let refused = false
      try {
        await this.call(['SHUTDOWN', 'NOSAVE'], { timeoutMs: SHUTDOWN_GRACE_MS })
        refused = true // any reply means redis did not shut down
      } catch (error) {
        // Success closes the connection without a reply; only an explicit error reply means "refused".
        refused = error instanceof RedisReplyError
      }
      if (refused || (await within(run.exited, SHUTDOWN_GRACE_MS)) === TIMED_OUT) {
        await this.kill()
        return
      }
    }
    await this.cleanUp(run)
  }

  /**
   * SIGSTOPs the process: the kernel keeps its listening socket (connects still succeed) but nothing is ever
   * answered, which is how a hung Redis looks to a client. Resolves once the process is actually stopped.
   */
  async pause(): Promise<void> {
    const run = this.requireRunning('pause')
    if (this.paused) return
    const pid = run.child.pid as number
    process.kill(pid, 'SIGSTOP')
    this.paused = true
    // Signal delivery is asynchronous; the stopped state in /proc is the observable effect.
    const deadline = Date.now() + KILL_TIMEOUT_MS
    for (;;) {
      const state = processState(pid)
      if (state === undefined || state === 'T' || state === 't') return
      if (run.exitInfo !== undefined) throw new Error(`redis-server pid ${pid} exited while being paused`)
      if (Date.now() >= deadline)
        throw new Error(`redis-server pid ${pid} not stopped after ${KILL_TIMEOUT_MS} ms`)
      await within(run.exited, 5)
    }
  }

  /** SIGCONTs a paused process and resolves once it answers PING again. */
  async resume(): Promise<void> {
    const run = this.requireRunning('resume')
    this.continueIfPaused(run)
    await this.waitUntilAnswering(run, this.options.startTimeoutMs ?? 10_000)
  }

  /**
   * Starts a fresh process on the SAME port (killing the current one first if it is still running), once the
   * port is free again. The dataset is empty afterwards: nothing is persisted.
   */
  async restart(): Promise<void> {
    const port = this.run?.port ?? this.options.port
    if (port === undefined) throw new Error('restart() needs a server that was started before')
    await this.stop()
    await waitForPortFree(port, { host: LOOPBACK_HOST, timeoutMs: this.options.startTimeoutMs ?? 10_000 })
    await this.launch(port)
  }

  /**
   * Idempotent teardown for afterEach/afterAll: resumes a paused process, SIGKILLs it and waits for the exit.
   * Safe to call before `start()`, after `kill()`/`shutdown()`, and repeatedly.
   */
  async stop(): Promise<void> {
    const run = this.run
    if (run === undefined) return
    this.continueIfPaused(run)
    await this.kill()
  }

  /**
   * Sends one command over a short-lived socket and resolves with the reply flattened to a string, like
   * `redis-cli --raw`: integers as decimals, nil as `''`, arrays one element per line. Use {@link call} to
   * tell nil from an empty string. A trailing options object sets the timeout or password:
   * `await redis.command('PING', { timeoutMs: 300 })`.
   *
   * Rejects with {@link RedisReplyError} on `-ERR ...` replies and {@link RedisCommandTimeoutError} on timeout.
   */
  async command(...input: CommandInput): Promise<string> {
    const last = input.at(-1)
    const hasOptions = typeof last === 'object'
    const args = (hasOptions ? input.slice(0, -1) : input) as string[]
    return replyToString(await this.call(args, hasOptions ? last : {}))
  }

  /** Like {@link command} but resolves with the decoded reply ({@link RespValue}) instead of a string. */
  call(args: readonly string[], options: CommandOptions = {}): Promise<RespValue> {
    return sendCommand(this.port, args, {
      host: this.host,
      timeoutMs: options.timeoutMs ?? this.options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
      password: options.password ?? this.password,
    })
  }

  // -------------------------------------------------------------------------------------------------------------

  private buildArgs(port: number, dir: string): string[] {
    return [
      ...(this.options.configFile === undefined ? [] : [this.options.configFile]),
      '--port',
      String(port),
      '--bind',
      LOOPBACK_HOST,
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--protected-mode',
      'yes',
      '--loglevel',
      'warning',
      '--dir',
      dir,
      ...(this.options.extraArgs ?? []),
    ]
  }

  /** Spawns one process on `port` and waits until it answers; cleans everything up if it does not. */
  private async launch(port: number): Promise<void> {
    const binary = this.options.binary ?? 'redis-server'
    const dir = await mkdtemp(join(tmpdir(), 'resilient-cache-redis-'))
    this.output.length = 0
    this.partialLine = ''
    this.paused = false

    let child: ChildProcess
    try {
      child = spawn(binary, this.buildArgs(port, dir), { stdio: ['ignore', 'pipe', 'pipe'] })
    } catch (error) {
      await rm(dir, { recursive: true, force: true })
      throw error
    }

    const exited = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }))
      // 'error' without 'exit' happens when the binary cannot be spawned at all (e.g. ENOENT).
      child.once('error', (error) => resolve({ code: null, signal: null, error }))
    })
    const closed = new Promise<void>((resolve) => {
      child.once('close', () => resolve())
      child.once('error', () => resolve())
    })
    const run: Run = { child, dir, port, exited, closed }
    this.run = run

    if (child.pid !== undefined) {
      liveServers.set(child, dir)
      installHooks()
    }
    void exited.then((info) => {
      run.exitInfo = info
      liveServers.delete(child)
      if (liveServers.size === 0) uninstallHooks()
    })

    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8')
      stream?.on('data', (chunk: string) => this.capture(chunk))
      // A forgotten server must not keep the host alive; the exit/signal hooks kill it instead.
      ;(stream as { unref?: () => void } | null)?.unref?.()
    }
    child.unref()

    try {
      await this.waitUntilAnswering(run, this.options.startTimeoutMs ?? 10_000, true)
    } catch (error) {
      if (run.exitInfo === undefined) {
        child.kill('SIGKILL')
        await within(exited, KILL_TIMEOUT_MS)
      }
      await this.cleanUp(run)
      throw error
    }
  }

  /**
   * Polls PING until the process answers (bounded). Redis emits nothing at `--loglevel warning` when it is
   * ready, so a bounded probe loop that also watches for the process exiting is the observable signal.
   */
  private async waitUntilAnswering(run: Run, timeoutMs: number, checkIdentity = false): Promise<void> {
    const deadline = Date.now() + timeoutMs
    const password = this.password
    let lastProblem = 'no answer yet'
    for (;;) {
      if (run.exitInfo !== undefined) throw await this.exitedError(run)
      const remaining = deadline - Date.now()
      if (remaining <= 0) {
        throw new Error(
          `redis-server pid ${run.child.pid} on port ${run.port} did not answer PING within ${timeoutMs} ms ` +
            `(${lastProblem})${this.formatOutput()}`,
        )
      }
      const probeTimeout = Math.min(1_000, remaining)
      try {
        const commands = password === undefined ? [['PING']] : [['AUTH', password], ['PING']]
        const reply = (await exchange(LOOPBACK_HOST, run.port, commands, probeTimeout)).at(-1)
        if (reply instanceof RedisReplyError && reply.code === 'LOADING') {
          lastProblem = reply.message
        } else {
          // Any other reply (PONG, or NOAUTH when the password is unknown) proves the process is serving.
          if (checkIdentity) await this.assertOwnsPort(run, password, probeTimeout)
          if (run.exitInfo !== undefined) throw await this.exitedError(run)
          return
        }
      } catch (error) {
        if (error instanceof PortInUseError) throw error
        lastProblem = (error as Error).message
      }
      await within(run.exited, PROBE_INTERVAL_MS)
    }
  }

  /**
   * A PONG may come from another server that won a race for the port while ours is about to fail binding it;
   * compare INFO's process_id with our child's pid so tests never run against someone else's Redis.
   */
  private async assertOwnsPort(run: Run, password: string | undefined, timeoutMs: number): Promise<void> {
    const commands =
      password === undefined
        ? [['INFO', 'server']]
        : [
            ['AUTH', password],
            ['INFO', 'server'],
          ]
    const info = (await exchange(LOOPBACK_HOST, run.port, commands, timeoutMs)).at(-1)
    if (typeof info !== 'string') return // INFO renamed/disabled or auth unknown: cannot tell, trust the PONG
    const match = /^process_id:(\d+)/m.exec(info)
    if (match !== null && Number(match[1]) !== run.child.pid) {
      throw new PortInUseError(
        `port ${run.port} is served by another redis-server (pid ${match[1]}), not ours (pid ${run.child.pid})`,
      )
    }
  }

  private async exitedError(run: Run): Promise<Error> {
    // 'exit' can precede the last stdout chunk; wait (briefly) for the pipes to drain so the message is complete.
    await within(run.closed, 1_000)
    const info = run.exitInfo ?? { code: null, signal: null }
    const how = info.error
      ? `could not be spawned (${info.error.message})`
      : `exited (${info.signal ? `signal ${info.signal}` : `code ${info.code}`}) before answering PING`
    const message = `redis-server on port ${run.port} ${how}${this.formatOutput()}`
    const inUse = /address already in use/i.test(this.recentOutput)
    return inUse
      ? new PortInUseError(message)
      : new Error(message, info.error ? { cause: info.error } : undefined)
  }

  private formatOutput(): string {
    const output = this.recentOutput
    return output === '' ? '' : `\n--- redis-server output (last ${OUTPUT_LINES_KEPT} lines) ---\n${output}`
  }

  private capture(chunk: string): void {
    const lines = (this.partialLine + chunk).split('\n')
    this.partialLine = lines.pop() ?? ''
    for (const line of lines) this.output.push(line.replace(/\r$/, ''))
    if (this.output.length > OUTPUT_LINES_KEPT) this.output.splice(0, this.output.length - OUTPUT_LINES_KEPT)
  }

  private continueIfPaused(run: Run): void {
    if (!this.paused) return
    this.paused = false
    if (run.exitInfo === undefined && run.child.pid !== undefined) {
      try {
        process.kill(run.child.pid, 'SIGCONT')
      } catch {
        // Exited in the meantime: nothing left to continue.
      }
    }
  }

  private requireRunning(operation: string): Run {
    const run = this.run
    if (run === undefined || run.exitInfo !== undefined) {
      throw new Error(`cannot ${operation}: redis-server is not running`)
    }
    return run
  }

  /** Releases the pipes and temp dir of an exited process. Idempotent. */
  private async cleanUp(run: Run): Promise<void> {
    this.paused = false
    await within(run.closed, 1_000)
    run.child.stdout?.destroy()
    run.child.stderr?.destroy()
    await rm(run.dir, { recursive: true, force: true })
  }
}

/** Creates a {@link RedisServer} and starts it; on failure nothing is left running. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const server = new RedisServer(options)
  await server.start()
  return server
}
