import { describe, expect, it } from 'vitest'
import { DeferredL2Backend, UNLOADABLE_STATUS } from '../../src/backends/l2/deferred-backend.js'
import type { L2Backend, L2Readiness, L2Subscription } from '../../src/backends/l2/l2-backend.js'
import type { Logger } from '../../src/kernel/logger.js'

/** A stand-in for the loaded backend: pure bookkeeping, no I/O. */
class FakeBackend implements L2Backend {
  readonly name = 'fake'
  status = 'connecting'
  closed = false
  subscribed: string[] = []
  unsubscribed: string[] = []
  readonly #readyListeners = new Set<() => void>()

  readiness(): L2Readiness {
    return this.status === 'ready' ? 'ready' : 'connecting'
  }
  onReady(listener: () => void): () => void {
    this.#readyListeners.add(listener)
    return () => this.#readyListeners.delete(listener)
  }
  becomeReady(): void {
    this.status = 'ready'
    for (const listener of this.#readyListeners) listener()
  }
  async get(key: string): Promise<Uint8Array | null> {
    return new TextEncoder().encode(key)
  }
  async set(): Promise<void> {}
  async setIfNotExist(): Promise<boolean> {
    return true
  }
  async delete(keys: readonly string[]): Promise<number> {
    return keys.length
  }
  async exists(): Promise<boolean> {
    return true
  }
  async remainingTtlMs(): Promise<number | undefined> {
    return 1000
  }
  async scan(): Promise<{ cursor: string; keys: string[] }> {
    return { cursor: '0', keys: [] }
  }
  async ping(): Promise<void> {}
  async close(): Promise<void> {
    this.closed = true
  }
  subscribe(channel: string): L2Subscription {
    this.subscribed.push(channel)
    return { close: async () => void this.unsubscribed.push(channel) }
  }
}

function deferred<T>(): { promise: Promise<T>; resolve(value: T): void; reject(error: unknown): void } {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

function recordingLogger(): { logger: Logger; errors: string[] } {
  const errors: string[] = []
  const ignore = () => {}
  return {
    errors,
    logger: {
      debug: ignore,
      info: ignore,
      warn: ignore,
      error: (context) => errors.push(String(context.error)),
    },
  }
}

const listener = { message() {}, resubscribed() {} }

describe('DeferredL2Backend', () => {
  it('is connecting while its library loads, then answers through the loaded backend', async () => {
    const loading = deferred<L2Backend>()
    const backend = new DeferredL2Backend('redis', loading.promise, recordingLogger().logger)
    expect(backend.status).toBe('loading')
    expect(backend.readiness()).toBe('connecting')
    const pending = backend.get('k')
    const fake = new FakeBackend()
    loading.resolve(fake)
    expect(new TextDecoder().decode((await pending) ?? undefined)).toBe('k')
    expect(backend.status).toBe('connecting')
    fake.becomeReady()
    expect(backend.readiness()).toBe('ready')
  })

  it("tells its ready listeners when the loaded backend's connection is ready, at once if it already is", async () => {
    const loading = deferred<L2Backend>()
    const backend = new DeferredL2Backend('redis', loading.promise, recordingLogger().logger)
    let readyCalls = 0
    backend.onReady(() => readyCalls++)
    const fake = new FakeBackend()
    fake.status = 'ready'
    loading.resolve(fake)
    await loading.promise
    expect(readyCalls).toBe(1)
    fake.becomeReady()
    expect(readyCalls).toBe(2)
  })

  it('stays down when the library cannot load: logs once, and every command rejects with the error', async () => {
    const failure = new Error("needs the optional package 'ioredis'")
    const { logger, errors } = recordingLogger()
    const backend = new DeferredL2Backend('redis', Promise.reject(failure), logger)
    await expect(backend.get('k')).rejects.toBe(failure)
    await expect(backend.ping()).rejects.toBe(failure)
    expect(backend.status).toBe(UNLOADABLE_STATUS)
    expect(backend.readiness()).toBe('down')
    expect(errors).toEqual([failure.message])
  })

  it('subscribes once loaded, and a subscription closed before that is never made', async () => {
    const loading = deferred<L2Backend>()
    const backend = new DeferredL2Backend('redis', loading.promise, recordingLogger().logger)
    const kept = backend.subscribe('kept', listener)
    const dropped = backend.subscribe('dropped', listener)
    const droppedClosed = dropped.close()
    const fake = new FakeBackend()
    loading.resolve(fake)
    await droppedClosed
    await loading.promise
    expect(fake.subscribed).toEqual(['kept'])
    await kept.close()
    expect(fake.unsubscribed).toEqual(['kept'])
  })

  it('closes a backend that finishes loading after close()', async () => {
    const loading = deferred<L2Backend>()
    const backend = new DeferredL2Backend('redis', loading.promise, recordingLogger().logger)
    await backend.close()
    const fake = new FakeBackend()
    loading.resolve(fake)
    await loading.promise
    await Promise.resolve()
    expect(fake.closed).toBe(true)
  })
})
