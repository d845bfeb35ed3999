/**
 * Command-line options of the bench (`npm run bench -- <flags>`). Pure: unit-tested in
 * `test/unit/bench-render.test.ts`.
 */

/** The groups of cases, in the order they are reported (and run, but for coherence: see main.ts). */
export const GROUPS = [
  'l1',
  'l2',
  'set',
  'batch',
  'memory',
  'serializers',
  'coherence',
  'loading',
  'keyv',
  'hotpath',
] as const
export type Group = (typeof GROUPS)[number]

export interface BenchOptions {
  /** Fewer and shorter rounds: a smoke run in well under a minute, too noisy for conclusions. */
  quick: boolean
  /** Groups to run. Default: all but `hotpath` (which `--cpu-prof` adds). */
  groups: Set<Group>
  /** Write CPU profiles of resilient-cache's L2 hit and set paths to `bench/profiles/`. */
  cpuProf: boolean
  /** Rounds per case (overrides the mode's default). */
  rounds: number | undefined
  /** Write `bench/results/latest.md` and `ratios.svg` (default on; `--no-write` turns it off). */
  write: boolean
  help: boolean
}

export const USAGE = `Usage: npm run bench -- [options]   (or: make bench BENCH_ARGS="...")

  --quick            3 short rounds per case, 1 per memory candidate: a fast smoke run
  --only <groups>    comma-separated subset of: ${GROUPS.join(', ')}
                     (default: all but hotpath, which --cpu-prof adds)
  --cpu-prof         profile resilient-cache's L2 hit and set paths (bench/profiles/*.cpuprofile),
                     print their top self-time frames, and run the hotpath decomposition
  --rounds <n>       rounds per case (default 7, or 3 with --quick)
  --no-write         print only; do not write bench/results/
  --help             this text

Environment: BENCH_QUICK=1 and BENCH_CPU_PROF=1 do what --quick and --cpu-prof do.`

/** Parses argv (without the node and script paths) and the environment. Throws on unknown flags. */
export function parseOptions(
  argv: readonly string[],
  env: Record<string, string | undefined> = {},
): BenchOptions {
  const options: BenchOptions = {
    quick: env.BENCH_QUICK === '1',
    groups: new Set(GROUPS.filter((group) => group !== 'hotpath')),
    cpuProf: env.BENCH_CPU_PROF === '1',
    rounds: undefined,
    write: true,
    help: false,
  }
  let only: Set<Group> | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined]
    const value = (): string => {
      const next = inline ?? argv[++i]
      if (next === undefined || next === '') throw new Error(`${flag} needs a value`)
      return next
    }
    switch (flag) {
      case '--quick':
        options.quick = true
        break
      case '--cpu-prof':
        options.cpuProf = true
        break
      case '--no-write':
        options.write = false
        break
      case '--help':
      case '-h':
        options.help = true
        break
      case '--rounds': {
        const rounds = Number(value())
        if (!Number.isInteger(rounds) || rounds < 1)
          throw new Error(`--rounds must be an integer >= 1, got ${arg}`)
        options.rounds = rounds
        break
      }
      case '--only': {
        only = new Set()
        for (const name of value().split(',')) {
          const group = name.trim() as Group
          if (!GROUPS.includes(group))
            throw new Error(`--only: unknown group '${name}' (known: ${GROUPS.join(', ')})`)
          only.add(group)
        }
        break
      }
      default:
        throw new Error(`unknown option '${arg}'\n\n${USAGE}`)
    }
  }
  if (only !== undefined) options.groups = only
  else if (options.cpuProf) options.groups.add('hotpath')
  return options
}
