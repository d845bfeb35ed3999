import { describe, expect, it } from 'vitest'
import { SingleFlight } from '../../src/loading/single-flight.js'

/** A promise the test settles by hand. */
function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

describe('SingleFlight', () => {
  it('runs fn once for concurrent callers of one key and gives each the same result', async () => {
    const flights = new SingleFlight<string>()
    const gate = deferred<string>()
    let calls = 0
    const fn = () => {
      calls++
      return gate.promise
    }
    const callers = [flights.run('k', fn), flights.run('k', fn), flights.run('k', fn)]
    expect(calls).toBe(1)
    gate.resolve('value')
    expect(await Promise.all(callers)).toEqual(['value', 'value', 'value'])
  })

  it('runs fn separately for different keys', async () => {
    const flights = new SingleFlight<string>()
    const seen: string[] = []
    const results = await Promise.all(
      ['a', 'b'].map((key) =>
        flights.run(key, async () => {
          seen.push(key)
          return key.toUpperCase()
        }),
      ),
    )
    expect(results).toEqual(['A', 'B'])
    expect(seen).toEqual(['a', 'b'])
  })

  it('invokes fn synchronously, so the caller can tell it leads the flight', async () => {
    const flights = new SingleFlight<number>()
    const gate = deferred<number>()
    let leads = false
    const first = flights.run('k', () => {
      leads = true
      return gate.promise
    })
    expect(leads).toBe(true)
    let secondLeads = false
    const second = flights.run('k', () => {
      secondLeads = true
      return 0
    })
    expect(secondLeads).toBe(false)
    gate.resolve(7)
    expect(await first).toBe(7)
    expect(await second).toBe(7)
  })

  it('rejects every waiter with the error and keeps nothing', async () => {
    const flights = new SingleFlight<string>()
    const gate = deferred<string>()
    const failing = [flights.run('k', () => gate.promise), flights.run('k', () => gate.promise)]
    const boom = new Error('boom')
    gate.reject(boom)
    for (const caller of failing) await expect(caller).rejects.toBe(boom)
    expect(flights.has('k')).toBe(false)
    expect(await flights.run('k', () => 'again')).toBe('again')
  })

  it('turns a synchronous throw of fn into a rejection and registers nothing', async () => {
    const flights = new SingleFlight<string>()
    const boom = new Error('sync boom')
    await expect(
      flights.run('k', () => {
        throw boom
      }),
    ).rejects.toBe(boom)
    expect(flights.size).toBe(0)
  })

  it('removes a key once its call settles, so the next call runs fn again', async () => {
    const flights = new SingleFlight<number>()
    let calls = 0
    const fn = async () => ++calls
    expect(await flights.run('k', fn)).toBe(1)
    expect(flights.has('k')).toBe(false)
    expect(flights.size).toBe(0)
    expect(await flights.run('k', fn)).toBe(2)
  })

  it('counts the keys in flight', async () => {
    const flights = new SingleFlight<void>()
    const gate = deferred<void>()
    const pending = [flights.run('a', () => gate.promise), flights.run('b', () => gate.promise)]
    expect(flights.size).toBe(2)
    expect(flights.has('a')).toBe(true)
    gate.resolve()
    await Promise.all(pending)
    expect(flights.size).toBe(0)
  })
})
