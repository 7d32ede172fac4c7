import { isLoopbackHost } from '@mandate/core'
import { createSsrfSafeFetch } from '@mandate/core/node'
import type { ProviderDefinition } from '@mandate/vault'

const ENDPOINTS = [
  'issuer',
  'authorization_endpoint',
  'token_endpoint',
  'revocation_endpoint',
  'userinfo_endpoint',
] as const

/**
 * The fetch for calls to providers: the SSRF guard (catalogue #201) for everything, except the
 * exact loopback origins of definitions that opt in with `allow_loopback_http` (the Demo
 * Calendar, a provider under test), which may be plain http on 127.0.0.1.
 */
export function providerFetch(definitions: readonly ProviderDefinition[]): typeof fetch {
  const strict = createSsrfSafeFetch()
  const origins = new Set<string>()
  for (const definition of definitions) {
    if (definition.kind === 'api_key' || definition.allow_loopback_http !== true) continue
    for (const field of ENDPOINTS) {
      const value = definition[field]
      if (value === undefined) continue
      const url = new URL(value)
      if (isLoopbackHost(url.hostname)) origins.add(url.origin)
    }
  }
  if (origins.size === 0) return strict
  const loopback = createSsrfSafeFetch({
    dangerouslyAllowHttp: true,
    dangerouslyAllowLoopback: true,
  })
  return (input, init) =>
    origins.has(new URL(input instanceof Request ? input.url : String(input)).origin)
      ? loopback(input, init)
      : strict(input, init)
}
