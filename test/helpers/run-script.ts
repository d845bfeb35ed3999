import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))
const tsx = fileURLToPath(new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url))

/** Starts a TypeScript file (path relative to the repo root) with tsx, its stdio piped to the caller. */
export function spawnTsScript(path: string, env: NodeJS.ProcessEnv = {}): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [tsx, path], { cwd: root, env: { ...process.env, ...env } })
}

/**
 * Runs a TypeScript file (path relative to the repo root) with tsx in its own process. Resolves its
 * exit code and output, or code 'hung' (after killing it) when it is still alive after `timeoutMs`:
 * a script that does not exit by itself has left a timer or socket open.
 */
export function runTsScript(
  path: string,
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 20_000,
): Promise<{ code: number | 'hung'; output: string }> {
  return new Promise((resolve) => {
    const child = spawnTsScript(path, env)
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      resolve({ code: 'hung', output })
    }, timeoutMs)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code: code ?? -1, output })
    })
  })
}
