import { EventEmitter } from 'node:events'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { reviveWhenEnded } from '../../src/backends/l2/redis/revive-ended-client.js'

/** A client that ends, and whose connect() fails (ending again) until told to succeed. */
class EndingClient extends EventEmitter {
  status = 'ready'
  connects = 0
  succeed = false

  async connect(): Promise<void> {
    this.connects++
    if (this.succeed) {
      this.status = 'ready'
      this.emit('ready')
      return
    }
    this.end()
    throw new Error('All sentinels are unreachable')
  }

  end(): void {
    this.status = 'end'
    this.emit('end')
  }
}

beforeEach(() => {
  vi.useFakeTimers()
})

afterEach(() => {
  vi.useRealTimers()
})

describe('reviveWhenEnded', () => {
  it('connects a client that ended by itself again, backing off while that fails', async () => {
    const client = new EndingClient()
    reviveWhenEnded(client, () => false)
    client.end()
    await vi.advanceTimersByTimeAsync(50)
    expect(client.connects).toBe(1)
    await vi.advanceTimersByTimeAsync(99)
    expect(client.connects).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(client.connects).toBe(2)
    client.succeed = true
    await vi.advanceTimersByTimeAsync(200)
    expect(client.connects).toBe(3)
    expect(client.status).toBe('ready')
    // Ready again: the next end starts over from the shortest pause.
    client.end()
    await vi.advanceTimersByTimeAsync(50)
    expect(client.connects).toBe(4)
  })

  it('leaves a client that was closed on purpose ended, and leaves nothing behind when undone', async () => {
    const client = new EndingClient()
    let closed = false
    const undo = reviveWhenEnded(client, () => closed)
    closed = true
    client.end()
    await vi.advanceTimersByTimeAsync(1000)
    expect(client.connects).toBe(0)

    closed = false
    client.end()
    undo()
    expect(vi.getTimerCount()).toBe(0)
    expect(client.listenerCount('end')).toBe(0)
  })
})
