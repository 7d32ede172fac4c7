import { ConfigurationError } from '@mandate/core'

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || hostname.endsWith('.localhost')
}

/**
 * RFC 8707 §2 / RFC 3986 §6.2 canonical form used for audience and `htu` comparison: scheme and
 * host lower-cased (the URL parser does it), default port dropped, no query, no fragment, one
 * trailing slash removed. Comparing canonical strings for equality keeps path boundaries
 * (`/mcp` never matches `/mcp-admin` or `/mcp/x`, catalogue #90).
 */
export function canonicalUrl(value: string | URL): string | undefined {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return undefined
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined
  const path = url.pathname.length > 1 ? url.pathname.replace(/\/$/, '') : ''
  return `${url.protocol}//${url.host}${path}`
}

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
