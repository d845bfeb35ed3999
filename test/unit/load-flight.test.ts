import { describe, expect, it } from 'vitest'
import { LoadFlight } from '../../src/loading/load-flight.js'

describe('LoadFlight', () => {
  it('settles once: the first outcome wins', async () => {
    const flight = new LoadFlight<string>()
    flight.resolve('first')
    flight.resolve('second')
    flight.reject(new Error('late'))
    expect(await flight.wait(undefined)).toBe('first')
  })

  it("rejects a caller whose signal aborts with the signal's reason, and tells when the last one left", async () => {
    const flight = new LoadFlight<string>()
    let allLeft = 0
    flight.onAllLeft = () => allLeft++
    const a = new AbortController()
    const b = new AbortController()
    const first = flight.wait(a.signal)
    const second = flight.wait(b.signal)
    a.abort(new Error('a left'))
    await expect(first).rejects.toThrow('a left')
    expect(allLeft).toBe(0)
    b.abort(new Error('b left'))
    await expect(second).rejects.toThrow('b left')
    expect(allLeft).toBe(1)
  })

  it('does not count a caller without a signal as able to leave', async () => {
    const flight = new LoadFlight<string>()
    let allLeft = 0
    flight.onAllLeft = () => allLeft++
    const staying = flight.wait(undefined)
    const controller = new AbortController()
    const leaving = flight.wait(controller.signal)
    controller.abort()
    await expect(leaving).rejects.toMatchObject({ name: 'AbortError' })
    expect(allLeft).toBe(0)
    flight.resolve('v')
    expect(await staying).toBe('v')
  })

  it('abandon aborts the loader signal with the reason, once', () => {
    const flight = new LoadFlight<string>()
    const reason = new Error('nobody waits')
    flight.abandon(reason)
    flight.abandon(new Error('again'))
    expect(flight.abandoned).toBe(true)
    expect(flight.controller.signal.reason).toBe(reason)
  })

  it('a rejected flight nobody waits for is no unhandled rejection', async () => {
    const flight = new LoadFlight<string>()
    flight.reject(new Error('nobody listens'))
    await new Promise((resolve) => setImmediate(resolve))
    expect(flight.settled).toBe(true)
  })
})
