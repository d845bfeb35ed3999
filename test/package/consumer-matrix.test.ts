/**
 * The packed package installed as users install it: `npm pack`, then fresh projects with each supported
 * major of each framework and metrics library (plus ioredis), each running a small app against a real
 * redis-server (and cache-manager 7 with Keyv 5 over the Keyv store). npm refuses an install whose
 * peer ranges conflict, so this is also the test of the peer ranges. The express projects also
 * type-check a TypeScript use of the integration against that major's @types/express. Installs share
 * one npm cache (kept between runs) and run two at a time.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCommand } from '../helpers/run-command.js'
import { useRedisServer } from '../helpers/services.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const apps = fileURLToPath(new URL('./consumer-apps/', import.meta.url))
const npmCache = join(tmpdir(), 'resilient-cache-consumer-npm-cache')
const INSTALL_TIMEOUT_MS = 150_000

/** One consumer project: what it installs next to the tarball, and the app it runs. */
interface Consumer {
  install: string
  app: string
  expectedMajor: string
  /** Packages for type-checking `express-types.ts` there, against that major's types. */
  typeCheckWith?: readonly string[]
  /** Other packages the app imports. */
  alsoInstall?: readonly string[]
}

/** A TypeScript user's strict settings, with the libraries' declarations checked too. */
const CONSUMER_TSCONFIG = {
  compilerOptions: {
    strict: true,
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'es2022',
    types: ['node'],
    skipLibCheck: false,
    noEmit: true,
  },
  files: ['express-types.ts'],
}

const CONSUMERS: readonly Consumer[] = [
  {
    install: 'express@4',
    app: 'express.mjs',
    expectedMajor: 'express 4.',
    typeCheckWith: ['@types/express@4', '@types/node@20', 'typescript@5'],
  },
  {
    install: 'express@5',
    app: 'express.mjs',
    expectedMajor: 'express 5.',
    typeCheckWith: ['@types/express@5', '@types/node@20', 'typescript@5'],
  },
  { install: 'fastify@4', app: 'fastify.mjs', expectedMajor: 'fastify 4.' },
  { install: 'fastify@5', app: 'fastify.mjs', expectedMajor: 'fastify 5.' },
  { install: 'hono@4', app: 'hono.mjs', expectedMajor: 'hono 4.' },
  { install: 'prom-client@14', app: 'prom-client.mjs', expectedMajor: 'prom-client 14.' },
  { install: 'prom-client@15', app: 'prom-client.mjs', expectedMajor: 'prom-client 15.' },
  { install: 'cache-manager@7', app: 'keyv.mjs', expectedMajor: 'cache-manager 7.', alsoInstall: ['keyv@5'] },
]

/** At most `limit` of the tasks at once (installs are mostly network and disk; two cores). */
function limited(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0
  const waiting: Array<() => void> = []
  return async (task) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve))
    running += 1
    try {
      return await task()
    } finally {
      running -= 1
      waiting.shift()?.()
    }
  }
}

describe('the packed package in fresh consumer projects', () => {
  const redis = useRedisServer()
  const workDir = mkdtempSync(join(tmpdir(), 'resilient-cache-consumers-'))
  const installs = new Map<string, Promise<{ dir: string; code: number; output: string }>>()

  beforeAll(async () => {
    mkdirSync(npmCache, { recursive: true })
    const packed = await runCommand('npm', ['pack', '--json', '--pack-destination', workDir], {
      cwd: root,
      timeoutMs: 60_000,
    })
    expect(packed.code, packed.output).toBe(0)
    const [{ filename }] = JSON.parse(packed.output.slice(packed.output.indexOf('['))) as [
      { filename: string },
    ]
    const tarball = join(workDir, filename)
    const slot = limited(2)
    for (const consumer of CONSUMERS) {
      const dir = join(workDir, consumer.install.replace(/[@/]/g, '-'))
      mkdirSync(dir)
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
      )
      for (const file of ['common.mjs', consumer.app]) copyFileSync(join(apps, file), join(dir, file))
      if (consumer.typeCheckWith !== undefined) {
        copyFileSync(join(apps, 'express-types.ts'), join(dir, 'express-types.ts'))
        writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(CONSUMER_TSCONFIG))
      }
      const install = slot(() =>
        runCommand(
          'npm',
          [
            'install',
            '--no-audit',
            '--no-fund',
            '--prefer-offline',
            '--cache',
            npmCache,
            tarball,
            'ioredis',
            consumer.install,
            ...(consumer.alsoInstall ?? []),
            ...(consumer.typeCheckWith ?? []),
          ],
          { cwd: dir, timeoutMs: INSTALL_TIMEOUT_MS },
        ),
      ).then((result) => ({ dir, ...result }))
      installs.set(consumer.install, install)
    }
  }, 60_000)

  afterAll(async () => {
    await Promise.allSettled(installs.values())
    rmSync(workDir, { recursive: true, force: true })
  })

  for (const consumer of CONSUMERS) {
    it(
      `installs next to ${consumer.install} and runs an app on it against Redis`,
      async () => {
        const installed = await installs.get(consumer.install)
        expect(installed?.code, installed?.output).toBe(0)
        const dir = installed?.dir ?? ''
        const run = await runCommand(process.execPath, [consumer.app], {
          cwd: dir,
          env: { REDIS_URL: redis.server.url },
          timeoutMs: 30_000,
        })
        expect(run.code, run.output).toBe(0)
        expect(run.output).toContain(`consumer ok: ${consumer.expectedMajor}`)
        if (consumer.typeCheckWith !== undefined) {
          const tsc = join(dir, 'node_modules', 'typescript', 'bin', 'tsc')
          const typeCheck = await runCommand(process.execPath, [tsc, '-p', dir], {
            cwd: dir,
            timeoutMs: 60_000,
          })
          expect(typeCheck.code, typeCheck.output).toBe(0)
        }
      },
      INSTALL_TIMEOUT_MS * 2,
    )
  }
})
