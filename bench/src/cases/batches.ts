/**
 * Batch calls and tags: `getMany` of 100 keys held in L2 (L1 off) against a raw `MGET` + decode and
 * against 100 sequential `get`s; `setMany` of 100 against a raw pipeline of 100 `SET PX`; the peers'
 * batch calls (cache-manager's `mget` / `mset`) or their loop where they have none (BentoCache 1.6:
 * `Promise.all` of single calls); and an L1 hit on a tagged entry against one on an untagged entry.
 */
import type { BenchContext, GroupResult } from '../context.js'
import { type BenchRecord, KEY_COUNT, KEY_MASK, KEYS, makeRecord, SET_VALUE, sameData } from '../data.js'
import { type Candidate, HitCheck, measureInterleaved, sequential } from '../measure.js'
import { type CaseResult, rowNamed, rowsFromResults, type TargetResult } from '../report.js'
import { TTL_MS } from '../subjects/peers.js'
import { evaluateTarget, throughputRatio, timeRatio } from '../targets.js'
import { assertSetsReachedRedis } from './l2.js'

/** Keys per batch call. */
export const BATCH = 100
const OURS = 'resilient-cache getMany'
const RAW_MGET = 'raw ioredis 6 MGET + JSON.parse'
const SEQUENTIAL = 'resilient-cache, 100 sequential get'
const OURS_SET = 'resilient-cache setMany'
const RAW_PIPELINE = 'raw ioredis 6 pipeline of SET PX + JSON.stringify'

/** The keys of batch `i`: 100 consecutive keys of the 1024, wrapping around. */
const BATCHES: ReadonlyArray<readonly string[]> = Array.from({ length: KEY_COUNT }, (_, start) =>
  Array.from({ length: BATCH }, (_, offset) => KEYS[(start + offset) & KEY_MASK] as string),
)
const batchOf = (i: number): readonly string[] => BATCHES[i & KEY_MASK] as readonly string[]

function allHits(name: string, values: readonly unknown[]): void {
  if (values.length !== BATCH || values.some((value) => value === undefined || value === null)) {
    throw new Error(`${name}: a batch came back with misses`)
  }
}

export async function runBatches(ctx: BenchContext): Promise<GroupResult> {
  const cases: CaseResult[] = []
  const targets: TargetResult[] = []
  const raw = ctx.peers.rawIoredis6()

  ctx.log('Batches: writing the entries')
  const ours = ctx.ours.createCache<BenchRecord>({
    l2KeyPrefix: 'bench-batch',
    l1Enabled: false,
    l2Ttl: 3600,
    serializer: 'json',
  })
  const bento = ctx.peers.bentocache({ prefix: 'bento-batch', l2: true })
  const manager = ctx.peers.cacheManager({ namespace: 'cm-batch', l2: true })
  const rawKey = (key: string) => `raw6-batch:${key}`
  await ours.setMany(KEYS.map((key, i) => [key, makeRecord(i)] as const))
  for (let i = 0; i < KEY_COUNT; i++) {
    const key = KEYS[i] as string
    await raw.set(rawKey(key), JSON.stringify(makeRecord(i)), 'PX', TTL_MS)
    await bento.set({ key, value: makeRecord(i) })
    await manager.set(key, makeRecord(i))
  }
  const rawKeys = BATCHES.map((keys) => keys.map(rawKey))
  const reads: Array<{
    name: string
    kind: Candidate['kind']
    note?: string
    op: (i: number) => Promise<unknown[]>
  }> = [
    {
      name: RAW_MGET,
      kind: 'baseline',
      op: async (i) =>
        ((await raw.mget(rawKeys[i & KEY_MASK] as string[])) as string[]).map((text) => JSON.parse(text)),
    },
    {
      name: 'raw ioredis 6 MGET, Buffer replies + JSON.parse',
      kind: 'info',
      note: 'what a binary-safe client must ask for (our entries carry a binary header): one Buffer per value',
      op: async (i) =>
        ((await raw.mgetBuffer(rawKeys[i & KEY_MASK] as string[])) as Buffer[]).map((bytes) =>
          JSON.parse(bytes.toString('utf8')),
        ),
    },
    {
      name: OURS,
      kind: 'ours',
      note: 'l1Enabled: false, serializer json; one MGET, timeout, breaker and header on',
      op: (i) => ours.getMany(batchOf(i)),
    },
    {
      name: SEQUENTIAL,
      kind: 'info',
      note: 'what a page of 100 items pays without a batch call',
      op: async (i) => {
        const values: unknown[] = []
        for (const key of batchOf(i)) values.push(await ours.get(key))
        return values
      },
    },
    {
      name: 'BentoCache 1.6 (no getMany: Promise.all of get)',
      kind: 'peer',
      op: (i) => Promise.all(batchOf(i).map((key) => bento.get({ key }))),
    },
    {
      name: 'cache-manager 7 mget (@keyv/redis)',
      kind: 'peer',
      op: (i) => manager.mget([...batchOf(i)]),
    },
  ]
  for (const read of reads) {
    const values = await read.op(0)
    allHits(read.name, values)
    if (!sameData(values[0], makeRecord(0))) throw new Error(`${read.name}: wrong value before timing`)
  }
  ctx.log('getMany of 100: measuring')
  const readRows = rowsFromResults(
    await measureInterleaved(
      reads.map((read) => {
        let batches = 0
        return {
          name: read.name,
          kind: read.kind,
          ...(read.note === undefined ? {} : { note: read.note }),
          batch: sequential(async (i) => {
            allHits(read.name, await read.op(i))
            batches++
          }),
          verify: () => {
            if (batches === 0) throw new Error(`${read.name}: no batch ran`)
          },
        }
      }),
      ctx.ioSettings,
    ),
  )
  cases.push({
    id: 'get-many',
    title: `getMany of ${BATCH} keys held in L2, L1 off (sequential)`,
    description: `Time per call of ${BATCH} keys; ops/s is batches per second.`,
    rows: readRows,
  })
  targets.push(
    evaluateTarget(
      {
        id: 'get-many-vs-mget',
        label: `getMany of ${BATCH}: ours ÷ raw MGET + decode (throughput)`,
        comparison: '>=',
        target: 0.9,
        format: 'x',
      },
      throughputRatio(rowNamed(readRows, OURS), rowNamed(readRows, RAW_MGET)),
    ),
    evaluateTarget(
      {
        id: 'get-many-vs-sequential',
        label: `getMany of ${BATCH}: ours ÷ ${BATCH} sequential get (throughput)`,
        comparison: '>=',
        target: 5,
        format: 'x',
      },
      throughputRatio(rowNamed(readRows, OURS), rowNamed(readRows, SEQUENTIAL)),
    ),
  )

  ctx.log('setMany of 100: preparing')
  const writer = ctx.ours.createCache<BenchRecord>({
    l2KeyPrefix: 'bench-set-many',
    l1Enabled: true,
    l1MaxSize: 10_000,
    l1Ttl: 3600,
    l2Ttl: 3600,
    serializer: 'json',
  })
  const bentoSet = ctx.peers.bentocache({ prefix: 'bento-set-many', l1: { maxItems: 10_000 }, l2: true })
  const managerSet = ctx.peers.cacheManager({ namespace: 'cm-set-many', l1: { lruSize: 10_000 }, l2: true })
  const writes: Array<{
    name: string
    kind: Candidate['kind']
    note?: string
    op: (i: number) => Promise<unknown>
  }> = [
    {
      name: RAW_PIPELINE,
      kind: 'baseline',
      op: (i) => {
        const pipeline = raw.pipeline()
        for (const key of rawKeys[i & KEY_MASK] as string[]) {
          pipeline.set(key, JSON.stringify(SET_VALUE), 'PX', TTL_MS)
        }
        return pipeline.exec()
      },
    },
    {
      name: 'raw ioredis 6 pipeline of SET PX, Buffer values',
      kind: 'info',
      note: 'Buffer.from(JSON.stringify(value)): the arguments a binary-safe write sends',
      op: (i) => {
        const pipeline = raw.pipeline()
        for (const key of rawKeys[i & KEY_MASK] as string[]) {
          pipeline.set(key, Buffer.from(JSON.stringify(SET_VALUE)), 'PX', TTL_MS)
        }
        return pipeline.exec()
      },
    },
    {
      name: OURS_SET,
      kind: 'ours',
      note: 'L1 + L2, serializer json; one write of 100 SET PX, timeout, breaker and header on',
      op: (i) => writer.setMany(batchOf(i).map((key) => [key, SET_VALUE] as const)),
    },
    {
      name: 'BentoCache 1.6 (no setMany: Promise.all of set)',
      kind: 'peer',
      op: (i) => Promise.all(batchOf(i).map((key) => bentoSet.set({ key, value: SET_VALUE }))),
    },
    {
      name: 'cache-manager 7 mset (memory + @keyv/redis)',
      kind: 'peer',
      op: (i) => managerSet.mset(batchOf(i).map((key) => ({ key, value: SET_VALUE }))),
    },
  ]
  ctx.log('setMany of 100: measuring')
  const writeRows = rowsFromResults(
    await measureInterleaved(
      writes.map((write) => ({
        name: write.name,
        kind: write.kind,
        ...(write.note === undefined ? {} : { note: write.note }),
        batch: sequential((i) => write.op(i)),
      })),
      ctx.ioSettings,
    ),
  )
  await assertSetsReachedRedis(raw, writer, OURS_SET)
  cases.push({
    id: 'set-many',
    title: `setMany of ${BATCH} entries, L1 + L2 (sequential)`,
    description: `Time per call of ${BATCH} writes, acknowledged by Redis.`,
    rows: writeRows,
  })
  targets.push(
    evaluateTarget(
      {
        id: 'set-many-vs-pipeline',
        label: `setMany of ${BATCH}: ours ÷ raw pipeline of SET PX + encode (throughput)`,
        comparison: '>=',
        target: 0.9,
        format: 'x',
      },
      throughputRatio(rowNamed(writeRows, OURS_SET), rowNamed(writeRows, RAW_PIPELINE)),
    ),
  )

  ctx.log('Tagged L1 hit: filling')
  const l1 = { l1Enabled: true, l1MaxSize: 10_000, l1Ttl: 3600, l2Ttl: 3600, serializer: 'json' } as const
  const untagged = ctx.ours.createCache<BenchRecord>({ l2KeyPrefix: 'bench-untagged', ...l1 })
  const tagged = ctx.ours.createCache<BenchRecord>({ l2KeyPrefix: 'bench-tagged', ...l1 })
  await untagged.setMany(KEYS.map((key, i) => [key, makeRecord(i)] as const))
  await tagged.setMany(
    KEYS.map((key, i) => [key, makeRecord(i)] as const),
    { tags: ['products', 'page:home'] },
  )
  const hitRow = (name: string, cache: typeof tagged, kind: Candidate['kind']): Candidate => {
    const hits = new HitCheck(name)
    return {
      name,
      kind,
      batch: async (ops) => {
        for (let i = 0; i < ops; i++) hits.seen(await cache.get(KEYS[i & KEY_MASK] as string))
      },
      verify: () => hits.assert(),
    }
  }
  const missesBefore = tagged.getStats().l1.misses + untagged.getStats().l1.misses
  const hitRows = rowsFromResults(
    await measureInterleaved(
      [
        hitRow('resilient-cache L1 hit, untagged', untagged, 'baseline'),
        hitRow('resilient-cache L1 hit, 2 tags', tagged, 'ours'),
      ],
      ctx.settings,
    ),
  )
  if (tagged.getStats().l1.misses + untagged.getStats().l1.misses !== missesBefore) {
    throw new Error('resilient-cache: L1 misses while timing tagged L1 hits')
  }
  cases.push({
    id: 'tagged-l1-hit',
    title: 'L1 hit on a tagged entry (sequential, one key of 1024 per call)',
    description: 'The same read of an entry carrying two tags, and of one carrying none.',
    rows: hitRows,
  })
  targets.push(
    evaluateTarget(
      {
        id: 'tagged-l1-hit-vs-untagged',
        label: 'L1 hit: tagged ÷ untagged (time)',
        comparison: '<=',
        target: 1.2,
        format: 'x',
      },
      timeRatio(
        rowNamed(hitRows, 'resilient-cache L1 hit, 2 tags'),
        rowNamed(hitRows, 'resilient-cache L1 hit, untagged'),
      ),
    ),
  )
  return { cases, targets }
}
