import { CacheConfigurationError } from './errors.js'

/** Named backend factories of one level (L1 or L2); the registries behind `registerL1Backend` and co. */
export class BackendRegistry<Factory extends (...args: never[]) => unknown> {
  readonly #level: 'L1' | 'L2'
  readonly #factories: Map<string, Factory>

  constructor(level: 'L1' | 'L2', builtIns: ReadonlyArray<readonly [string, Factory]>) {
    this.#level = level
    this.#factories = new Map(builtIns)
  }

  /** Registers (or replaces) a factory; `TypeError` naming the bad argument. */
  register(name: string, factory: Factory): void {
    const caller = `register${this.#level}Backend`
    if (typeof name !== 'string' || name.length === 0) {
      throw new TypeError(`${caller}: name must be a non-empty string, got ${String(name)}`)
    }
    if (typeof factory !== 'function') {
      throw new TypeError(`${caller}: factory for '${name}' must be a function`)
    }
    this.#factories.set(name, factory)
  }

  /** The factory registered under `name`; a `CacheConfigurationError` naming `field` when there is none. */
  get(name: string, field: string): Factory {
    const factory = this.#factories.get(name)
    if (factory === undefined) {
      throw new CacheConfigurationError(
        field,
        `unknown ${this.#level} backend '${name}'; registered: ${this.names().join(', ')}`,
      )
    }
    return factory
  }

  names(): string[] {
    return [...this.#factories.keys()]
  }
}
