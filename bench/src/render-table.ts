/**
 * Text rendering of the results: aligned Markdown tables, readable on a terminal and valid in
 * `bench/results/latest.md`. Pure functions: unit-tested in `test/unit/bench-render.test.ts`.
 */
import type { CaseResult, Row, TargetResult, TargetTopic } from './report.js'
import { quantile } from './stats.js'

/** A duration in nanoseconds with a unit that keeps 3 significant digits: `12.3 ns`, `4.56 µs`, `1.20 ms`. */
export function formatDuration(ns: number): string {
  const [value, unit] =
    Math.abs(ns) < 1e3
      ? [ns, 'ns']
      : Math.abs(ns) < 1e6
        ? [ns / 1e3, 'µs']
        : Math.abs(ns) < 1e9
          ? [ns / 1e6, 'ms']
          : [ns / 1e9, 's']
  return `${significant(value)} ${unit}`
}

/** Operations per second for a time per operation: `81.3M`, `137k`, `950`. */
export function formatRate(nsPerOp: number): string {
  const perSecond = 1e9 / nsPerOp
  if (perSecond >= 1e6) return `${significant(perSecond / 1e6)}M`
  if (perSecond >= 1e3) return `${significant(perSecond / 1e3)}k`
  return significant(perSecond)
}

/** Bytes with a thousands separator: `1,107 B`. */
export function formatBytesPerEntry(bytes: number): string {
  return `${Math.round(bytes).toLocaleString('en-US')} B`
}

/** A measured value the way its target is written: `1.32x`, `0.42 %` for shares, `1.20 ms` for durations. */
export function formatRatio(value: number, format: TargetResult['format']): string {
  if (format === 'ns') return formatDuration(value)
  return format === '%' ? `${significant(value * 100)} %` : `${significant(value)}x`
}

function significant(value: number): string {
  const magnitude = Math.abs(value)
  if (magnitude >= 100) return Math.round(value).toLocaleString('en-US')
  if (magnitude >= 10) return value.toFixed(1)
  return value.toFixed(2)
}

/** Lays out rows as a Markdown table with padded columns; `align` is `l` or `r` per column. */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align: string,
): string {
  const widths = header.map((cell, column) =>
    Math.max(cell.length, 3, ...rows.map((row) => (row[column] ?? '').length)),
  )
  const pad = (cell: string, column: number): string =>
    align[column] === 'r' ? cell.padStart(widths[column] as number) : cell.padEnd(widths[column] as number)
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, column) => pad(cell, column)).join(' | ')} |`
  const rule = `|${widths.map((width, column) => (align[column] === 'r' ? `${'-'.repeat(width + 1)}:` : `${'-'.repeat(width + 2)}`)).join('|')}|`
  return [line(header), rule, ...rows.map((row) => line(row.map((cell) => cell ?? '')))].join('\n')
}

function oursOf(rows: readonly Row[]): Row | undefined {
  return rows.find((row) => row.kind === 'ours')
}

/** Rows of single-event durations (`ns/sample`): how many samples, and their p50, p99 and max. */
function sampleTable(result: CaseResult): string {
  const extra = result.extraHeading !== undefined
  const rows = result.rows.map((row) => [
    row.name,
    row.kind,
    row.samples.length.toLocaleString('en-US'),
    formatDuration(quantile(row.samples, 0.5)),
    formatDuration(quantile(row.samples, 0.99)),
    formatDuration(row.summary.max),
    ...(extra ? [row.extra ?? ''] : []),
  ])
  return markdownTable(
    ['candidate', 'role', 'samples', 'p50', 'p99', 'max', ...(extra ? [result.extraHeading as string] : [])],
    rows,
    `llrrrr${extra ? 'r' : ''}`,
  )
}

/** One case: title, description, table and the notes of its candidates. */
export function renderCase(result: CaseResult): string {
  const notes = result.rows.filter((row) => row.note !== undefined).map((row) => `- ${row.name}: ${row.note}`)
  const table = result.rows.some((row) => row.unit === 'ns/sample') ? sampleTable(result) : roundTable(result)
  return [
    `### ${result.title}`,
    '',
    result.description,
    '',
    table,
    ...(notes.length > 0 ? ['', ...notes] : []),
  ].join('\n')
}

/** Rows of per-round medians: time/op and ops/s, or bytes per entry, each also relative to ours. */
function roundTable(result: CaseResult): string {
  const ours = oursOf(result.rows)
  const isMemory = result.rows.some((row) => row.unit === 'B/entry')
  const extra = result.extraHeading !== undefined
  const header = isMemory
    ? ['candidate', 'role', 'bytes/entry', '±', '÷ ours']
    : [
        'candidate',
        'role',
        'time/op',
        '±',
        'ops/s',
        '÷ ours',
        ...(extra ? [result.extraHeading as string] : []),
      ]
  const rows = result.rows.map((row) => {
    const median = row.summary.median
    const relative =
      ours === undefined || result.rows.filter((r) => r.kind === 'ours').length > 1
        ? ''
        : `${significant(median / ours.summary.median)}x`
    const spread = `${row.summary.spreadPct.toFixed(1)}%`
    if (isMemory) return [row.name, row.kind, formatBytesPerEntry(median), spread, relative]
    return [
      row.name,
      row.kind,
      formatDuration(median),
      spread,
      formatRate(median),
      relative,
      ...(extra ? [row.extra ?? ''] : []),
    ]
  })
  const align = isMemory ? 'llrrr' : `llrrrr${extra ? 'r' : ''}`
  return markdownTable(header, rows, align)
}

const COMPARISON_TEXT = { '<=': '≤', '>=': '≥', '<': '<' } as const

/** The order in which topics are named in headings: the order of the targets table. */
const TOPIC_ORDER: readonly TargetTopic[] = ['performance', 'coherence', 'loading']

/**
 * What these targets are about, for headings: `performance`, or `performance and coherence` once
 * the coherence group's targets are among them.
 */
export function targetTopics(targets: readonly TargetResult[]): string {
  const present = new Set(targets.map((target) => target.topic ?? 'performance'))
  const topics = TOPIC_ORDER.filter((topic) => present.has(topic))
  if (topics.length <= 1) return topics[0] ?? 'performance'
  return `${topics.slice(0, -1).join(', ')} and ${topics[topics.length - 1] as TargetTopic}`
}

/** The targets table: measured ratio (median of rounds), its spread, the goal and PASS/MISS. */
export function renderTargets(targets: readonly TargetResult[]): string {
  const rows = targets.map((target) => [
    target.label,
    formatRatio(target.summary.median, target.format),
    target.summary.count > 1
      ? `${formatRatio(target.summary.min, target.format)} – ${formatRatio(target.summary.max, target.format)}`
      : '',
    `${COMPARISON_TEXT[target.comparison]} ${formatRatio(target.target, target.format)}`,
    target.pass ? 'PASS' : 'MISS',
  ])
  return markdownTable(['target', 'measured', 'range over rounds', 'goal', 'result'], rows, 'lrrrl')
}
