/** What every case receives from the runner. */
import type { MeasureSettings } from './measure.js'
import type { CpuProfiler } from './profile.js'
import type { CaseResult, TargetResult } from './report.js'
import type { Peers, RedisTarget } from './subjects/peers.js'
import type { CacheService } from './subjects/resilient-cache.js'

export interface BenchContext {
  settings: MeasureSettings
  /** `settings` for cases with Redis round trips: each round cut into slices (see `MeasureSettings.slices`). */
  ioSettings: MeasureSettings
  redis: RedisTarget
  peers: Peers
  /** The one resilient-cache service of the run (one per process, as the library intends). */
  ours: CacheService
  /** Set with `--cpu-prof`: cases then profile resilient-cache's hot paths after measuring them. */
  profiler: CpuProfiler | undefined
  /** Progress lines (stderr), so stdout carries only the report. */
  log: (line: string) => void
  /** Whether `--quick` is on (cases that spawn processes do fewer rounds). */
  quick: boolean
}

/** What a group of cases returns. */
export interface GroupResult {
  cases: CaseResult[]
  targets: TargetResult[]
  /** Values later groups need (the L2 hit time, for the header's share). */
  facts?: Record<string, number>
}
