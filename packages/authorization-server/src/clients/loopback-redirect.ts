import { isLoopbackIpLiteral } from '@mandate/core'

// RFC 8252 §7.3: a native app's loopback redirect may use any port, chosen at request time.
// Only the port varies: scheme `http`, the IP literal (127.0.0.1 or [::1], never the name
// `localhost`, RFC 8252 §8.3), path and query are compared as exact strings (catalogue #1, #2).
// The host is taken from the raw string (no URL normalisation) and must be one of the literals.
const HTTP_AUTHORITY = /^http:\/\/(\[[^\]]*\]|[^/?#:@[\]]*)(?::(\d{1,5}))?([/?][^#]*)?$/

/** The URI with its port removed, or `undefined` when it is not a loopback IP-literal URI. */
function withoutPort(uri: string): string | undefined {
  const match = HTTP_AUTHORITY.exec(uri)
  if (match === null) return undefined
  const [, host = '', port, rest = ''] = match
  if (!isLoopbackIpLiteral(host)) return undefined
  if (port !== undefined && Number(port) > 65_535) return undefined
  return `http://${host}${rest}`
}

/**
 * Whether `requested` may be used as the redirect URI of a client that registered `registered`:
 * the same string, or, for a native client (RFC 8252 §7.3), the same loopback URI on another port.
 */
export function redirectUriMatches(
  registered: readonly string[],
  requested: string,
  native: boolean,
): boolean {
  if (registered.includes(requested)) return true
  if (!native) return false
  const bare = withoutPort(requested)
  return bare !== undefined && registered.some((uri) => withoutPort(uri) === bare)
}
