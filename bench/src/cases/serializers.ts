/**
 * Serializer cost: encode + decode of one value, for each built-in serializer (json, v8, msgpack)
 * and three sizes; and what the L2 entry header adds on top of the payload, compared with the time
 * of an L2 hit.
 */
import type { BenchContext, GroupResult } from '../context.js'
import { makeRecord, makeValueOfSize, sameData } from '../data.js'
import { type Candidate, measureInterleaved } from '../measure.js'
import { type Row, rowNamed, rowsFromResults, type TargetResult } from '../report.js'
import { pairwise } from '../stats.js'
import { createEntryCodec, getSerializer, type Serializer } from '../subjects/resilient-cache.js'
import { evaluateTarget } from '../targets.js'

const SERIALIZERS = ['json', 'v8', 'msgpack'] as const
const SIZES = [
  { label: 'small (~70 B)', value: makeRecord(12_345) },
  { label: '10 KB', value: makeValueOfSize(10 * 1024) },
  { label: '1 MB', value: makeValueOfSize(1024 * 1024) },
] as const
/** Far-future expiry for the header's expiry field. */
const EXPIRES_AT_MS = Date.now() + 3_600_000

let sink: unknown

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(2)} MiB`
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`
  return `${bytes} B`
}

/** Runs the serializer and header cases; the header target needs the L2 hit time (`l2HitSequentialNs`). */
export async function runSerializers(
  ctx: BenchContext,
  l2HitSequentialNs: number | undefined,
): Promise<GroupResult> {
  const candidates: Candidate[] = []
  const encodedSizes = new Map<string, string>()
  for (const size of SIZES) {
    for (const name of SERIALIZERS) {
      const serializer = getSerializer(name)
      const bytes = serializer.encode(size.value)
      if (!sameData(serializer.decode(bytes), size.value))
        throw new Error(`${name}: round trip changed the value`)
      const label = `${name}, ${size.label}`
      encodedSizes.set(label, formatBytes(bytes.length))
      const value = size.value
      candidates.push({
        name: label,
        kind: 'ours',
        batch: (ops) => {
          for (let i = 0; i < ops; i++) sink = serializer.decode(serializer.encode(value))
        },
      })
    }
  }
  ctx.log('Serializers: measuring encode + decode')
  const serializerRows = rowsFromResults(await measureInterleaved(candidates, ctx.settings)).map((row) => ({
    ...row,
    extra: encodedSizes.get(row.name) ?? '',
  }))

  // The header alone: the same small value through the entry codec and through the bare serializer,
  // interleaved, per serializer. The per-round difference is the header's cost.
  const headerCandidates: Candidate[] = []
  const small = SIZES[0].value
  for (const name of SERIALIZERS) {
    const serializer: Serializer = getSerializer(name)
    const codec = createEntryCodec(serializer, { maxValueBytes: 8 * 1024 * 1024 })
    headerCandidates.push(
      {
        name: `${name} payload only`,
        kind: 'baseline',
        batch: (ops) => {
          for (let i = 0; i < ops; i++) sink = serializer.decode(serializer.encode(small))
        },
      },
      {
        name: `${name} header + payload`,
        kind: 'ours',
        batch: (ops) => {
          for (let i = 0; i < ops; i++) sink = codec.decode(codec.encode(small, EXPIRES_AT_MS)).value
        },
      },
    )
  }
  ctx.log('Entry header: measuring')
  const headerRows = rowsFromResults(await measureInterleaved(headerCandidates, ctx.settings))
  const headerCostNs = (name: string): number[] =>
    pairwise(
      rowNamed(headerRows, `${name} header + payload`).samples,
      rowNamed(headerRows, `${name} payload only`).samples,
      (a, b) => a - b,
    )
  const withCost: Row[] = headerRows.map((row) => {
    if (row.kind !== 'ours') return row
    const name = row.name.split(' ')[0] as string
    const cost = headerCostNs(name).sort((a, b) => a - b)
    const median = cost[Math.floor(cost.length / 2)] as number
    return { ...row, extra: `header: ${median >= 0 ? '+' : ''}${median.toFixed(0)} ns` }
  })
  if (sink === undefined) throw new Error('serializers: nothing was decoded')

  const targets: TargetResult[] = []
  if (l2HitSequentialNs !== undefined) {
    targets.push(
      evaluateTarget(
        {
          id: 'header-share',
          label: 'Entry header (json, small): its cost ÷ L2 hit time',
          comparison: '<',
          target: 0.03,
          format: '%',
        },
        headerCostNs('json').map((ns) => ns / l2HitSequentialNs),
      ),
    )
  }
  return {
    cases: [
      {
        id: 'serializers',
        title: 'Serializers: encode + decode of one value',
        description:
          'One encode and one decode per op, no I/O. The 10 KB and 1 MB values are arrays of records (JSON size).',
        rows: serializerRows,
        extraHeading: 'encoded',
      },
      {
        id: 'entry-header',
        title: 'Entry header: the small value with and without it',
        description:
          'encode + decode through the entry codec (header: magic, version, flags, expiry, serializer name) vs the bare serializer; the difference is the header cost.',
        rows: withCost,
        extraHeading: 'difference',
      },
    ],
    targets,
  }
}
