import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { decodeInvalidation, encodeInvalidation } from '../../src/invalidation/invalidation-message.js'
import { InvalidationPublisher, type PublishOutcome } from '../../src/invalidation/invalidation-publisher.js'

function publisher(succeeds: boolean | PublishOutcome[] = true) {
  const sent: Array<readonly string[] | null> = []
  const failed: Array<readonly string[] | null> = []
  const instance = new InvalidationPublisher(
    async (keys) => {
      sent.push(keys)
      if (Array.isArray(succeeds)) return succeeds.shift() ?? 'sent'
      return succeeds ? 'sent' : 'unreachable'
    },
    (keys) => failed.push(keys),
  )
  return { instance, sent, failed }
}

beforeEach(() => {
  vi.useFakeTimers()
})

afterEach(() => {
  vi.useRealTimers()
})

describe('InvalidationPublisher', () => {
  it('does not journal the keys of a refused message, and names the whole cache in the next one', async () => {
    const { instance, sent, failed } = publisher(['refused', 'unreachable', 'sent', 'sent'])
    instance.keyChanged('a')
    await vi.advanceTimersByTimeAsync(0)
    expect(sent).toEqual([['a']])
    instance.keyChanged('b')
    await vi.advanceTimersByTimeAsync(1)
    // Unreachable while owed: still owed, and never a journaled whole-cache clear.
    instance.keyChanged('c')
    await vi.advanceTimersByTimeAsync(1)
    instance.keyChanged('d')
    await vi.advanceTimersByTimeAsync(1)
    expect(sent).toEqual([['a'], null, null, ['d']])
    expect(failed).toEqual([])
    expect(instance.messagesSent).toBe(2)
    instance.dispose()
  })

  it('announces the changes of one tick in one message at the end of that tick', async () => {
    const { instance, sent } = publisher()
    instance.keyChanged('a')
    instance.keyChanged('b')
    instance.keyChanged('a')
    expect(sent).toEqual([])
    await vi.advanceTimersByTimeAsync(0)
    expect(sent).toEqual([['a', 'b']])
    expect(instance.messagesSent).toBe(1)
    expect(instance.keysSent).toBe(2)
    instance.dispose()
  })

  it('holds the changes of the next millisecond and sends them together when it ends', async () => {
    const { instance, sent } = publisher()
    instance.keyChanged('first')
    await vi.advanceTimersByTimeAsync(0)
    instance.keyChanged('second')
    await vi.advanceTimersByTimeAsync(0)
    instance.keyChanged('third')
    expect(sent).toEqual([['first']])
    await vi.advanceTimersByTimeAsync(1)
    expect(sent).toEqual([['first'], ['second', 'third']])
    // Quiet again: the window closes, and the next change is announced at once.
    await vi.advanceTimersByTimeAsync(5)
    instance.keyChanged('later')
    await vi.advanceTimersByTimeAsync(0)
    expect(sent.at(-1)).toEqual(['later'])
    instance.dispose()
  })

  it('announces a clear as one message for every key', async () => {
    const { instance, sent } = publisher()
    instance.keyChanged('a')
    instance.cleared()
    instance.keyChanged('b')
    await vi.advanceTimersByTimeAsync(0)
    expect(sent).toEqual([null])
    instance.dispose()
  })

  it('hands back what a failed publish carried', async () => {
    const { instance, failed } = publisher(false)
    instance.keyChanged('a')
    await vi.advanceTimersByTimeAsync(0)
    expect(failed).toEqual([['a']])
    expect(instance.messagesSent).toBe(0)
    instance.dispose()
  })

  it('leaves no timer after dispose and sends nothing more', async () => {
    const { instance, sent } = publisher()
    instance.keyChanged('a')
    await vi.advanceTimersByTimeAsync(0)
    instance.keyChanged('b')
    instance.dispose()
    expect(vi.getTimerCount()).toBe(0)
    await vi.advanceTimersByTimeAsync(10)
    expect(sent).toEqual([['a']])
  })
})

describe('invalidation messages', () => {
  it('round-trip keys, including any character, and a whole-cache clear', () => {
    const keys = ['plain', 'with "quotes"', 'with,comma', 'ünïcode', '']
    const message = { sender: 's1', cache: 'users', keys }
    expect(decodeInvalidation(encodeInvalidation(message))).toEqual(message)
    expect(decodeInvalidation(encodeInvalidation({ sender: 's1', cache: 'users', keys: null }))).toEqual({
      sender: 's1',
      cache: 'users',
      keys: null,
    })
  })

  it.each(['not json', '{}', '[1,2,3]', '["s","c",[1]]', '["s",2,null]', '["s","c","k"]'])(
    'reads %s as not a message',
    (payload) => {
      expect(decodeInvalidation(payload)).toBeUndefined()
    },
  )
})
