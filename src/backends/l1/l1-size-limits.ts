/**
 * Largest `l1MaxSize`: ten million entries. An L1 that large holds gigabytes of values already; a
 * larger bound is more likely a unit mistake (bytes for entries) than a plan.
 */
export const MAX_L1_MAX_SIZE = 10_000_000

/**
 * Up to this many entries the lru-cache L1 reserves its index up front (`max`: typed arrays of that
 * length, about 32 bytes an entry, 3.3 MB here), which keeps its writes fastest. Above, it bounds
 * the count through `maxSize` instead and its index grows with what it holds: an empty cache at
 * {@link MAX_L1_MAX_SIZE} costs nothing, where a reserved index would take 321 MB.
 */
export const PREALLOCATED_L1_MAX_SIZE = 100_000
