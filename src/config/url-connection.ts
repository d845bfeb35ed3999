import { CacheConfigurationError } from '../kernel/errors.js'
import { describeValue } from './validate.js'

/** The connection fields of a service once `l2Url` and the separate options are merged. */
export interface UrlConnectionFields {
  l2Host: string
  l2Port: number
  l2Db: number
  l2Username: string | undefined
  l2Password: string | undefined
  l2Tls: boolean | Record<string, unknown>
}

/** The separate options, validated, and whether each was given (rather than defaulted). */
export interface SeparateConnectionFields extends UrlConnectionFields {
  given: { l2Db: boolean; l2Tls: boolean }
}

const DEFAULT_PORT = 6379

/**
 * Merges `l2Url` with the separate connection options, so that the resolved configuration says what
 * the client really uses. The URL names the server (host and port win over `l2Host` / `l2Port`). A
 * database, user name or password given only one way is used (a URL without a password plus
 * `l2Password` authenticates); given both ways, the two must agree. TLS follows the scheme:
 * `rediss://` (`valkeys://`) with `l2Tls` false, or `redis://` with `l2Tls` set, is a contradiction.
 * @throws CacheConfigurationError naming the option that contradicts the URL (never showing a password).
 */
export function mergeUrlConnection(
  rawUrl: string,
  separate: SeparateConnectionFields,
  label: (name: 'l2Url' | 'l2Db' | 'l2Username' | 'l2Password' | 'l2Tls') => string,
): UrlConnectionFields {
  const url = new URL(rawUrl)
  const path = url.pathname.replace(/^\//, '')
  const urlDb = path === '' ? undefined : Number(path)
  if (urlDb !== undefined && separate.given.l2Db && urlDb !== separate.l2Db) {
    throw new CacheConfigurationError(
      label('l2Db'),
      `${separate.l2Db} contradicts database ${urlDb} in ${label('l2Url')}; give the database one way`,
    )
  }
  const urlUser = url.username === '' ? undefined : decodeURIComponent(url.username)
  if (urlUser !== undefined && separate.l2Username !== undefined && urlUser !== separate.l2Username) {
    throw new CacheConfigurationError(
      label('l2Username'),
      `${describeValue(separate.l2Username)} contradicts the user name in ${label('l2Url')}; give it one way`,
    )
  }
  const urlPassword = url.password === '' ? undefined : decodeURIComponent(url.password)
  if (urlPassword !== undefined && separate.l2Password !== undefined && urlPassword !== separate.l2Password) {
    throw new CacheConfigurationError(
      label('l2Password'),
      `contradicts the password in ${label('l2Url')}; give it one way`,
    )
  }
  const secure = url.protocol === 'rediss:' || url.protocol === 'valkeys:'
  if (separate.given.l2Tls && secure && separate.l2Tls === false) {
    throw new CacheConfigurationError(
      label('l2Tls'),
      `false contradicts the ${url.protocol}// scheme of ${label('l2Url')}, which means TLS; use ${url.protocol.replace('s:', ':')}// for a plain connection`,
    )
  }
  if (!secure && separate.l2Tls !== false) {
    throw new CacheConfigurationError(
      label('l2Tls'),
      `is set, but ${label('l2Url')} uses ${url.protocol}//, which means no TLS; use ${url.protocol.replace(':', 's:')}// (l2Tls may still carry tls.connect options)`,
    )
  }
  return {
    // URL keeps the brackets of an IPv6 host; a socket address wants them off.
    l2Host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    l2Port: url.port === '' ? DEFAULT_PORT : Number(url.port),
    l2Db: urlDb ?? separate.l2Db,
    l2Username: urlUser ?? separate.l2Username,
    l2Password: urlPassword ?? separate.l2Password,
    l2Tls: secure ? (separate.l2Tls === false ? true : separate.l2Tls) : false,
  }
}
