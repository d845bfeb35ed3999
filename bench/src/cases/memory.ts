/**
 * L1 memory: bytes per entry for 100k records of ~70 bytes of JSON, each candidate measured in a
 * fresh child process (see `memory-child.ts`), rounds interleaved across candidates.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { BenchContext, GroupResult } from '../context.js'
import type { CandidateKind } from '../measure.js'
import { type Row, rowNamed } from '../report.js'
import { summarize } from '../stats.js'
import { evaluateTarget, timeRatio } from '../targets.js'

const CHILD = fileURLToPath(new URL('./memory-child.ts', import.meta.url))

interface MemoryCandidate {
  id: string
  name: string
  kind: CandidateKind
  note?: string
}

const OURS = 'resilient-cache (L1)'
const LRU = 'lru-cache 11 (max)'

const CANDIDATES: readonly MemoryCandidate[] = [
  { id: 'map', name: 'Map', kind: 'info', note: 'no eviction, no TTL: the floor' },
  { id: 'lru-cache', name: LRU, kind: 'baseline' },
  {
    id: 'lru-cache-ttl',
    name: 'lru-cache 11 (max + ttl)',
    kind: 'info',
    note: 'the configuration of our ttl L1 backend',
  },
  { id: 'ours', name: OURS, kind: 'ours', note: 'L1-only cache, ttl backend, filled through await set()' },
  {
    id: 'ours-l2',
    name: 'resilient-cache (L1 + L2)',
    kind: 'info',
    note: 'L2 on (timeout, breaker, header), 100 sets in flight; includes the service and its connection',
  },
  {
    id: 'bentocache',
    name: 'BentoCache 1.6 (memoryDriver)',
    kind: 'peer',
    note: 'defaults: entries serialized',
  },
  { id: 'cacheable', name: 'cacheable 2 (default memory primary)', kind: 'peer' },
  { id: 'cache-manager', name: 'cache-manager 7 (CacheableMemory)', kind: 'peer' },
]

/** Spawns one child measurement and resolves its bytes per entry. */
function measureInChild(id: string, redisUrl: string): Promise<number> {
  return new Promise((resolve, reject) => {
    // The parent's own flags carry the tsx loader; --expose-gc is what the child adds.
    const execArgv = [
      ...new Set([...process.execArgv.filter((arg) => !arg.startsWith('--cpu-prof')), '--expose-gc']),
    ]
    const child = spawn(process.execPath, [...execArgv, CHILD, id], {
      env: { ...process.env, BENCH_REDIS_URL: redisUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk
    })
    child.once('error', reject)
    child.once('exit', (code, signal) => {
      const line = out.trim().split('\n').at(-1) ?? ''
      if (code !== 0) {
        reject(new Error(`memory child '${id}' exited with ${signal ?? code}: ${err.trim()}`))
        return
      }
      try {
        resolve((JSON.parse(line) as { bytesPerEntry: number }).bytesPerEntry)
      } catch {
        reject(new Error(`memory child '${id}' printed no result: ${out}${err}`))
      }
    })
  })
}

/** Runs the memory case and evaluates its target (ours ÷ lru-cache ≤ 1.2x). */
export async function runMemory(ctx: BenchContext): Promise<GroupResult> {
  const rounds = ctx.quick ? 1 : 3
  const samples = CANDIDATES.map((): number[] => [])
  for (let round = 0; round < rounds; round++) {
    for (let turn = 0; turn < CANDIDATES.length; turn++) {
      const index = (round + turn) % CANDIDATES.length
      const candidate = CANDIDATES[index] as MemoryCandidate
      ctx.log(`L1 memory: ${candidate.name}, round ${round + 1} of ${rounds}`)
      ;(samples[index] as number[]).push(await measureInChild(candidate.id, ctx.redis.url))
    }
  }
  const rows: Row[] = CANDIDATES.map((candidate, index) => ({
    name: candidate.name,
    kind: candidate.kind,
    ...(candidate.note === undefined ? {} : { note: candidate.note }),
    unit: 'B/entry',
    samples: samples[index] as number[],
    summary: summarize(samples[index] as number[]),
  }))
  return {
    cases: [
      {
        id: 'l1-memory',
        title: 'L1 memory, 100k entries of a ~70-byte record',
        description:
          'Heap + ArrayBuffer bytes added by 100k entries (keys and values included), after full GCs, in a fresh process per candidate and round.',
        rows,
      },
    ],
    targets: [
      evaluateTarget(
        {
          id: 'memory-vs-lru',
          label: 'L1 memory: ours ÷ lru-cache (bytes/entry)',
          comparison: '<=',
          target: 1.2,
          format: 'x',
        },
        // Each round ran the two candidates in separate processes: pair them by round anyway.
        timeRatio(rowNamed(rows, OURS), rowNamed(rows, LRU)),
      ),
    ],
  }
}
