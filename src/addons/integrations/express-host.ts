import type { Request } from 'express'

/** The compiled `trust proxy` setting Express keeps beside it (Express 4 and 5 alike). */
type TrustProxy = (address: string | undefined, hop: number) => boolean

/**
 * The host a request is for, port included, as Express 5's `req.host` resolves it: `X-Forwarded-Host`
 * (its first value) when the app's `trust proxy` setting trusts the peer, else `Host`. Written out
 * because Express 4's `req.host` is a deprecated alias of `req.hostname`, which drops the port.
 */
export function expressHost(req: Request): string | undefined {
  const trust = req.app.get('trust proxy fn') as TrustProxy | undefined
  const forwarded = req.get('x-forwarded-host')
  if (forwarded !== undefined && forwarded !== '' && trust?.(req.socket.remoteAddress, 0) === true) {
    const comma = forwarded.indexOf(',')
    return comma === -1 ? forwarded : forwarded.slice(0, comma).trimEnd()
  }
  const host = req.get('host')
  return host === '' ? undefined : host
}
