// Type-checked in the express consumer projects (against that major's @types/express, with no
// skipLibCheck): the published declarations of resilient-cache/express compile there.
import express, { type Request, type Response } from 'express'
import { ExpressCacheService, getCacheService } from 'resilient-cache/express'

const app = express()
const cache = new ExpressCacheService({ config: { l2Url: 'redis://127.0.0.1:6379/0' } })
cache.initApp(app)
app.get('/products', cache.responseCache({ ttl: 30 }), (req: Request, res: Response) => {
  res.json({ page: req.query.page, connected: getCacheService(req).getStats().l2.connected })
})
app.get('/health', cache.healthHandler())
app.use('/cache/dashboard', cache.dashboard())
