/**
 * The chaos report: runs every fault scenario of the test suite against real redis-server processes
 * (spawned on free loopback ports, killed afterwards) and prints one table. A report, not a test: it
 * asserts nothing about time, but exits with code 1 when a call threw or a stale read was served,
 * the two things that must never happen.
 *
 *   npm run chaos                      # l2CommandTimeout 500 ms (the default), 2 s faults
 *   npm run chaos -- --timeout-ms 250 --fault-ms 5000
 */
import { cpus } from 'node:os'
import { parseArgs } from 'node:util'
import type { LatencySummary } from '../test/faults/load.js'
import { ALL_SCENARIOS, type ScenarioReport } from '../test/faults/scenarios.js'
import { RedisServer } from '../test/helpers/redis-server.js'

const { values } = parseArgs({
  options: {
    'timeout-ms': { type: 'string', default: '500' },
    'fault-ms': { type: 'string', default: '2000' },
    only: { type: 'string' },
  },
})
const commandTimeoutMs = Number(values['timeout-ms'])
const faultMs = Number(values['fault-ms'])
if (!(commandTimeoutMs > 0) || !(faultMs > 0)) {
  console.error('--timeout-ms and --fault-ms must be positive numbers of milliseconds')
  process.exit(2)
}
if (!RedisServer.isAvailable()) {
  console.error('redis-server is not installed: run ./scripts/ensure-redis-server.sh (or make chaos)')
  process.exit(2)
}

const ms = (value: number) => (value < 1 ? value.toFixed(3) : value < 10 ? value.toFixed(1) : value.toFixed(0))
const latency = (summary: LatencySummary) =>
  summary.count === 0 ? 'n/a' : `${ms(summary.p50)} / ${ms(summary.p99)} / ${ms(summary.max)}`

const rows: ScenarioReport[] = []
for (const scenario of ALL_SCENARIOS) {
  if (values.only !== undefined && scenario.name !== values.only) continue
  process.stderr.write(`running ${scenario.name}...\n`)
  rows.push(await scenario.run({ commandTimeoutMs, faultMs }))
}

const redisVersion = RedisServer.version()
console.log(
  `Chaos report, ${new Date().toISOString().slice(0, 10)}: Node.js ${process.version}, redis-server ${redisVersion}, ` +
    `${cpus().length} x ${cpus()[0]?.model.trim() ?? 'unknown CPU'}; l2CommandTimeout ${commandTimeoutMs} ms, ` +
    `faults of ${faultMs} ms, breaker threshold 3, breaker timeout 60 s.\n`,
)
console.log(
  '| Scenario | get p50 / p99 / max (ms) | set p50 / p99 / max (ms) | calls | threw | stale reads after recovery | Redis back → first L2 hit |',
)
console.log('|---|---|---|---:|---:|---:|---:|')
for (const row of rows) {
  const recovery = row.recoveryMs === undefined ? 'none' : `${ms(row.recoveryMs)} ms`
  console.log(
    `| ${row.scenario} | ${latency(row.get)} | ${latency(row.set)} | ${row.calls} | ${row.threw} | ${row.staleReads} | ${recovery} |`,
  )
}
console.log('\nLatencies are of the calls that overlapped the fault (for "slow": the round trip above the timeout).')

const failed = rows.filter((row) => row.threw > 0 || row.staleReads > 0)
for (const row of failed) console.error(`FAILED: ${row.scenario}: ${row.threw} threw, ${row.staleReads} stale`, row.errors)
process.exit(failed.length > 0 ? 1 : 0)
