import { isLoopbackHost } from '@mandate/core'

// Redirect URIs a client may register (DCR) or declare (CIMD), beyond oidc-provider's own
// checks (catalogue #3, #144): no whitespace or control characters anywhere, no fragment,
// https; http only for loopback hosts (RFC 8252 §7.3); otherwise only a private-use scheme
// in reverse-domain form (RFC 8252 §7.1), which excludes javascript:, data:, file: and kin.
const PRIVATE_USE_SCHEME = /^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:$/

/** Whether a client may register or declare `uri` as a redirect URI (the rules above). */
export function redirectUriAcceptable(uri: unknown): boolean {
  if (typeof uri !== 'string' || uri.length === 0 || uri.length > 2000) return false
  for (let i = 0; i < uri.length; i++) {
    const code = uri.charCodeAt(i)
    if (code <= 0x20 || code === 0x7f || code === 0x5c) return false
  }
  const url = URL.parse(uri)
  if (url === null || uri.includes('#')) return false
  if (url.protocol === 'https:') return true
  if (url.protocol === 'http:') return isLoopbackHost(url.hostname)
  return PRIVATE_USE_SCHEME.test(url.protocol)
}
