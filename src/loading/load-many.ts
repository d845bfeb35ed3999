/**
 * What a `getOrSetMany` loader is given besides the keys. The loading model may add to it (such as
 * tags chosen while loading); today it names the cache.
 */
export interface LoadManyContext {
  /** The cache that asked. */
  readonly cache: string
}

/**
 * The loader of `getOrSetMany`: called once per call with only the keys that neither L1 nor L2 had,
 * it returns their values as a `Map`, or as an array aligned with `missingKeys`. A key it leaves out
 * (or maps to `undefined`) is a miss: answered `undefined` and not cached.
 */
export type LoadMissing<V> = (
  missingKeys: string[],
  ctx: LoadManyContext,
) =>
  | ReadonlyMap<string, V>
  | ReadonlyArray<V | undefined>
  | PromiseLike<ReadonlyMap<string, V> | ReadonlyArray<V | undefined>>

/** What the batch loading flow needs of its cache. */
export interface LoadManyTarget<V> {
  readonly name: string
  /** L1 then L2 for distinct keys, in their order. */
  lookUp(keys: readonly string[]): Promise<Array<V | undefined>>
}

/** Writes loaded values through (L1, then one L2 batch). */
export type WriteLoaded<V> = (entries: ReadonlyArray<readonly [string, V]>) => Promise<void>

/**
 * The loading flow of `getOrSetMany`: single flight per key, so that two overlapping calls in this
 * process never load one key twice. A call claims the keys nobody is loading, looks them up, loads
 * those still missing in one loader call, and shares each result with the calls that wait for it;
 * keys another call already claimed are awaited, not looked up again.
 */
export class LoadMany<V> {
  /** Loader calls made. */
  loads = 0
  readonly #target: LoadManyTarget<V>
  readonly #claims = new Map<string, Promise<V | undefined>>()

  constructor(target: LoadManyTarget<V>) {
    this.#target = target
  }

  /** The value of each of `keys` (validated; duplicates allowed), `undefined` for a miss. */
  async run(
    keys: readonly string[],
    loadMissing: LoadMissing<V>,
    writeLoaded: WriteLoaded<V>,
  ): Promise<Array<V | undefined>> {
    const results = new Map<string, V | undefined>()
    const waits: Array<Promise<void>> = []
    const settlers = new Map<string, { resolve(value: V | undefined): void; reject(error: unknown): void }>()
    for (const key of new Set(keys)) {
      const claim = this.#claims.get(key)
      if (claim !== undefined) {
        waits.push(claim.then((value) => void results.set(key, value)))
        continue
      }
      const flight = new Promise<V | undefined>((resolve, reject) => settlers.set(key, { resolve, reject }))
      // Its outcome reaches this call through `settle`; callers that join it handle their own copy.
      flight.catch(() => {})
      this.#claims.set(key, flight)
      waits.push(flight.then((value) => void results.set(key, value)))
    }
    const mine = [...settlers.keys()]
    try {
      if (mine.length > 0) await this.#lookUpOrLoad(mine, loadMissing, writeLoaded, settlers)
    } catch (error) {
      for (const settler of settlers.values()) settler.reject(error)
    } finally {
      for (const key of mine) this.#claims.delete(key)
    }
    await Promise.all(waits)
    return keys.map((key) => results.get(key))
  }

  async #lookUpOrLoad(
    keys: string[],
    loadMissing: LoadMissing<V>,
    writeLoaded: WriteLoaded<V>,
    settlers: Map<string, { resolve(value: V | undefined): void }>,
  ): Promise<void> {
    const found = await this.#target.lookUp(keys)
    const missing: string[] = []
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string
      const value = found[i]
      if (value === undefined) missing.push(key)
      else settlers.get(key)?.resolve(value)
    }
    if (missing.length === 0) return
    this.loads++
    const loaded = await loadMissing([...missing], { cache: this.#target.name })
    const values = valuesOf(loaded, missing)
    const entries: Array<readonly [string, V]> = []
    for (let i = 0; i < missing.length; i++) {
      const value = values[i]
      if (value !== undefined) entries.push([missing[i] as string, value])
    }
    if (entries.length > 0) await writeLoaded(entries)
    for (let i = 0; i < missing.length; i++) settlers.get(missing[i] as string)?.resolve(values[i])
  }
}

/** The loader's answer as an array aligned with `missing`; throws for anything else. */
function valuesOf<V>(
  loaded: ReadonlyMap<string, V> | ReadonlyArray<V | undefined>,
  missing: readonly string[],
): Array<V | undefined> {
  if (loaded instanceof Map) return missing.map((key) => (loaded as ReadonlyMap<string, V>).get(key))
  if (Array.isArray(loaded)) {
    if (loaded.length !== missing.length) {
      throw new TypeError(
        `getOrSetMany: loadMissing returned an array of ${loaded.length} values for ${missing.length} keys; return one per key (undefined for a miss) or a Map`,
      )
    }
    return loaded as Array<V | undefined>
  }
  throw new TypeError(
    `getOrSetMany: loadMissing must return a Map or an array aligned with its keys, got ${typeof loaded}`,
  )
}
