/**
 * `npm run bench`: resilient-cache beside raw lru-cache, raw ioredis, BentoCache, cacheable and
 * cache-manager, in one process against one redis-server that this script starts on a free
 * loopback port (never 6379) and kills by pid when it ends, also on an error or a signal.
 *
 * Prints the report on stdout (progress goes to stderr) and writes `bench/results/latest.md` and
 * `bench/results/ratios.svg`. See bench/README.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { RedisServer } from '../../test/helpers/redis-server.js'
import { runBatches } from './cases/batches.js'
import { runCoherence } from './cases/coherence.js'
import { runHotpath } from './cases/hotpath.js'
import { runKeyv } from './cases/keyv.js'
import { runL1Hit } from './cases/l1-hit.js'
import { runL2 } from './cases/l2.js'
import { runLoading } from './cases/loading.js'
import { runMemory } from './cases/memory.js'
import { runSerializers } from './cases/serializers.js'
import type { BenchContext, GroupResult } from './context.js'
import { machineInfo, renderMachine, versionMismatches } from './machine.js'
import type { MeasureSettings } from './measure.js'
import { type BenchOptions, parseOptions, USAGE } from './options.js'
import { CpuProfiler, type ProfileSummary, shareByOrigin } from './profile.js'
import { renderRatiosSvg } from './render-svg.js'
import { markdownTable, renderCase, renderTargets, targetTopics } from './render-table.js'
import type { CaseResult, TargetResult } from './report.js'
import { Peers } from './subjects/peers.js'
import { assertBuildIsCurrent, createOurService, ourVersion, ROOT_DIR } from './subjects/resilient-cache.js'

const BENCH_DIR = join(ROOT_DIR, 'bench')
const RESULTS_DIR = join(BENCH_DIR, 'results')
const PROFILES_DIR = join(BENCH_DIR, 'profiles')

function settingsFor(options: BenchOptions): MeasureSettings {
  const base = options.quick
    ? { rounds: 3, roundMs: 40, warmupMs: 100 }
    : { rounds: 7, roundMs: 120, warmupMs: 300 }
  return { ...base, rounds: options.rounds ?? base.rounds }
}

function renderProfiles(summaries: readonly ProfileSummary[]): string {
  const sections = summaries.map((summary) => {
    const shares = shareByOrigin(summary.frames)
    const ours = summary.frames.filter((frame) => frame.origin === 'resilient-cache').slice(0, 10)
    const overall = summary.frames.slice(0, 8)
    const table = (frames: typeof ours): string =>
      markdownTable(
        ['frame', 'origin', 'self ms', 'self %'],
        frames.map((frame) => [
          frame.frame,
          frame.origin,
          frame.selfMs.toFixed(1),
          `${frame.selfPct.toFixed(1)}%`,
        ]),
        'llrr',
      )
    const shareText = Object.entries(shares)
      .map(([origin, pct]) => `${origin} ${pct.toFixed(1)}%`)
      .join(', ')
    return [
      `### ${summary.id} (${summary.operations.toLocaleString('en-US')} operations, ${summary.path})`,
      '',
      `Self time by origin: ${shareText}.`,
      '',
      'Top frames of resilient-cache:',
      '',
      table(ours),
      '',
      'Top frames overall:',
      '',
      table(overall),
    ].join('\n')
  })
  return ['## CPU profiles (self time)', '', ...sections].join('\n\n')
}

async function redisVersionOf(server: RedisServer): Promise<string> {
  const info = await server.command('INFO', 'server')
  return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown'
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2), process.env)
  if (options.help) {
    console.log(USAGE)
    return
  }
  assertBuildIsCurrent()
  if ((globalThis as { gc?: unknown }).gc === undefined) {
    console.warn('note: run with node --expose-gc (npm run bench does) so rounds start from a collected heap')
  }
  const startedAt = performance.now()
  const log = (line: string): void => {
    process.stderr.write(
      `[bench ${((performance.now() - startedAt) / 1000).toFixed(0).padStart(3)}s] ${line}\n`,
    )
  }
  if (!RedisServer.isAvailable())
    throw new Error('redis-server is not installed: run ./scripts/ensure-redis-server.sh')

  const server = new RedisServer()
  let peers: Peers | undefined
  let service: ReturnType<typeof createOurService> | undefined
  let profiler: CpuProfiler | undefined
  try {
    await server.start()
    log(`redis-server pid ${server.pid} on ${server.url}`)
    const machine = machineInfo(await redisVersionOf(server), ourVersion())
    for (const warning of versionMismatches(machine)) console.warn(`warning: ${warning}`)
    const redis = { host: server.host, port: server.port, url: server.url }
    peers = new Peers(redis)
    service = createOurService(redis.url)
    profiler = options.cpuProf ? new CpuProfiler(PROFILES_DIR, options.quick ? 500 : 2000) : undefined
    const settings = settingsFor(options)
    const ctx: BenchContext = {
      settings,
      // Slices of ~20 ms: short enough to spread scheduler drift over all candidates, long enough
      // that starting and draining 100 calls in flight stays a small part of each.
      ioSettings: { ...settings, slices: options.quick ? 2 : 6 },
      redis,
      peers,
      ours: service,
      profiler,
      log,
      quick: options.quick,
    }

    const cases: CaseResult[] = []
    const targets: TargetResult[] = []
    const collect = (group: GroupResult): void => {
      cases.push(...group.cases)
      targets.push(...group.targets)
    }
    const groups = options.groups
    // Coherence runs first and is reported in its place: its instances must be alone on the bus
    // channel, and the shared service subscribes to it as soon as a group makes an L1 + L2 cache.
    const coherence = groups.has('coherence') ? await runCoherence(ctx) : undefined
    let l2HitSequentialNs: number | undefined
    if (groups.has('l1')) collect(await runL1Hit(ctx))
    if (groups.has('l2') || groups.has('set')) {
      const l2 = await runL2(ctx, { get: groups.has('l2'), set: groups.has('set') })
      l2HitSequentialNs = l2.facts?.l2HitSequentialNs
      collect(l2)
    }
    if (groups.has('batch')) collect(await runBatches(ctx))
    if (groups.has('memory')) collect(await runMemory(ctx))
    if (groups.has('serializers')) collect(await runSerializers(ctx, l2HitSequentialNs))
    if (coherence !== undefined) collect(coherence)
    if (groups.has('loading')) collect(await runLoading(ctx))
    if (groups.has('keyv')) collect(await runKeyv(ctx))
    if (groups.has('hotpath')) collect(await runHotpath(ctx))

    machine.loadEnd = os.loadavg()[0] ?? 0
    const method =
      `${settings.rounds} rounds per case after ≥ ${settings.warmupMs} ms of warm-up per candidate; ` +
      `~${settings.roundMs} ms per round and candidate; candidates interleaved (the first one rotates each round), ` +
      `and in the Redis cases each round is cut into ${ctx.ioSettings.slices} slices taken in turn; ` +
      'a full GC before each round, and an event-loop turn and a young-generation GC before each timed slice. Time/op and ops/s are medians of the rounds; ± is half the ' +
      "min–max range in % of the median; '÷ ours' is the candidate's median over resilient-cache's. " +
      'Ratios are medians of per-round ratios.'
    const report = [
      '# resilient-cache benchmarks',
      '',
      renderMachine(machine),
      `- Mode: ${options.quick ? 'quick (smoke run: too short for conclusions)' : 'full'}; total time ${((performance.now() - startedAt) / 1000).toFixed(0)} s`,
      '',
      `Method: ${method}`,
      '',
      `## Targets (${targetTopics(targets)})`,
      '',
      targets.length > 0 ? renderTargets(targets) : '(no target in the groups that ran)',
      '',
      '## Cases',
      '',
      cases.map(renderCase).join('\n\n'),
      ...(profiler === undefined ? [] : ['', renderProfiles(profiler.summaries)]),
      '',
    ].join('\n')
    process.stdout.write(report)

    if (options.write) {
      mkdirSync(RESULTS_DIR, { recursive: true })
      writeFileSync(join(RESULTS_DIR, 'latest.md'), report)
      const subtitle = `${machine.date.slice(0, 10)} · ${machine.cpuModel}, ${machine.cores} cores · Node ${machine.node} · redis ${machine.redis}${options.quick ? ' · quick run' : ''}`
      writeFileSync(join(RESULTS_DIR, 'ratios.svg'), renderRatiosSvg(targets, subtitle))
      log(`wrote ${join('bench', 'results', 'latest.md')} and ratios.svg`)
    }
  } finally {
    profiler?.close()
    await service?.close()
    await peers?.closeAll()
    await server.stop()
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
