export { createKeyvStore, ResilientKeyvStore, type ResilientKeyvStoreOpts } from './keyv-store.js'
