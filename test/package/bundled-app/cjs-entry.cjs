const { CacheService } = require('resilient-cache')
const { runApp } = require('./run-app.mjs')

runApp(CacheService).catch((error) => {
  console.error(error)
  process.exitCode = 1
})
