import { describe, expect, it } from 'vitest'
import { parseOptions } from '../src/options.js'
import { type CpuProfile, originOf, shareByOrigin, topSelfFrames } from '../src/profile.js'
import { escapeXml, renderRatiosSvg, targetScore } from '../src/render-svg.js'
import {
  formatDuration,
  formatRate,
  formatRatio,
  markdownTable,
  renderCase,
  renderTargets,
  targetTopics,
} from '../src/render-table.js'
import type { CaseResult, Row } from '../src/report.js'
import { summarize } from '../src/stats.js'
import { evaluateTarget, meets, throughputRatio, timeRatio } from '../src/targets.js'

function row(name: string, kind: Row['kind'], samples: number[], unit: Row['unit'] = 'ns/op'): Row {
  return { name, kind, unit, samples, summary: summarize(samples) }
}

describe('bench number formatting', () => {
  it('picks a time unit that keeps three significant digits', () => {
    expect(formatDuration(12.34)).toBe('12.3 ns')
    expect(formatDuration(4_560)).toBe('4.56 µs')
    expect(formatDuration(27_400)).toBe('27.4 µs')
    expect(formatDuration(1_200_000)).toBe('1.20 ms')
  })

  it('turns a time per operation into operations per second', () => {
    expect(formatRate(12.3)).toBe('81.3M')
    expect(formatRate(7_300)).toBe('137k')
    expect(formatRate(2_000_000)).toBe('500')
  })

  it('writes factors with an x, shares in percent and durations with their unit', () => {
    expect(formatRatio(1.5, 'x')).toBe('1.50x')
    expect(formatRatio(0.0123, '%')).toBe('1.23 %')
    expect(formatRatio(5e6, 'ns')).toBe('5.00 ms')
  })
})

describe('bench targets', () => {
  it('compares in the direction the target states', () => {
    expect(meets(2, '<=', 2)).toBe(true)
    expect(meets(2, '<', 2)).toBe(false)
    expect(meets(0.89, '>=', 0.9)).toBe(false)
  })

  it('computes time ratios and throughput ratios round by round', () => {
    const ours = row('ours', 'ours', [110, 100])
    const raw = row('raw', 'baseline', [100, 90])
    expect(timeRatio(ours, raw)).toEqual([1.1, 100 / 90])
    expect(throughputRatio(ours, raw)).toEqual([100 / 110, 0.9])
  })

  it('decides PASS or MISS on the median of the per-round ratios', () => {
    const spec = {
      id: 't',
      label: 'ours ÷ raw',
      comparison: '>=' as const,
      target: 0.9,
      format: 'x' as const,
    }
    expect(evaluateTarget(spec, [0.5, 0.95, 0.97]).pass).toBe(true)
    expect(evaluateTarget(spec, [0.5, 0.6, 0.97]).pass).toBe(false)
  })
})

describe('bench tables', () => {
  it('pads columns and right-aligns the numeric ones', () => {
    const table = markdownTable(
      ['name', 'n'],
      [
        ['a', '1'],
        ['long name', '100'],
      ],
      'lr',
    )
    expect(table.split('\n')).toEqual([
      '| name      |   n |',
      '|-----------|----:|',
      '| a         |   1 |',
      '| long name | 100 |',
    ])
  })

  it('shows each row against ours and lists the notes under the table', () => {
    const result: CaseResult = {
      id: 'l1-hit',
      title: 'L1 hit',
      description: 'Time per read.',
      rows: [
        row('Map.get', 'baseline', [10, 10, 10]),
        { ...row('ours', 'ours', [100, 100, 100]), note: 'json' },
      ],
    }
    const text = renderCase(result)
    expect(text).toContain('### L1 hit')
    expect(text).toMatch(/\| Map\.get +\| baseline \| +10\.0 ns \| +0\.0% \| +100M \| +0\.10x \|/)
    expect(text).toContain('- ours: json')
  })

  it('shows memory rows in bytes per entry', () => {
    const result: CaseResult = {
      id: 'mem',
      title: 'Memory',
      description: '',
      rows: [row('lru', 'baseline', [200], 'B/entry'), row('ours', 'ours', [1107], 'B/entry')],
    }
    expect(renderCase(result)).toContain('1,107 B')
  })

  it('shows single-event samples as p50, p99 and max, with the extra column', () => {
    const samples = Array.from({ length: 100 }, (_, i) => (i + 1) * 10_000)
    const result: CaseResult = {
      id: 'stale',
      title: 'Stale window',
      description: '',
      rows: [
        {
          ...row("invalidation: 'bus'", 'ours', samples, 'ns/sample'),
          extra: '0.90 ms – 1.00 ms',
          note: 'none lost',
        },
      ],
      extraHeading: 'p99 per round',
    }
    const text = renderCase(result)
    expect(text).toContain(
      '| candidate           | role | samples |    p50 |    p99 |     max |     p99 per round |',
    )
    expect(text).toMatch(
      /\| invalidation: 'bus' \| ours \| +100 \| 505 µs \| 990 µs \| 1\.00 ms \| 0\.90 ms – 1\.00 ms \|/,
    )
    expect(text).toContain("- invalidation: 'bus': none lost")
  })

  it('marks each target PASS or MISS with its goal', () => {
    const spec = {
      id: 'h',
      label: 'header share',
      comparison: '<' as const,
      target: 0.03,
      format: '%' as const,
    }
    const text = renderTargets([evaluateTarget(spec, [0.01, 0.012, 0.011])])
    expect(text).toMatch(/\| header share \| +1\.10 % \| +1\.00 % – 1\.20 % \| +< 3\.00 % \| PASS +\|/)
  })

  it('states a latency goal as a duration', () => {
    const spec = {
      id: 'stale-window-bus',
      topic: 'coherence' as const,
      label: 'stale window, bus: p99',
      comparison: '<' as const,
      target: 5e6,
      format: 'ns' as const,
    }
    const text = renderTargets([evaluateTarget(spec, [200_000, 6e6, 300_000])])
    expect(text).toMatch(
      /\| stale window, bus: p99 \| +300 µs \| +200 µs – 6\.00 ms \| < 5\.00 ms \| PASS +\|/,
    )
  })

  it('names what the targets are about', () => {
    const spec = { id: 't', label: 't', comparison: '>=' as const, target: 1, format: 'x' as const }
    const coherence = { ...spec, topic: 'coherence' as const }
    expect(targetTopics([])).toBe('performance')
    expect(targetTopics([evaluateTarget(spec, [1])])).toBe('performance')
    expect(targetTopics([evaluateTarget(coherence, [1])])).toBe('coherence')
    expect(targetTopics([evaluateTarget(coherence, [1]), evaluateTarget(spec, [1])])).toBe(
      'performance and coherence',
    )
    const loading = { ...spec, topic: 'loading' as const }
    expect(
      targetTopics([evaluateTarget(loading, [1]), evaluateTarget(coherence, [1]), evaluateTarget(spec, [1])]),
    ).toBe('performance, coherence and loading')
  })
})

describe('bench ratios chart', () => {
  const spec = { id: 'a', label: 'A <b>', comparison: '>=' as const, target: 15, format: 'x' as const }

  it('scores a target as how far it is met: above 1 met, below 1 missed', () => {
    expect(targetScore(evaluateTarget(spec, [30]))).toBe(2)
    const atMost = { ...spec, comparison: '<=' as const, target: 2 }
    expect(targetScore(evaluateTarget(atMost, [4]))).toBe(0.5)
    expect(targetScore(evaluateTarget(atMost, [0]))).toBe(Number.POSITIVE_INFINITY)
    // A latency goal is an "at most" one: p99 of 1 ms against < 5 ms is met 5x over.
    const latency = { ...spec, comparison: '<' as const, target: 5e6, format: 'ns' as const }
    expect(targetScore(evaluateTarget(latency, [1e6]))).toBe(5)
  })

  it('draws one escaped, coloured bar per target', () => {
    const svg = renderRatiosSvg(
      [evaluateTarget(spec, [30]), evaluateTarget({ ...spec, id: 'b' }, [5])],
      'x & y',
    )
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    expect(svg).toContain('A &lt;b&gt;')
    expect(svg).toContain('x &amp; y')
    expect(svg.match(/<rect x=/g)).toHaveLength(2)
    expect(svg).toContain('fill="#2e7d32"')
    expect(svg).toContain('fill="#c62828"')
    expect(escapeXml('"')).toBe('&quot;')
    expect(svg).toContain('measured against its performance targets')
    const both = renderRatiosSvg(
      [evaluateTarget(spec, [30]), evaluateTarget({ ...spec, topic: 'coherence' }, [30])],
      '',
    )
    expect(both).toContain('measured against its performance and coherence targets')
  })
})

describe('bench options', () => {
  it('runs every group but hotpath by default, in full mode', () => {
    const options = parseOptions([])
    expect(options.quick).toBe(false)
    expect([...options.groups]).toEqual([
      'l1',
      'l2',
      'set',
      'batch',
      'memory',
      'serializers',
      'coherence',
      'loading',
      'keyv',
    ])
  })

  it('adds the hotpath decomposition to a profiling run', () => {
    expect(parseOptions(['--cpu-prof']).groups.has('hotpath')).toBe(true)
    expect(parseOptions([], { BENCH_CPU_PROF: '1' }).cpuProf).toBe(true)
  })

  it('takes --only as a list, with a space or an equals sign', () => {
    expect([...parseOptions(['--only', 'l2,set']).groups]).toEqual(['l2', 'set'])
    expect([...parseOptions(['--only=memory']).groups]).toEqual(['memory'])
    expect([...parseOptions(['--only', 'coherence', '--quick']).groups]).toEqual(['coherence'])
  })

  it('rejects unknown flags, groups and bad round counts', () => {
    expect(() => parseOptions(['--fast'])).toThrow(/unknown option '--fast'/)
    expect(() => parseOptions(['--only', 'l3'])).toThrow(/unknown group 'l3'/)
    expect(() => parseOptions(['--rounds', '0'])).toThrow(/--rounds/)
  })
})

describe('bench CPU profile summary', () => {
  const frame = (functionName: string, url: string, lineNumber = 0) => ({
    functionName,
    url,
    lineNumber,
    columnNumber: 0,
  })
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)', '') },
      { id: 2, callFrame: frame('withTimeout', 'file:///repo/dist/index.js', 9) },
      { id: 3, callFrame: frame('parse', 'file:///repo/node_modules/ioredis/built/x.js') },
      { id: 4, callFrame: frame('(garbage collector)', '') },
    ],
    startTime: 0,
    endTime: 4_000,
    samples: [2, 2, 3, 4],
  }

  it('tells our frames from the client’s, Node’s and V8’s', () => {
    expect(originOf('file:///repo/dist/index.js', 'run')).toBe('resilient-cache')
    expect(originOf('node:internal/timers', 'insert')).toBe('node')
    expect(originOf('', '(program)')).toBe('v8')
  })

  it('ranks functions by self time', () => {
    const frames = topSelfFrames(profile)
    expect(frames[0]).toEqual({
      frame: 'withTimeout (dist/index.js:10)',
      origin: 'resilient-cache',
      selfMs: 2,
      selfPct: 50,
    })
    expect(shareByOrigin(frames)).toEqual({ 'resilient-cache': 50, ioredis: 25, node: 0, v8: 25, other: 0 })
  })
})
