import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { getFreePort } from '../helpers/free-port.js'
import { useRedisServer } from '../helpers/services.js'

const redis = useRedisServer()
const script = fileURLToPath(new URL('../fixtures/close-and-exit.ts', import.meta.url))
const tsx = fileURLToPath(new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url))

/** Runs the fixture in its own process; resolves its exit code, or 'hung' if it is still alive after 10 s. */
function runFixture(redisUrl: string): Promise<{ code: number | 'hung'; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [tsx, script], { env: { ...process.env, REDIS_URL: redisUrl } })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      resolve({ code: 'hung', output })
    }, 10_000)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code: code ?? -1, output })
    })
  })
}

describe('close()', () => {
  it('leaves nothing that keeps the process alive (Redis up)', async () => {
    const result = await runFixture(redis.server.url)
    expect(result.output).toContain('closed')
    expect(result.code).toBe(0)
  })

  it('leaves nothing that keeps the process alive (Redis unreachable, reconnecting)', async () => {
    const result = await runFixture(`redis://127.0.0.1:${await getFreePort()}`)
    expect(result.output).toContain('closed')
    expect(result.code).toBe(0)
  })
})
