import { execFile } from 'node:child_process'

/** What a finished command printed, and how it ended. */
export interface CommandResult {
  code: number
  output: string
}

/**
 * Runs a program to completion without a shell; resolves its exit code and combined output (never
 * rejects for a failed command, so a test can show what it printed). Killed after `timeoutMs`.
 */
export function runCommand(
  file: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        cwd: options.cwd,
        env: { ...process.env, ...options.env },
        timeout: options.timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1
        resolve({ code, output: `${stdout}${stderr}` })
      },
    )
  })
}
