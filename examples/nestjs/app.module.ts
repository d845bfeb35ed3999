import { CacheModule } from '@nestjs/cache-manager'
import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common'
import Keyv from 'keyv'
import { CacheService, ResilientTwoLevelCache } from 'resilient-cache'
import { createKeyvStore } from 'resilient-cache/keyv'
import { CacheStatsController } from './cache-stats.controller.js'
import { ProductsController } from './products.controller.js'

/** Closes the CacheService when Nest shuts down (enableShutdownHooks, app.close()). */
class CacheServiceShutdown implements OnApplicationShutdown {
  constructor(@Inject(CacheService) private readonly service: CacheService) {}

  async onApplicationShutdown(): Promise<void> {
    await this.service.close()
    console.log('cache service closed')
  }
}

/** The example's root module; {@link appModule} configures it. */
@Module({})
export class AppModule {}

/** The root module around a CacheService the caller configured. */
export function appModule(service: CacheService): DynamicModule {
  const products = service.createCache({ l2KeyPrefix: 'products', l1Enabled: true, l1Ttl: 30 })
  return {
    module: AppModule,
    imports: [
      CacheModule.register({
        // Keyv's serialization off: Keyv hands the store its { value, expires } records, which the
        // cache encodes once with its own serializer (and keeps decoded in L1).
        stores: [
          new Keyv({ store: createKeyvStore(products), serialize: undefined, deserialize: undefined }),
        ],
        // cache-manager's TTLs are in milliseconds.
        ttl: 60_000,
      }),
    ],
    controllers: [ProductsController, CacheStatsController],
    providers: [
      { provide: CacheService, useValue: service },
      { provide: ResilientTwoLevelCache, useValue: products },
      CacheServiceShutdown,
    ],
  }
}
