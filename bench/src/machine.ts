/** What the results were measured on, for the report header. */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import { join } from 'node:path'
import { ROOT_DIR } from './subjects/resilient-cache.js'

const requireFromBench = createRequire(import.meta.url)
const requireFromRoot = createRequire(join(ROOT_DIR, 'package.json'))

/** The version of an installed package, resolved from the bench (`bench`) or the root (`root`). */
export function packageVersion(name: string, from: 'bench' | 'root' = 'bench'): string {
  const require = from === 'bench' ? requireFromBench : requireFromRoot
  try {
    return (require(`${name}/package.json`) as { version: string }).version
  } catch {
    // Some packages do not export their package.json: read it next to the resolved entry.
    try {
      const entry = require.resolve(name)
      const dir = entry.slice(
        0,
        entry.lastIndexOf(`/node_modules/${name}/`) + `/node_modules/${name}/`.length,
      )
      return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version
    } catch {
      return 'unknown'
    }
  }
}

/** Machine, runtime and package facts of this run. */
export interface MachineInfo {
  cpuModel: string
  cores: number
  memoryGiB: number
  os: string
  node: string
  v8: string
  redis: string
  date: string
  /** 1-minute load average when the run started and ended: a hint of other work on the machine. */
  loadStart: number
  loadEnd?: number
  commit: string
  versions: Record<string, string>
}

function gitCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT_DIR,
      encoding: 'utf8',
    }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], {
      cwd: ROOT_DIR,
      encoding: 'utf8',
    }).trim()
    return dirty === '' ? commit : `${commit} (src/ modified)`
  } catch {
    return 'unknown'
  }
}

/** Collects the facts; `redisVersion` comes from the bench's server (INFO server). */
export function machineInfo(redisVersion: string, ourVersion: string): MachineInfo {
  const cpus = os.cpus()
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    redis: redisVersion,
    date: new Date().toISOString(),
    loadStart: os.loadavg()[0] ?? 0,
    commit: gitCommit(),
    versions: {
      'resilient-cache': ourVersion,
      'ioredis (ours and raw)': packageVersion('ioredis', 'root'),
      'ioredis (raw, bench)': packageVersion('ioredis6'),
      'ioredis 5 (BentoCache)': packageVersion('ioredis'),
      'lru-cache (ours)': packageVersion('lru-cache', 'root'),
      'lru-cache (raw)': packageVersion('lru-cache'),
      msgpackr: packageVersion('msgpackr', 'root'),
      bentocache: packageVersion('bentocache'),
      cacheable: packageVersion('cacheable'),
      'cache-manager': packageVersion('cache-manager'),
      keyv: packageVersion('keyv'),
      '@keyv/redis': packageVersion('@keyv/redis'),
      '@redis/client': packageVersion('@redis/client'),
    },
  }
}

/**
 * Warnings when a raw baseline runs on another version than resilient-cache does (the comparison
 * would then measure the versions, not the library).
 */
export function versionMismatches(info: MachineInfo): string[] {
  const v = info.versions
  const warnings: string[] = []
  if (v['ioredis (ours and raw)'] !== v['ioredis (raw, bench)']) {
    warnings.push(
      `raw ioredis ${v['ioredis (raw, bench)']} differs from the ${v['ioredis (ours and raw)']} resilient-cache uses`,
    )
  }
  if (v['lru-cache (ours)'] !== v['lru-cache (raw)']) {
    warnings.push(
      `raw lru-cache ${v['lru-cache (raw)']} differs from the ${v['lru-cache (ours)']} resilient-cache uses`,
    )
  }
  return warnings
}

/** The machine section of the report, as Markdown. */
export function renderMachine(info: MachineInfo): string {
  const lines = [
    `- Date: ${info.date}`,
    `- CPU: ${info.cpuModel}, ${info.cores} cores available; ${info.memoryGiB} GiB RAM; ${info.os}`,
    `- Node.js ${info.node} (V8 ${info.v8}); redis-server ${info.redis} on loopback, started by the bench`,
    `- Load average (1 min) at start / end: ${info.loadStart.toFixed(2)} / ${info.loadEnd?.toFixed(2) ?? '?'}`,
    `- resilient-cache ${info.versions['resilient-cache']} at commit ${info.commit}, measured from its build (dist/index.js)`,
    `- Versions: ${Object.entries(info.versions)
      .filter(([name]) => name !== 'resilient-cache')
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}`,
  ]
  return lines.join('\n')
}
