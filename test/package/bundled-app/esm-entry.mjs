import { CacheService } from 'resilient-cache'
import { runApp } from './run-app.mjs'

await runApp(CacheService)
