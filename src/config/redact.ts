/** What a secret is replaced with wherever configuration is shown: inspect, JSON, logs, errors. */
export const REDACTED = '[redacted]'

/** Fields of `l2Tls` (tls.connect options) that are secrets; a certificate or a server name is not. */
const TLS_SECRETS = new Set(['key', 'passphrase', 'pfx', 'psk', 'pskCallback'])

/**
 * The URL with its password replaced by {@link REDACTED}. Works on text that is not a valid URL too:
 * everything between the first `:` of the user info and the last `@` is hidden.
 */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z\d+.-]*:\/\/)(.*)@/is, (_match, scheme: string, userInfo: string) => {
    const colon = userInfo.indexOf(':')
    return colon === -1 ? `${scheme}${userInfo}@` : `${scheme}${userInfo.slice(0, colon)}:${REDACTED}@`
  })
}

/**
 * A copy of service options (given or resolved) that is safe to print or serialise: the password and
 * the URL's password, and the secret TLS fields, are {@link REDACTED}; a passed-in client (whose own
 * options hold the password) and the logger are named, not shown; a serializer is shown by its name.
 */
export function redactServiceOptions(options: object): Record<string, unknown> {
  const shown: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined) continue
    if (name === 'l2Password') shown[name] = REDACTED
    else if (name === 'l2Url' && typeof value === 'string') shown[name] = redactUrl(value)
    else if (name === 'l2Tls' && typeof value === 'object' && value !== null) {
      shown[name] = Object.fromEntries(
        Object.entries(value).map(([field, setting]) => [field, TLS_SECRETS.has(field) ? REDACTED : setting]),
      )
    } else if (name === 'l2Client') shown[name] = '[client]'
    else if (name === 'logger') shown[name] = '[logger]'
    else if (name === 'serializer' && typeof value === 'object' && value !== null) {
      shown[name] = (value as { name?: unknown }).name
    } else shown[name] = value
  }
  return shown
}
