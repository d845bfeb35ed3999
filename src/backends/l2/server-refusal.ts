/**
 * The error code of a command the server answered with an error reply (`NOPERM`, `NOAUTH`, `ERR`...),
 * or `undefined` for anything else (a timeout, a lost connection). A refusal is not a sign that the
 * server is unreachable: repeating the command gets the same answer until someone changes the server's
 * configuration, so it must not count against the breaker that watches the connection.
 */
export function serverRefusalCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined
  // ioredis and iovalkey report error replies as `ReplyError`; other backends are asked to do the same.
  if (error.name !== 'ReplyError') return undefined
  const code = /^[A-Z][A-Z_]*/.exec(error.message)?.[0]
  return code ?? 'ERR'
}
