/**
 * Backend conformance suites: a backend author runs these from their own test files to prove that a
 * backend keeps the contract the cache relies on. They use `node:assert` and take the test runner's
 * `describe`/`it` (Vitest, Jest, Mocha and `node:test` all fit), so they bring no test framework.
 *
 * ```ts
 * import { describe, it, afterEach } from 'vitest'
 * import { runL2BackendConformance } from 'resilient-cache/testing'
 * runL2BackendConformance('my-store', () => myStoreBackend(...), { describe, it, afterEach })
 * ```
 */
import assert from 'node:assert/strict'
import type { Clock, L1Backend, L1BackendOptions, L2Backend } from 'resilient-cache'

/** The parts of a test runner the suites use. */
export interface ConformanceTestApi {
  describe(name: string, body: () => void): unknown
  it(name: string, body: () => void | Promise<void>): unknown
  /** Needed by the L2 suite to close each backend it created. */
  afterEach?(body: () => void | Promise<void>): unknown
}

/** A clock the L1 suite moves by hand. */
class ManualClock implements Clock {
  #now = 1_000_000
  now(): number {
    return this.#now
  }
  advance(ms: number): void {
    this.#now += ms
  }
}

/** Options of {@link runL1BackendConformance}. */
export interface L1ConformanceOptions {
  /** Whether the backend expires entries (like `ttl`); `false` for one that only evicts (like `lru`). */
  expires: boolean
}

/**
 * Checks an L1 backend factory: synchronous get/set/has/delete/clear, LRU eviction at `maxSize`,
 * and, when `expires`, lifetimes driven by the injected clock.
 */
export function runL1BackendConformance(
  name: string,
  create: (options: L1BackendOptions) => L1Backend,
  test: ConformanceTestApi,
  options: L1ConformanceOptions,
): void {
  const { describe, it } = test
  const make = (maxSize = 100, ttlMs = 1000) => {
    const clock = new ManualClock()
    return { clock, backend: create({ maxSize, ttlMs, clock }) }
  }

  describe(`L1 backend conformance: ${name}`, () => {
    it('returns what was set, by reference', () => {
      const { backend } = make()
      const value = { a: 1 }
      backend.set('k', value, 1000)
      assert.equal(backend.get('k'), value)
      assert.equal(backend.has('k'), true)
      assert.equal(backend.size, 1)
    })

    it('returns undefined for a missing key', () => {
      const { backend } = make()
      assert.equal(backend.get('missing'), undefined)
      assert.equal(backend.has('missing'), false)
      assert.equal(backend.remainingTtlMs('missing'), undefined)
    })

    it('overwrites a value', () => {
      const { backend } = make()
      backend.set('k', 'one', 1000)
      backend.set('k', 'two', 1000)
      assert.equal(backend.get('k'), 'two')
      assert.equal(backend.size, 1)
    })

    it('deletes and says whether something was there', () => {
      const { backend } = make()
      backend.set('k', 'v', 1000)
      assert.equal(backend.delete('k'), true)
      assert.equal(backend.delete('k'), false)
      assert.equal(backend.get('k'), undefined)
    })

    it('clears and returns how many entries there were', () => {
      const { backend } = make()
      for (let i = 0; i < 5; i++) backend.set(`k${i}`, i, 1000)
      assert.equal(backend.clear(), 5)
      assert.equal(backend.size, 0)
      assert.equal(backend.clear(), 0)
    })

    it('lists the keys it holds', () => {
      const { backend } = make()
      backend.set('a', 1, 1000)
      backend.set('b', 2, 1000)
      assert.deepEqual([...backend.keys()].sort(), ['a', 'b'])
    })

    it('evicts the least recently used entry beyond maxSize', () => {
      const { backend } = make(3)
      backend.set('a', 1, 1000)
      backend.set('b', 2, 1000)
      backend.set('c', 3, 1000)
      backend.get('a')
      backend.set('d', 4, 1000)
      assert.equal(backend.maxSize, 3)
      assert.equal(backend.size, 3)
      assert.equal(backend.has('b'), false)
      assert.equal(backend.get('a'), 1)
      assert.equal(backend.get('d'), 4)
    })

    if (options.expires) {
      it('expires an entry after its lifetime', () => {
        const { backend, clock } = make(100, 1000)
        backend.set('k', 'v', 500)
        clock.advance(499)
        assert.equal(backend.get('k'), 'v')
        clock.advance(2)
        assert.equal(backend.get('k'), undefined)
        assert.equal(backend.has('k'), false)
      })

      it('reports the remaining lifetime', () => {
        const { backend, clock } = make(100, 1000)
        backend.set('k', 'v', 800)
        clock.advance(300)
        assert.equal(backend.remainingTtlMs('k'), 500)
      })
    } else {
      it('keeps entries whatever their lifetime', () => {
        const { backend, clock } = make(100, 1000)
        backend.set('k', 'v', 10)
        clock.advance(1_000_000)
        assert.equal(backend.get('k'), 'v')
        assert.equal(backend.remainingTtlMs('k'), Number.POSITIVE_INFINITY)
      })
    }
  })
}

/** Polls `condition` every 5 ms until it holds, failing after `timeoutMs`. */
async function eventually(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/**
 * Checks an L2 backend factory against its real server: byte-exact round trips, lifetimes, `SET NX`,
 * deletes, scans by glob pattern, and close. `create` must return a backend on an empty database
 * (or one where keys starting with `conformance:` may be freely written and deleted).
 */
export function runL2BackendConformance(
  name: string,
  create: () => L2Backend | Promise<L2Backend>,
  test: ConformanceTestApi,
): void {
  const { describe, it, afterEach } = test
  const opened: L2Backend[] = []
  let run = 0
  const make = async () => {
    const backend = await create()
    opened.push(backend)
    await eventually(async () => backend.readiness() === 'ready', 5000, 'backend ready')
    return { backend, ns: `conformance:${name}:${process.pid}:${++run}:` }
  }
  afterEach?.(async () => {
    await Promise.all(opened.splice(0).map((backend) => backend.close()))
  })
  const bytes = (text: string) => new Uint8Array(Buffer.from(text))

  describe(`L2 backend conformance: ${name}`, () => {
    it('round-trips bytes exactly, including zero and high bytes', async () => {
      const { backend, ns } = await make()
      const value = new Uint8Array([0, 1, 2, 0xc1, 0xff, 0, 10, 13])
      await backend.set(`${ns}bin`, value, 10_000)
      const read = await backend.get(`${ns}bin`)
      assert.ok(read !== null)
      assert.deepEqual([...read], [...value])
    })

    it('returns null for a missing key', async () => {
      const { backend, ns } = await make()
      assert.equal(await backend.get(`${ns}missing`), null)
      assert.equal(await backend.exists(`${ns}missing`), false)
      assert.equal(await backend.remainingTtlMs(`${ns}missing`), undefined)
    })

    it('keeps the lifetime it was given', async () => {
      const { backend, ns } = await make()
      await backend.set(`${ns}ttl`, bytes('v'), 60_000)
      const remaining = await backend.remainingTtlMs(`${ns}ttl`)
      assert.ok(
        remaining !== undefined && remaining > 50_000 && remaining <= 60_000,
        `remaining ${remaining}`,
      )
      assert.equal(await backend.exists(`${ns}ttl`), true)
    })

    it('expires an entry after its lifetime', async () => {
      const { backend, ns } = await make()
      await backend.set(`${ns}short`, bytes('v'), 30)
      await eventually(async () => (await backend.get(`${ns}short`)) === null, 2000, 'entry to expire')
    })

    it('writes with setIfNotExist only when the key is missing', async () => {
      const { backend, ns } = await make()
      assert.equal(await backend.setIfNotExist(`${ns}nx`, bytes('first'), 10_000), true)
      assert.equal(await backend.setIfNotExist(`${ns}nx`, bytes('second'), 10_000), false)
      assert.equal(Buffer.from((await backend.get(`${ns}nx`)) ?? []).toString(), 'first')
    })

    it('deletes keys and counts those that existed', async () => {
      const { backend, ns } = await make()
      await backend.set(`${ns}d1`, bytes('1'), 10_000)
      await backend.set(`${ns}d2`, bytes('2'), 10_000)
      assert.equal(await backend.delete([`${ns}d1`, `${ns}d2`, `${ns}d3`]), 2)
      assert.equal(await backend.delete([]), 0)
      assert.equal(await backend.get(`${ns}d1`), null)
    })

    it('scans the keys that match a pattern, and only them', async () => {
      const { backend, ns } = await make()
      for (let i = 0; i < 25; i++) await backend.set(`${ns}in:${i}`, bytes('v'), 10_000)
      await backend.set(`${ns}out:1`, bytes('v'), 10_000)
      const found = new Set<string>()
      let cursor = '0'
      do {
        const page = await backend.scan(cursor, `${ns}in:*`, 10)
        for (const key of page.keys) found.add(key)
        cursor = page.cursor
      } while (cursor !== '0')
      assert.equal(found.size, 25)
      assert.ok(![...found].some((key) => key.includes('out:')))
    })

    it('answers a ping', async () => {
      const { backend } = await make()
      await backend.ping()
      assert.equal(backend.readiness(), 'ready')
    })

    it('closes idempotently', async () => {
      const { backend } = await make()
      await backend.close()
      await backend.close()
    })

    // The optional abilities: checked when the backend has them (see BACKEND_GUIDE.md).
    it('deleteIfEquals deletes only a key that holds the expected bytes (when supported)', async () => {
      const { backend, ns } = await make()
      if (backend.deleteIfEquals === undefined) return
      await backend.set(`${ns}lock`, bytes('token-a'), 10_000)
      assert.equal(await backend.deleteIfEquals(`${ns}lock`, bytes('token-b')), false)
      assert.equal(await backend.exists(`${ns}lock`), true)
      assert.equal(await backend.deleteIfEquals(`${ns}lock`, bytes('token-a')), true)
      assert.equal(await backend.exists(`${ns}lock`), false)
    })

    it('getPrefix returns the first bytes of a value, null for a missing key (when supported)', async () => {
      const { backend, ns } = await make()
      if (backend.getPrefix === undefined) return
      await backend.set(`${ns}entry`, bytes('header+payload'), 10_000)
      assert.deepEqual([...((await backend.getPrefix(`${ns}entry`, 6)) ?? [])], [...bytes('header')])
      assert.deepEqual(
        [...((await backend.getPrefix(`${ns}entry`, 100)) ?? [])],
        [...bytes('header+payload')],
      )
      assert.equal(await backend.getPrefix(`${ns}missing`, 6), null)
    })

    it('delivers published messages to a subscriber (when supported)', async () => {
      const { backend, ns } = await make()
      if (backend.publish === undefined || backend.subscribe === undefined) return
      const received: string[] = []
      const subscription = backend.subscribe(`${ns}channel`, {
        message: (payload) => received.push(payload),
        resubscribed: () => undefined,
      })
      try {
        // The subscription is set up in the background: publish until it is heard.
        await eventually(
          async () => {
            await backend.publish?.(`${ns}channel`, 'hello')
            return received.length > 0
          },
          5000,
          'a published message',
        )
        assert.equal(received[0], 'hello')
      } finally {
        await subscription.close()
      }
    })

    it('reports changes made by another client to a tracked prefix, not its own (when supported)', async () => {
      const { backend, ns } = await make()
      if (backend.track === undefined) return
      const { backend: other } = await make()
      const reported: string[] = []
      const subscription = backend.track(`${ns}tracked:`, {
        invalidated: (keys) => reported.push(...(keys ?? ['<flush>'])),
        resubscribed: () => undefined,
      })
      try {
        // Tracking is set up in the background: write from the other client until it is reported.
        await eventually(
          async () => {
            await other.set(`${ns}tracked:other`, bytes('v'), 10_000)
            return reported.includes(`${ns}tracked:other`)
          },
          5000,
          'a change by another client reported',
        )
        // Now tracking is on: an own write, then another one from the other client as a marker.
        await backend.set(`${ns}tracked:own`, bytes('v'), 10_000)
        await other.set(`${ns}tracked:marker`, bytes('v'), 10_000)
        await eventually(async () => reported.includes(`${ns}tracked:marker`), 5000, 'the marker reported')
        assert.ok(!reported.includes(`${ns}tracked:own`), `own write reported: ${reported.join(', ')}`)
      } finally {
        await subscription.close()
      }
    })
  })
}
