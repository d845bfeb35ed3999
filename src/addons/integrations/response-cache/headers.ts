import type { KeyedRequest } from './key.js'

/**
 * Headers in the one shape the framework-neutral code uses: a list of `[name, value]` pairs with
 * lower-case names, a header that has several values appearing once per value. Node.js, Fastify and
 * the Fetch API (Hono) each have their own shape; the converters below are the only places that know.
 */
export type HeaderEntries = Array<[name: string, value: string]>

/** Headers as Node.js `res.getHeaders()` and Fastify `reply.getHeaders()` return them. */
export type NodeHeaders = Record<string, number | string | readonly string[] | undefined>

/** Converts Node.js-style headers (values may be numbers or arrays) to {@link HeaderEntries}. */
export function fromNodeHeaders(headers: NodeHeaders): HeaderEntries {
  const entries: HeaderEntries = []
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    const lower = name.toLowerCase()
    if (Array.isArray(value)) for (const item of value) entries.push([lower, String(item)])
    else entries.push([lower, String(value)])
  }
  return entries
}

/** Converts Fetch API headers to {@link HeaderEntries}, keeping each `Set-Cookie` separate. */
export function fromFetchHeaders(headers: Headers): HeaderEntries {
  const entries: HeaderEntries = []
  for (const [name, value] of headers) entries.push([name.toLowerCase(), value])
  return entries
}

/**
 * Groups entries by name for `res.setHeader(name, value)`: one value stays a string, several become
 * an array, so that repeated headers (`Link`, `Vary`) survive a round trip.
 */
export function toNodeHeaders(entries: HeaderEntries): Record<string, string | string[]> {
  const grouped: Record<string, string | string[]> = {}
  for (const [name, value] of entries) {
    const current = grouped[name]
    if (current === undefined) grouped[name] = value
    else if (Array.isArray(current)) current.push(value)
    else grouped[name] = [current, value]
  }
  return grouped
}

/** Every value of one header (name in lower case), in order. */
export function headerValues(entries: HeaderEntries, name: string): string[] {
  const values: string[] = []
  for (const [entryName, value] of entries) if (entryName === name) values.push(value)
  return values
}

/**
 * What the key is built from, for a Node.js request (Express, Fastify): repeated headers joined;
 * `host` as the framework resolved it (under its trust-proxy setting).
 */
export function keyedNodeRequest(
  method: string,
  target: string,
  host: string | undefined,
  headers: Record<string, string | string[] | undefined>,
): KeyedRequest {
  return {
    method,
    target,
    host,
    header: (name) => {
      const value = headers[name]
      return Array.isArray(value) ? value.join(', ') : value
    },
  }
}
