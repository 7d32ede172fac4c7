import { isIP } from 'node:net'

/** Loopback by name or address (RFC 6761 §6.3, RFC 8252 §7.3). */
export function isLoopbackHostname(hostname: string): boolean {
  const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname
  if (host === 'localhost' || host.endsWith('.localhost')) return true
  if (isIP(host) === 4) return host.startsWith('127.')
  if (isIP(host) === 6) return host === '::1'
  return false
}
