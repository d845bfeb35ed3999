import { describe, expect, it } from 'vitest'
import { resolveResponseCachePolicy } from '../../src/addons/integrations/response-cache/options.js'
import { createEntryCodec, EntryDecodeError } from '../../src/backends/l2/entry-format.js'
import { jsonSerializer } from '../../src/backends/serializers/index.js'
import { carriesTag, fromL1, toL1, WrappedL1Entry } from '../../src/cache/l1-values.js'
import { isInvalidatedByTags } from '../../src/cache/tag-keys.js'
import { decodeInvalidation, encodeInvalidation } from '../../src/invalidation/invalidation-message.js'
import { assertValidKeys, MAX_BATCH_KEYS } from '../../src/kernel/batch-keys.js'
import { MAX_TAG_BYTES, resolveEntryTags, resolveTagsToDelete } from '../../src/kernel/tags.js'
import { LoadMany } from '../../src/loading/load-many.js'
import { RepairJournal } from '../../src/resilience/repair-journal.js'

const codec = createEntryCodec(jsonSerializer, { maxValueBytes: 4096 })
const EXPIRES_AT_MS = 1_800_000_000_000

describe('tagged entries in the L2 format', () => {
  it('round-trip their tags and write time', () => {
    const bytes = codec.encode({ a: 1 }, EXPIRES_AT_MS, {
      tags: ['products', 'page:ü'],
      writtenAtMs: 1_700_000_000_001.5,
    })
    expect(codec.decode(bytes)).toEqual({
      value: { a: 1 },
      expiresAtMs: EXPIRES_AT_MS,
      tags: ['products', 'page:ü'],
      writtenAtMs: 1_700_000_000_001.5,
    })
  })

  it('leave an untagged entry byte for byte as before', () => {
    const untagged = codec.encode('v', EXPIRES_AT_MS)
    expect(untagged[3]).toBe(1)
    expect(codec.decode(untagged)).toEqual({ value: 'v', expiresAtMs: EXPIRES_AT_MS })
  })

  it('report a cut tags section as truncated', () => {
    const bytes = codec.encode('v', EXPIRES_AT_MS, { tags: ['abc'], writtenAtMs: 1 })
    const headerAndName = 13 + 'json'.length
    for (const length of [headerAndName + 4, headerAndName + 10, headerAndName + 12]) {
      const error = (() => {
        try {
          codec.decode(bytes.subarray(0, length))
        } catch (caught) {
          return caught
        }
      })()
      expect(error).toBeInstanceOf(EntryDecodeError)
      expect((error as EntryDecodeError).reason).toBe('truncated')
    }
  })

  it('are covered by a deleteByTag at or after their write, not before', () => {
    const entry = { value: 1, expiresAtMs: EXPIRES_AT_MS, tags: ['a', 'b'], writtenAtMs: 1000 }
    expect(isInvalidatedByTags(entry, new Map([['b', 1000]]))).toBe(true)
    expect(isInvalidatedByTags(entry, new Map([['a', 999]]))).toBe(false)
    expect(isInvalidatedByTags(entry, new Map())).toBe(false)
    expect(isInvalidatedByTags({ value: 1, expiresAtMs: EXPIRES_AT_MS }, new Map([['a', 5000]]))).toBe(false)
  })
})

describe('tags in L1', () => {
  it('are kept beside the value, which callers get unwrapped (null included)', () => {
    const stored = toL1(null, false, ['t'])
    expect(fromL1(stored, false)).toBeNull()
    expect(carriesTag(stored, new Set(['t']))).toBe(true)
    expect(carriesTag(stored, new Set(['u']))).toBe(false)
    expect(carriesTag(toL1('plain', false), new Set(['t']))).toBe(false)
  })

  it('share one wrapper with the expiry kept for grace and eagerRefresh; plain values stay bare', () => {
    expect(toL1('plain', false)).toBe('plain')
    const timed = new WrappedL1Entry(toL1('v', false), 2000, 1500, 60_000, true, ['t'])
    expect(fromL1(timed, false)).toBe('v')
    expect(carriesTag(timed, new Set(['t']))).toBe(true)
    const timedUntagged = new WrappedL1Entry(toL1('v', false), 2000, 1500, 60_000, true, undefined)
    expect(carriesTag(timedUntagged, new Set(['t']))).toBe(false)
    const tagged = toL1('v', false, ['t']) as WrappedL1Entry
    expect(tagged).toBeInstanceOf(WrappedL1Entry)
    expect(tagged.timed).toBe(false)
    expect(tagged.freshUntilMs).toBe(Number.POSITIVE_INFINITY)
  })
})

describe('tag and key validation', () => {
  it('accepts tags once each, and treats an empty list as none', () => {
    expect(resolveEntryTags(['a', 'b', 'a'], 'set')).toEqual(['a', 'b'])
    expect(resolveEntryTags([], 'set')).toBeUndefined()
    expect(resolveTagsToDelete('one')).toEqual(['one'])
  })

  it('names the call and the index of a bad tag', () => {
    expect(() => resolveEntryTags(['a', 5], 'set')).toThrow(
      'set: tags[1] must be a non-empty string, got number',
    )
    expect(() => resolveEntryTags('a', 'setMany')).toThrow('setMany: tags must be an array of strings')
    expect(() => resolveEntryTags(['x'.repeat(MAX_TAG_BYTES + 1)], 'set')).toThrow(/longer than 512 bytes/)
    expect(() => resolveTagsToDelete([''])).toThrow(/deleteByTag: tags\[0\]/)
  })

  it('names the index of a bad key and refuses too large a batch', () => {
    expect(() => assertValidKeys(['a', ''], 0, 'getMany')).toThrow(
      /^getMany: keys\[1\]: Cache key must be a non-empty string/,
    )
    expect(() => assertValidKeys(new Set(['a']), 0, 'getMany')).toThrow(/keys must be an array/)
    expect(() => assertValidKeys(new Array(MAX_BATCH_KEYS + 1).fill('k'), 0, 'deleteMany')).toThrow(
      /deleteMany: at most 10000 keys per call, got 10001/,
    )
    expect(() => assertValidKeys(['a', 'a'], 0, 'getMany')).not.toThrow()
  })
})

describe('tag invalidations on the bus', () => {
  it('travel as a fourth element, and a plain message stays three', () => {
    const plain = encodeInvalidation({ sender: 's', cache: 'c', keys: ['k'] })
    expect(JSON.parse(plain)).toHaveLength(3)
    const tagged = encodeInvalidation({ sender: 's', cache: 'c', keys: [], tags: ['t'] })
    expect(decodeInvalidation(tagged)).toEqual({ sender: 's', cache: 'c', keys: [], tags: ['t'] })
    expect(decodeInvalidation(JSON.stringify(['s', 'c', [], [1]]))).toBeUndefined()
  })
})

describe('the repair journal with tags', () => {
  it('keeps a deleteByTag that missed L2 until its replay, and marks the tags pending meanwhile', () => {
    const journal = new RepairJournal(10)
    journal.recordTags(['a', 'b'])
    expect(journal.hasPendingTag(['x', 'b'])).toBe(true)
    expect(journal.size).toBe(2)
    const plan = journal.plan()
    journal.recordTags(['a'])
    journal.completeTags(plan.tags)
    // 'a' was recorded again during the replay: it stays.
    expect(journal.hasPendingTag(['a'])).toBe(true)
    expect(journal.hasPendingTag(['b'])).toBe(false)
  })

  it('degrades to a prefix clear when tags and keys exceed its bound', () => {
    const journal = new RepairJournal(2)
    journal.recordKey('k')
    journal.recordTags(['a', 'b'])
    expect(journal.clearPending).toBe(true)
  })
})

describe('LoadMany', () => {
  it('shares a key between overlapping calls and loads each key once', async () => {
    const loads: string[][] = []
    const flows = new LoadMany<string>({ name: 'c', lookUp: async (keys) => keys.map(() => undefined) })
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const load = async (missing: string[]) => {
      loads.push(missing)
      await gate
      return new Map(missing.map((key) => [key, key.toUpperCase()]))
    }
    const written: string[] = []
    const write = async (entries: ReadonlyArray<readonly [string, string]>) => {
      written.push(...entries.map(([key]) => key))
    }
    const first = flows.run(['a', 'b'], load, write)
    await Promise.resolve()
    const second = flows.run(['b', 'c', 'c'], load, write)
    await new Promise((resolve) => setImmediate(resolve))
    release()
    expect(await first).toEqual(['A', 'B'])
    expect(await second).toEqual(['B', 'C', 'C'])
    expect(loads).toEqual([['a', 'b'], ['c']])
    expect(written.sort()).toEqual(['a', 'b', 'c'])
    expect(flows.loads).toBe(2)
  })

  it('hands a load error to every call waiting on its keys', async () => {
    const flows = new LoadMany<string>({ name: 'c', lookUp: async (keys) => keys.map(() => undefined) })
    const failing = flows.run(
      ['a'],
      async () => {
        await new Promise((resolve) => setImmediate(resolve))
        throw new Error('boom')
      },
      async () => {},
    )
    const joined = flows.run(
      ['a'],
      async () => new Map(),
      async () => {},
    )
    await expect(failing).rejects.toThrow('boom')
    await expect(joined).rejects.toThrow('boom')
  })
})

describe('response cache tags option', () => {
  it('takes a list or a function, and names a bad value', () => {
    expect(resolveResponseCachePolicy({ tags: ['products'] }).tags).toEqual(['products'])
    const byRequest = () => ['pages']
    expect(resolveResponseCachePolicy({ tags: byRequest }).tags).toBe(byRequest)
    expect(() => resolveResponseCachePolicy({ tags: [''] })).toThrow(/responseCache\.tags: expected an array/)
    expect(() => resolveResponseCachePolicy({ tags: 'products' as unknown as string[] })).toThrow(
      /responseCache\.tags/,
    )
  })
})
