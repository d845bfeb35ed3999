import { Controller, Get, Inject } from '@nestjs/common'
import { type CacheStats, ResilientTwoLevelCache } from 'resilient-cache'

/** `GET /cache/stats`: the products cache's statistics (not cached itself). */
@Controller('cache')
export class CacheStatsController {
  constructor(@Inject(ResilientTwoLevelCache) private readonly products: ResilientTwoLevelCache) {}

  @Get('stats')
  stats(): CacheStats {
    return this.products.getStats()
  }
}
