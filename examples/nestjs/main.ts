/**
 * resilient-cache under NestJS: `CacheModule.register({ stores: [new Keyv({ store: createKeyvStore(cache) })] })`,
 * Nest's CacheInterceptor on a controller, and a shutdown hook that closes the CacheService.
 *
 *   make example-nestjs                                 # starts a private redis-server too
 *   CACHE_REDIS_URL=redis://127.0.0.1:6379/0 PORT=3000 npm run example:nestjs
 *
 *   curl -i http://127.0.0.1:3000/products/1          # from the table, then the same response from the cache
 *   curl -i -X DELETE http://127.0.0.1:3000/products/1/cache
 *   curl http://127.0.0.1:3000/cache/stats
 *
 * Listens on 127.0.0.1 only; stops on SIGTERM or Ctrl-C.
 */
import 'reflect-metadata'
import type { AddressInfo } from 'node:net'
import { NestFactory } from '@nestjs/core'
import { CacheFactoryConfig, CacheService } from 'resilient-cache'
import { examplePort, exampleRedis, onShutdownSignal } from '../shared/example-redis.js'
import { appModule } from './app.module.js'

const redis = await exampleRedis()
const overrides = redis.privateUrl === undefined ? {} : { l2Url: redis.privateUrl }
// A bad CACHE_* variable stops the app here, naming the variable.
const service = new CacheService(
  CacheFactoryConfig.fromEnv(process.env, { l2CommandTimeout: '200ms', ...overrides }),
)
const app = await NestFactory.create(appModule(service), { logger: ['error', 'warn'] })
await app.listen(examplePort(), '127.0.0.1')
const { port } = app.getHttpServer().address() as AddressInfo
console.log(`L2: ${redis.description}`)
console.log(`NestJS example listening on http://127.0.0.1:${port}`)
// app.close() runs Nest's shutdown hooks, among them the one closing the CacheService; then the
// example's private redis-server goes. (An app with nothing else to stop calls app.enableShutdownHooks().)
onShutdownSignal(async () => {
  await app.close()
  await redis.stop()
})
