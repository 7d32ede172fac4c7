import { isLoopbackHost } from '@mandate/core'
import { createSsrfSafeFetch, NetError } from '@mandate/core/node'
import type { Resolver } from '@mandate/core/node'
import type { FetchLike } from '@modelcontextprotocol/client'

import { ClientError } from '../errors.ts'

/** Limits of {@link guardedDiscoveryFetch}; the defaults suit production. */
export interface GuardedFetchOptions {
  /** Development switch: allow `http:` and loopback addresses (never private or link-local ones). */
  allowLoopback?: boolean
  /** Per-request time limit (catalogue #156). Default 10 s. */
  timeoutMs?: number
  /** Largest response body accepted. Default 1 MiB. */
  maxResponseBytes?: number
  /** Name resolution, for tests. Default `dns.lookup`. */
  resolve?: Resolver
}

/**
 * Fetch for discovery, registration and token requests, whose URLs come from the server's
 * `WWW-Authenticate`, its metadata or the AS metadata. Built on `@mandate/core`'s SSRF-safe fetch:
 * `https:` only, every resolved address public (catalogue #135), the connection pinned to the
 * validated address (catalogue #136), bounded size and time. A redirect is an error here
 * (catalogue #137): discovery documents are served directly.
 */
export function guardedDiscoveryFetch(options: GuardedFetchOptions = {}): FetchLike {
  const allowLoopback = options.allowLoopback ?? false
  const safeFetch = createSsrfSafeFetch({
    timeoutMs: options.timeoutMs ?? 10_000,
    ...(options.maxResponseBytes === undefined
      ? {}
      : { maxResponseBytes: options.maxResponseBytes }),
    ...(options.resolve === undefined ? {} : { resolve: options.resolve }),
    dangerouslyAllowHttp: allowLoopback,
    dangerouslyAllowLoopback: allowLoopback,
  })
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    // Even in development, plain http only to a loopback name.
    if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
      throw blocked(`scheme ${url.protocol} refused`)
    }
    let response: Response
    try {
      response = await safeFetch(input, init)
    } catch (error) {
      if (
        error instanceof NetError &&
        (error.code === 'ERR_NET_BLOCKED' || error.code === 'ERR_NET_UNRESOLVABLE')
      ) {
        throw blocked(error.message, error)
      }
      throw error
    }
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel()
      throw blocked('redirect not followed')
    }
    return response
  }
}

function blocked(reason: string, cause?: unknown): ClientError {
  return new ClientError('ERR_CLIENT_UNSAFE_URL', `discovery request blocked: ${reason}`, {
    cause,
  })
}
