/**
 * `--cpu-prof`: CPU profiles of resilient-cache's hot paths, taken in-process through the inspector
 * after a case has been measured (so profiling never slows a measured round), one `.cpuprofile` per
 * case under `bench/profiles/` (git-ignored; open them in Chrome DevTools or speedscope), plus a
 * summary of the top self-time frames printed with the report.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { join } from 'node:path'
import type { Batch } from './measure.js'
import type { Row } from './report.js'

/** The parts of a V8 `.cpuprofile` that the summary reads. */
export interface CpuProfile {
  nodes: Array<{
    id: number
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
  }>
  startTime: number
  endTime: number
  samples: number[]
}

/** One function's share of a profile's samples. */
export interface FrameShare {
  /** `name (file:line)`. */
  frame: string
  /** Where the code comes from: ours (dist/), the Redis client, Node itself, V8 (GC, idle), other. */
  origin: 'resilient-cache' | 'ioredis' | 'node' | 'v8' | 'other'
  /** Self time: samples where this function was on top of the stack. */
  selfMs: number
  selfPct: number
}

/** Classifies a frame by its script URL (and V8's pseudo-frames by name). */
export function originOf(url: string, functionName: string): FrameShare['origin'] {
  if (url === '') return functionName.startsWith('(') ? 'v8' : 'node'
  if (/\/dist\/index\.(js|cjs)$/.test(url)) return 'resilient-cache'
  if (url.includes('/node_modules/ioredis/') || url.includes('/node_modules/redis-parser/')) return 'ioredis'
  if (url.startsWith('node:')) return 'node'
  return 'other'
}

/**
 * Self time per function, largest first: samples are attributed to the frame on top of the stack
 * and frames of the same function (name, file, line) are added up.
 */
export function topSelfFrames(profile: CpuProfile): FrameShare[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node.callFrame]))
  const counts = new Map<string, { origin: FrameShare['origin']; count: number }>()
  for (const id of profile.samples) {
    const frame = byId.get(id)
    if (frame === undefined) continue
    const file =
      frame.url === ''
        ? ''
        : ` (${frame.url.replace(/^.*\/(node_modules\/|dist\/)/, '$1')}:${frame.lineNumber + 1})`
    const key = `${frame.functionName || '(anonymous)'}${file}`
    const entry = counts.get(key) ?? { origin: originOf(frame.url, frame.functionName), count: 0 }
    entry.count++
    counts.set(key, entry)
  }
  const total = profile.samples.length
  const msPerSample = total === 0 ? 0 : (profile.endTime - profile.startTime) / 1000 / total
  return [...counts]
    .map(([frame, { origin, count }]) => ({
      frame,
      origin,
      selfMs: count * msPerSample,
      selfPct: total === 0 ? 0 : (count / total) * 100,
    }))
    .sort((a, b) => b.selfMs - a.selfMs)
}

/** Sums self time by origin, in percent of the profile. */
export function shareByOrigin(frames: readonly FrameShare[]): Record<FrameShare['origin'], number> {
  const shares = { 'resilient-cache': 0, ioredis: 0, node: 0, v8: 0, other: 0 }
  for (const frame of frames) shares[frame.origin] += frame.selfPct
  return shares
}

/** A profiled case: where its file is and what its top frames were. */
export interface ProfileSummary {
  id: string
  path: string
  operations: number
  frames: FrameShare[]
}

/** Takes CPU profiles of batches through an inspector session of this process. */
export class CpuProfiler {
  readonly #dir: string
  readonly #durationMs: number
  readonly #session = new Session()
  readonly summaries: ProfileSummary[] = []
  #started = false

  /** Profiles land in `dir`; each lasts about `durationMs` of operations. */
  constructor(dir: string, durationMs: number) {
    this.#dir = dir
    this.#durationMs = durationMs
  }

  /**
   * Runs `batch` for about the profile duration (sized from the case's measured median) under the
   * sampling profiler, and writes `<id>.cpuprofile`.
   */
  async capture(id: string, batch: Batch, measured: Row): Promise<void> {
    if (!this.#started) {
      this.#session.connect()
      await this.#session.post('Profiler.enable')
      // 100 µs between samples: fine enough for µs-scale calls, coarse enough to stay cheap.
      await this.#session.post('Profiler.setSamplingInterval', { interval: 100 })
      this.#started = true
    }
    const operations = Math.max(100, Math.round((this.#durationMs * 1e6) / measured.summary.median))
    await this.#session.post('Profiler.start')
    try {
      const pending = batch(operations)
      if (pending instanceof Promise) await pending
    } finally {
      const { profile } = await this.#session.post('Profiler.stop')
      mkdirSync(this.#dir, { recursive: true })
      const path = join(this.#dir, `${id}.cpuprofile`)
      writeFileSync(path, JSON.stringify(profile))
      this.summaries.push({ id, path, operations, frames: topSelfFrames(profile as CpuProfile) })
    }
  }

  /** Disconnects the inspector session. */
  close(): void {
    if (this.#started) this.#session.disconnect()
  }
}
