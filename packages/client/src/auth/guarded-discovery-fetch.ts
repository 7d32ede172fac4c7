import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'

import type { FetchLike } from '@modelcontextprotocol/client'

import { ClientError } from '../errors.ts'
import { isLoopbackHostname } from '../lib/loopback.ts'
import { isPublicAddress } from '../lib/public-address.ts'

export interface GuardedFetchOptions {
  /** Development switch: allow `http:` and loopback addresses (never private or link-local ones). */
  allowLoopback?: boolean
  /** Per-request time limit (catalogue #156). Default 10 s. */
  timeoutMs?: number
  fetch?: FetchLike
}

/**
 * Fetch for discovery, registration and token requests, whose URLs come from the server's
 * `WWW-Authenticate`, its metadata or the AS metadata (catalogue #135): `https:` only, every
 * resolved address must be public, redirects are not followed (catalogue #137), bounded time.
 * The address check runs before the request; the connection itself is not pinned (catalogue #136
 * needs a pinned dispatcher: TODO switch to `@mandate/core`'s SSRF-safe fetch when it lands).
 */
export function guardedDiscoveryFetch(options: GuardedFetchOptions = {}): FetchLike {
  const next: FetchLike = options.fetch ?? ((input, init) => fetch(input, init))
  const allowLoopback = options.allowLoopback ?? false
  const timeoutMs = options.timeoutMs ?? 10_000
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    await assertAllowedTarget(url, allowLoopback)
    const signal = AbortSignal.timeout(timeoutMs)
    const response = await next(url, {
      ...init,
      redirect: 'manual',
      signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal,
    })
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel()
      throw blocked('redirect not followed')
    }
    return response
  }
}

async function assertAllowedTarget(url: URL, allowLoopback: boolean): Promise<void> {
  const loopbackName = isLoopbackHostname(url.hostname)
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowLoopback && loopbackName)) {
    throw blocked(`scheme ${url.protocol} refused`)
  }
  if (url.username !== '' || url.password !== '') throw blocked('credentials in url')
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
  const addresses =
    isIP(host) !== 0 ? [host] : (await lookup(host, { all: true })).map((a) => a.address)
  if (addresses.length === 0) throw blocked('host does not resolve')
  for (const address of addresses) {
    if (isPublicAddress(address)) continue
    if (allowLoopback && isLoopbackHostname(address)) continue
    throw blocked('non-public address refused')
  }
}

function blocked(reason: string): ClientError {
  return new ClientError('ERR_CLIENT_UNSAFE_URL', `discovery request blocked: ${reason}`)
}
