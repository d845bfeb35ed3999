import { CACHE_MANAGER, CacheInterceptor } from '@nestjs/cache-manager'
import {
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  ParseIntPipe,
  UseInterceptors,
} from '@nestjs/common'
import type { Cache } from 'cache-manager'
import { findProduct, type Product } from './products.js'

/** `GET /products/:id` cached by Nest's CacheInterceptor (key: the URL) in resilient-cache. */
@Controller('products')
export class ProductsController {
  constructor(@Inject(CACHE_MANAGER) private readonly cacheManager: Cache) {}

  @Get(':id')
  @UseInterceptors(CacheInterceptor)
  getProduct(@Param('id', ParseIntPipe) id: number): Product {
    const product = findProduct(id)
    if (product === undefined) throw new NotFoundException('no such product')
    return product
  }

  /** Drops the cached response of a product (after an update, say). */
  @Delete(':id/cache')
  @HttpCode(204)
  async forget(@Param('id', ParseIntPipe) id: number): Promise<void> {
    await this.cacheManager.del(`/products/${id}`)
  }
}
