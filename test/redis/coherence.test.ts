import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { describe, expect, it } from 'vitest'
import { spawnTsScript } from '../helpers/run-script.js'
import { useRedisServer, waitFor } from '../helpers/services.js'

const redis = useRedisServer()

/** How long the bus may take to reach every reader after a write resolved (the bound the coherence guarantee states). */
const PROPAGATION_MS = 50

interface WorkerReport {
  role: 'writer' | 'reader'
  writes: Array<[key: number, seq: number, resolvedAt: number]>
  reads: Array<[key: number, seq: number | null, startedAt: number]>
}

/** Starts one writer and two readers (three processes), runs them together, and collects their reports. */
async function runInstances(
  mode: string,
  durationMs: number,
  minOperations: { writer: number; reader: number },
): Promise<WorkerReport[]> {
  const env = { REDIS_URL: redis.server.url, MODE: mode, DURATION_MS: String(durationMs), KEYS: '20' }
  const workers = (['writer', 'reader', 'reader'] as const).map((role) => {
    const child = spawnTsScript('test/fixtures/coherence-worker.ts', {
      ...env,
      ROLE: role,
      // Each instance goes on until it has done its share, so a busy machine lengthens the run instead
      // of thinning it out below what the assertions need.
      MIN_OPERATIONS: String(minOperations[role]),
    })
    const lines = createInterface({ input: child.stdout })
    const output: string[] = []
    let errors = ''
    child.stderr.on('data', (chunk) => {
      errors += chunk
    })
    lines.on('line', (line) => output.push(line))
    return { child, output, errors: () => errors }
  })
  try {
    await waitFor(() => workers.every((worker) => worker.output.includes('ready')), 20_000, 'the workers')
    if (mode !== 'none') {
      // Every instance's invalidation connection is in place before the run starts.
      await waitFor(
        async () => {
          const lines = (await redis.server.command('CLIENT', 'LIST')).split('\n')
          const subscribed = lines.filter((line) => / sub=[1-9]/.test(line)).length
          const tracking = lines.filter((line) => /flags=\S*t/.test(line)).length
          return subscribed >= 3 && (mode !== 'tracking' || tracking >= 3)
        },
        10_000,
        'three invalidation connections',
      )
    }
    for (const worker of workers) worker.child.stdin.write('start\n')
    await Promise.all(workers.map((worker) => once(worker.child, 'exit')))
    return workers.map((worker) => {
      const line = worker.output.find((candidate) => candidate.startsWith('{'))
      if (line === undefined) throw new Error(`a worker printed no report: ${worker.errors()}`)
      return JSON.parse(line) as WorkerReport
    })
  } finally {
    for (const worker of workers) worker.child.kill('SIGKILL')
  }
}

/**
 * Reads that returned a value older than a write to the same key that had resolved more than
 * PROPAGATION_MS before the read began. A miss is never stale.
 */
function countViolations(reports: WorkerReport[]): { reads: number; writes: number; violations: number } {
  const writes = reports.flatMap((report) => report.writes)
  const byKey = new Map<number, Array<[seq: number, resolvedAt: number]>>()
  for (const [key, seq, resolvedAt] of writes) {
    const history = byKey.get(key) ?? []
    history.push([seq, resolvedAt])
    byKey.set(key, history)
  }
  const reads = reports.flatMap((report) => report.reads)
  let violations = 0
  for (const [key, seq, startedAt] of reads) {
    if (seq === null) continue
    let latest = 0
    for (const [writeSeq, resolvedAt] of byKey.get(key) ?? []) {
      if (resolvedAt + PROPAGATION_MS < startedAt && writeSeq > latest) latest = writeSeq
    }
    if (seq < latest) violations++
  }
  return { reads: reads.length, writes: writes.length, violations }
}

describe('coherence across three processes (one writer, two readers, L1 on)', () => {
  it.each(['bus', 'tracking'])(
    "with invalidation '%s', no reader returns a replaced value 50 ms after the write resolved",
    async (mode) => {
      const result = countViolations(await runInstances(mode, 2500, { writer: 600, reader: 1100 }))
      expect(result.writes).toBeGreaterThan(500)
      expect(result.reads).toBeGreaterThan(2000)
      expect(result.violations).toBe(0)
    },
    60_000,
  )

  it("with invalidation 'none' the same check does find stale reads (the oracle can fail)", async () => {
    const result = countViolations(await runInstances('none', 1500, { writer: 0, reader: 600 }))
    expect(result.reads).toBeGreaterThan(1000)
    expect(result.violations).toBeGreaterThan(0)
  }, 60_000)
})
