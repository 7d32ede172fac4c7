import { ConfigurationError, isLoopbackHost } from '@mandate/core'

/** Refuses plain HTTP outside loopback (OAuth 2.1 §1.5; MCP authorization "Communication Security"). */
export function requireSecureUrl(key: string, value: string | URL): URL {
  let url: URL
  try {
    url = new URL(value)
  } catch (cause) {
    throw new ConfigurationError(key, 'not an absolute URL', { cause })
  }
  if (url.hash !== '') throw new ConfigurationError(key, 'must not contain a fragment')
  if (url.protocol === 'https:') return url
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return url
  throw new ConfigurationError(key, 'must use https outside loopback')
}
