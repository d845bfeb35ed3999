import { describe, expect, it } from 'vitest'
import { CacheFactoryConfig } from '../../src/index.js'
import { recordingLogger } from '../helpers/recording-logger.js'

describe('fromEnv and unknown CACHE_* variables', () => {
  it('warns once per name through the configured logger, with the closest valid name, never the value', () => {
    const logger = recordingLogger()
    const env = { CACHE_REDIS_PORTT: 'hunter2', CACHE_REDIS_PORT: '6380', PATH: '/bin', OTHER_CACHE_X: '1' }
    const config = CacheFactoryConfig.fromEnv(env, { logger })
    CacheFactoryConfig.fromEnv(env, { logger })
    expect(config.resolved.l2Port).toBe(6380)
    expect(logger.records).toEqual([
      {
        level: 'warn',
        context: { variable: 'CACHE_REDIS_PORTT', suggestion: 'CACHE_REDIS_PORT' },
        message: 'Unknown environment variable CACHE_REDIS_PORTT ignored; did you mean CACHE_REDIS_PORT?',
      },
    ])
    expect(JSON.stringify(logger.records)).not.toContain('hunter2')
  })

  it('warns without a suggestion when no valid name is close', () => {
    const logger = recordingLogger()
    CacheFactoryConfig.fromEnv({ CACHE_SOMETHING_OF_THE_APP: '1' }, { logger })
    expect(logger.records).toMatchObject([
      {
        level: 'warn',
        context: { variable: 'CACHE_SOMETHING_OF_THE_APP' },
        message:
          'Unknown environment variable CACHE_SOMETHING_OF_THE_APP ignored (not one resilient-cache reads)',
      },
    ])
  })

  it('says nothing when every CACHE_* variable is known', () => {
    const logger = recordingLogger()
    CacheFactoryConfig.fromEnv({ CACHE_REDIS_HOST: 'cache', CACHE_INVALIDATION: 'bus' }, { logger })
    expect(logger.records).toEqual([])
  })
})
