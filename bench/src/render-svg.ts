/**
 * `bench/results/ratios.svg`: one bar per target, drawn by hand (no chart dependency).
 *
 * Targets differ in direction (≥ 15x, ≤ 2x, < 3 %, p99 < 5 ms) and scale, so each bar shows the
 * measured value relative to its goal: "score" = value ÷ goal for "at least" targets and goal ÷ value
 * for "at most" ones (a duration such as the stale window's p99 is one of those). 1 is exactly on
 * target; bars grow right of the target line when it is met and left when it is missed, on a log
 * scale so that 2x better and 2x worse are the same length.
 * Pure function: unit-tested in `test/unit/bench-render.test.ts`.
 */
import { formatRatio, targetTopics } from './render-table.js'
import type { TargetResult } from './report.js'

/** Score of a target: > 1 met with margin, 1 on the line, < 1 missed. */
export function targetScore(target: TargetResult): number {
  const value = target.summary.median
  if (target.comparison === '>=') return value / target.target
  // "At most": smaller is better. A zero or negative measurement (a cost lost in noise) is best.
  return value <= 0 ? Number.POSITIVE_INFINITY : target.target / value
}

/** Escapes text for SVG content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

const COMPARISON_TEXT = { '<=': '≤', '>=': '≥', '<': '<' } as const
/** The scale runs from 1/SCALE_LIMIT to SCALE_LIMIT; scores beyond it are drawn at the edge. */
const SCALE_LIMIT = 4

/** The chart as an SVG document. `subtitle` names the machine and date. */
export function renderRatiosSvg(targets: readonly TargetResult[], subtitle: string): string {
  const width = 1120
  const labelWidth = 490
  const plotWidth = 320
  const rowHeight = 30
  const top = 70
  const height = top + rowHeight * targets.length + 58
  const plotLeft = labelWidth + 10
  const centre = plotLeft + plotWidth / 2
  const halfLog = Math.log2(SCALE_LIMIT)
  const x = (score: number): number => {
    const clamped = Math.min(halfLog, Math.max(-halfLog, Math.log2(score)))
    return centre + (clamped / halfLog) * (plotWidth / 2)
  }
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="13">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="16" y="26" font-size="17" font-weight="600">resilient-cache: measured against its ${targetTopics(targets)} targets</text>`,
    `<text x="16" y="46" fill="#555">${escapeXml(subtitle)}</text>`,
  ]
  for (const tick of [1 / 4, 1 / 2, 1, 2, 4]) {
    const tx = x(tick)
    const label = tick === 1 ? 'target' : tick > 1 ? `${tick}x better` : `${1 / tick}x worse`
    parts.push(
      `<line x1="${tx}" y1="${top - 8}" x2="${tx}" y2="${top + rowHeight * targets.length}" stroke="${tick === 1 ? '#333' : '#ddd'}" stroke-width="${tick === 1 ? 1.5 : 1}"/>`,
      `<text x="${tx}" y="${top + rowHeight * targets.length + 16}" text-anchor="middle" fill="#555" font-size="11">${label}</text>`,
    )
  }
  targets.forEach((target, index) => {
    const y = top + index * rowHeight
    const score = targetScore(target)
    const end = x(score)
    // Beyond the scale the bar stops at its edge; an arrow says it goes on.
    const beyond = Math.abs(Math.log2(score)) > halfLog
    const colour = target.pass ? '#2e7d32' : '#c62828'
    const summary = `${formatRatio(target.summary.median, target.format)} (goal ${COMPARISON_TEXT[target.comparison]} ${formatRatio(target.target, target.format)}) ${target.pass ? 'PASS' : 'MISS'}`
    parts.push(
      `<text x="${labelWidth}" y="${y + 19}" text-anchor="end">${escapeXml(target.label)}</text>`,
      `<rect x="${Math.min(centre, end)}" y="${y + 7}" width="${Math.max(1, Math.abs(end - centre))}" height="16" fill="${colour}" rx="2"><title>${escapeXml(summary)}</title></rect>`,
      ...(beyond
        ? [
            `<text x="${end + (score > 1 ? 3 : -3)}" y="${y + 20}" text-anchor="${score > 1 ? 'start' : 'end'}" fill="${colour}">${score > 1 ? '▶' : '◀'}</text>`,
          ]
        : []),
      `<text x="${plotLeft + plotWidth + 24}" y="${y + 19}" fill="${colour}">${escapeXml(summary)}</text>`,
    )
  })
  parts.push(
    `<text x="${centre}" y="${top + rowHeight * targets.length + 36}" text-anchor="middle" fill="#555" font-size="11">bar: measured ÷ goal for "at least" goals, goal ÷ measured for "at most" goals (log scale)</text>`,
    '</svg>',
  )
  return `${parts.join('\n')}\n`
}
