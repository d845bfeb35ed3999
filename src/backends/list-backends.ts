import { listL1Backends } from './l1/registry.js'
import { listL2Backends } from './l2/registry.js'

/** Names of the registered L1 and L2 backends. */
export function listBackends(): { l1: string[]; l2: string[] } {
  return { l1: listL1Backends(), l2: listL2Backends() }
}
