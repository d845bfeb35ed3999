import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { describe, expect, it } from 'vitest'
import type { LoadEvent } from '../../src/index.js'
import { FakeClock } from '../helpers/fake-clock.js'
import { spawnTsScript } from '../helpers/run-script.js'
import { useRawClient, useRedisServer, useServices, waitFor } from '../helpers/services.js'

const redis = useRedisServer()
const openService = useServices()
const rawClient = useRawClient(redis)

describe('eagerRefresh', () => {
  it.each([
    ['from L1', true],
    ['from L2', false],
  ])(
    '%s: hits past the fraction return at once and start one background reload for 100 concurrent callers',
    async (_, l1Enabled) => {
      const clock = new FakeClock()
      const cache = openService({ l2Url: redis.server.url }, { clock }).createCache<string>({
        l2KeyPrefix: `eager-${l1Enabled}`,
        l1Enabled,
      })
      let calls = 0
      let release = () => {}
      let refreshStarted = () => {}
      const refreshCalled = new Promise<void>((resolve) => (refreshStarted = resolve))
      const loader = async () => {
        const call = ++calls
        if (call > 1) {
          refreshStarted()
          await new Promise<void>((resolve) => (release = resolve))
        }
        return `v${call}`
      }
      const options = { ttl: 10, eagerRefresh: 0.8 }
      expect(await cache.getOrSet('k', loader, options)).toBe('v1')
      clock.advance(7000) // 70%: not yet due
      expect(await cache.getOrSet('k', loader, options)).toBe('v1')
      expect(calls).toBe(1)

      clock.advance(2000) // 90%: due
      const values = await Promise.all(
        Array.from({ length: 100 }, () => cache.getOrSet('k', loader, options)),
      )
      expect(new Set(values)).toEqual(new Set(['v1']))
      await refreshCalled
      // While it is in flight, hits go on returning the current value without another reload.
      expect(await cache.getOrSet('k', loader, options)).toBe('v1')
      expect(calls).toBe(2)
      const loaded = once(cache, 'load') as Promise<[LoadEvent]>
      release()
      expect((await loaded)[0]).toMatchObject({ trigger: 'refresh', stored: true })
      expect(await cache.getOrSet('k', loader, options)).toBe('v2')
      expect(calls).toBe(2)
      expect(cache.getStats().loading).toMatchObject({ eagerRefreshes: 1, loads: 2 })
    },
  )

  it('a failed refresh leaves the entry as it was until it expires', async () => {
    const clock = new FakeClock()
    const cache = openService({ l2Url: redis.server.url }, { clock }).createCache<string>({
      l2KeyPrefix: 'eager-fail',
      l1Enabled: true,
    })
    const options = { ttl: 10, eagerRefresh: 0.5 }
    await cache.getOrSet('k', () => 'v1', options)
    clock.advance(6000)
    const failed = once(cache, 'load:error')
    expect(
      await cache.getOrSet(
        'k',
        () => {
          throw new Error('source down')
        },
        options,
      ),
    ).toBe('v1')
    expect((await failed)[0]).toMatchObject({ trigger: 'refresh', key: 'k' })
    expect(await cache.get('k')).toBe('v1')
  })

  it('with the lock, one loader call per refresh across three processes, and no caller waits on a loader', async () => {
    const workers = [1, 2, 3].map(() => {
      const child = spawnTsScript('test/fixtures/eager-refresh-worker.ts', { REDIS_URL: redis.server.url })
      const output: string[] = []
      let errors = ''
      createInterface({ input: child.stdout }).on('line', (line) => output.push(line))
      child.stderr.on('data', (chunk) => {
        errors += chunk
      })
      return { child, output, errors: () => errors }
    })
    try {
      await waitFor(() => workers.every((worker) => worker.output.includes('ready')), 20_000, 'the workers')
      for (const worker of workers) worker.child.stdin.write('start\n')
      await Promise.all(workers.map((worker) => once(worker.child, 'exit')))
      const reports = workers.map((worker) => {
        const line = worker.output.find((candidate) => candidate.startsWith('{'))
        if (line === undefined) throw new Error(`a worker printed no report: ${worker.errors()}`)
        return JSON.parse(line) as { calls: number; missLoads: number; l2Misses: number }
      })
      const starts = (await rawClient.client.lrange('eager-loader-starts', 0, -1)).map(Number)
      // The first load, then about one refresh per half-lifetime (600 ms) of the 3 s run.
      expect(starts.length).toBeGreaterThanOrEqual(4)
      expect(starts.length).toBeLessThanOrEqual(7)
      // One instance per refresh: two loads of one refresh would start within the loader's 100 ms.
      const gaps = starts.slice(1).map((start, i) => start - (starts[i] as number))
      expect(Math.min(...gaps)).toBeGreaterThan(300)
      // After warm-up no caller of any instance waited on a loader: every lookup found a live value.
      for (const report of reports) {
        expect(report.calls).toBeGreaterThan(1000)
        expect(report.missLoads).toBe(0)
        expect(report.l2Misses).toBe(0)
      }
    } finally {
      for (const worker of workers) worker.child.kill('SIGKILL')
    }
  }, 60_000)
})
