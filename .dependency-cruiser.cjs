/**
 * The layers of src/, lowest first. A module may import its own layer and the layers below it, never
 * one above; no import cycle between files. `npm run check` runs this (npm run lint:layers).
 *
 *   kernel        errors, events, logger, clock, keys, optional peers, the event emitter base,
 *                 the L2 tracing hook, the generic backend registry
 *   backends      l1/, l2/ (the backend contract and its connection settings, the entry format,
 *                 redis/{cluster,pubsub}), serializers/
 *   config        option types and defaults, validation, the env table and parsing; it looks
 *                 backend and serializer names up in the backends' registries
 *   resilience    breaker, guard, timeout, repair journal and replay
 *   invalidation  bus, publisher, tracking, the L1 side of invalidation   (may use resilience)
 *   loading       single flight, the loader flow, the distributed lock    (may use resilience)
 *   cache         the public cache class (a facade over its parts), its L2 layer, stats, the service
 *   index.ts      the public API
 *   addons        integrations, exporters, dashboard, the conformance suites: the public API only
 */
const above = (...layers) => `^src/(${layers.join('|')})`

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'No import cycle between files.', from: {}, to: { circular: true } },
    {
      name: 'kernel-imports-only-kernel',
      severity: 'error',
      from: { path: '^src/kernel/' },
      to: { path: '^src/', pathNot: '^src/kernel/' },
    },
    {
      name: 'backends-below-config',
      severity: 'error',
      from: { path: '^src/backends/' },
      to: { path: above('config', 'resilience', 'invalidation', 'loading', 'cache', 'index\\.ts', 'addons') },
    },
    {
      name: 'config-below-resilience',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: above('resilience', 'invalidation', 'loading', 'cache', 'index\\.ts', 'addons') },
    },
    {
      name: 'resilience-below-invalidation-and-loading',
      severity: 'error',
      from: { path: '^src/resilience/' },
      to: { path: above('invalidation', 'loading', 'cache', 'index\\.ts', 'addons') },
    },
    {
      name: 'invalidation-beside-loading',
      severity: 'error',
      from: { path: '^src/invalidation/' },
      to: { path: above('loading', 'cache', 'index\\.ts', 'addons') },
    },
    {
      name: 'loading-beside-invalidation',
      severity: 'error',
      from: { path: '^src/loading/' },
      to: { path: above('invalidation', 'cache', 'index\\.ts', 'addons') },
    },
    {
      name: 'cache-below-index',
      severity: 'error',
      from: { path: '^src/cache/' },
      to: { path: above('index\\.ts', 'addons') },
    },
    {
      name: 'index-below-addons',
      severity: 'error',
      from: { path: '^src/index\\.ts$' },
      to: { path: '^src/addons/' },
    },
    {
      name: 'addons-use-the-public-api-only',
      severity: 'error',
      comment:
        "Add-ons import the package's public API ('resilient-cache'), never the core's files. One exception: " +
        'the single flight, a dependency-free utility the response cache shares with getOrSet without it ' +
        'being public API.',
      from: { path: '^src/addons/' },
      to: { path: '^src/', pathNot: '^src/(addons/|index\\.ts$|loading/single-flight\\.ts$)' },
    },
    {
      name: 'src-never-imports-tests',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench|examples|scripts)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
}
