import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))
const tsx = fileURLToPath(new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url))

/** A long-running TypeScript program (a server), started with tsx in its own process. */
export class TsProcess {
  readonly child: ChildProcess
  #output = ''
  readonly #exited: Promise<number | string>

  /** Starts `path` (relative to the repo root) with `env` on top of this process's environment. */
  constructor(path: string, env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [tsx, path], { cwd: root, env: { ...process.env, ...env } })
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => this.#append(chunk))
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => this.#append(chunk))
    this.#exited = once(this.child, 'exit').then(
      ([code, signal]) => (code ?? String(signal)) as number | string,
    )
  }

  /** Everything it printed so far, stdout and stderr interleaved. */
  get output(): string {
    return this.#output
  }

  /**
   * Resolves the first match of `pattern` in the output, as soon as it is printed; rejects when the
   * process exits first or after `timeoutMs`.
   */
  async waitForOutput(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    const found = (): RegExpMatchArray | null => pattern.exec(this.#output)
    const deadline = AbortSignal.timeout(timeoutMs)
    while (found() === null) {
      const step = await Promise.race([
        once(this.child.stdout ?? this.child, 'data', { signal: deadline }).then(
          () => 'data',
          () => 'timeout',
        ),
        this.#exited.then(() => 'exited'),
      ])
      if (found() !== null) break
      if (step !== 'data') {
        throw new Error(`${step} before the output matched ${pattern}; output:\n${this.#output}`)
      }
    }
    return found() as RegExpMatchArray
  }

  /** Sends `signal` and resolves the exit code (or signal name), killing it after `timeoutMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<number | string> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.#exited
    this.child.kill(signal)
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs)
    try {
      return await this.#exited
    } finally {
      clearTimeout(timer)
    }
  }

  #append(chunk: string): void {
    this.#output += chunk
  }
}
