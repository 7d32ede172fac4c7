// "This machine" has three distinct meanings in Mandate's URL policy, kept apart on purpose:
// a URL host that names the local machine (plain http stays on it), the two IP literals whose
// port alone may vary in a native app's redirect URI, and a listen address that keeps a server
// off the network. Each has one function here; no package writes its own host set.

const IPV4_OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)'
const LOOPBACK_IPV4 = new RegExp(`^127(?:\\.${IPV4_OCTET}){3}$`)

/**
 * The names a server on loopback is commonly reached by, in URL host form (`URL.host` without
 * the port): what a loopback resource accepts in `Host` besides its own host (MCP transports,
 * DNS-rebinding protection).
 */
export const LOOPBACK_HOST_ALIASES: readonly string[] = Object.freeze([
  'localhost',
  '127.0.0.1',
  '[::1]',
])

/**
 * Whether a URL's host (as `URL.hostname` serialises it: lower case, IPv6 in brackets) names
 * this machine, so that plain `http` never leaves it: the name `localhost`, an IPv4 address in
 * `127.0.0.0/8`, or `[::1]`. This is where OAuth 2.1 §1.5, RFC 8252 §8.3 and the MCP
 * authorization spec allow `http`. `*.localhost` (RFC 6761 §6.3) does not count: not every
 * browser or resolver keeps such names on loopback, and an authorization code sent to one must
 * not leave the machine. Look-alikes such as `127.0.0.1.example.com` or `localhost.example.com`
 * are not loopback.
 *
 * @example
 * ```ts
 * isLoopbackHost(new URL('http://127.0.0.1:8080/cb').hostname) // true
 * isLoopbackHost(new URL('http://localhost.example.com/').hostname) // false
 * ```
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase()
  return host === 'localhost' || host === '[::1]' || LOOPBACK_IPV4.test(host)
}

/**
 * Whether a URL host is one of the two loopback IP literals of RFC 8252 §7.3, `127.0.0.1` or
 * `[::1]`, compared as exact strings: the only hosts whose redirect URI may differ from the
 * registered one in its port. Never the name `localhost` (RFC 8252 §8.3) and no other address of
 * `127.0.0.0/8`.
 */
export function isLoopbackIpLiteral(host: string): boolean {
  return host === '127.0.0.1' || host === '[::1]'
}

/**
 * Whether a listen address (the `host` given to `server.listen`) keeps the server on this
 * machine: the name `localhost`, an IPv4 address in `127.0.0.0/8`, or `::1` (bracketed or not).
 * It differs from {@link isLoopbackHost} only in taking `::1` without brackets, as `listen` does.
 */
export function isLoopbackListenHost(host: string): boolean {
  const value = host.toLowerCase()
  if (value === 'localhost' || value === '::1' || value === '[::1]') return true
  return LOOPBACK_IPV4.test(value)
}
