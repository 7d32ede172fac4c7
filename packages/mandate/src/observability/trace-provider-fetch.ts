import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import type { ProviderDefinition } from '@mandate/vault'

const tracer = trace.getTracer('mandate')

// What each endpoint of a definition is called for (the span's `mandate.provider.operation`).
const OPERATIONS = {
  token_endpoint: 'token',
  revocation_endpoint: 'revocation',
  userinfo_endpoint: 'userinfo',
  authorization_endpoint: 'authorization',
  issuer: 'discovery',
} as const

/**
 * What a call to a discovered endpoint is for, from the request's shape: the grant type's
 * presence (token endpoint, RFC 6749 §4.1.3 and §6), a `token` parameter (RFC 7009 §2.1), a
 * well-known path (RFC 8414 discovery). Only parameter names are read, never their values.
 */
function operationOf(url: URL, body: unknown): string {
  if (url.pathname.includes('/.well-known/')) return 'discovery'
  if (body instanceof URLSearchParams) {
    if (body.has('grant_type')) return 'token'
    if (body.has('token')) return 'revocation'
  }
  return 'other'
}

/**
 * The provider fetch with a client span around every call (`provider.call`): which provider,
 * what for (token: code exchange and refresh; revocation; userinfo…), the method, the host and
 * the status. Never the URL's path or query, a header or a body: those carry codes and tokens.
 */
export function traceProviderFetch(
  fetch: typeof globalThis.fetch,
  definitions: readonly ProviderDefinition[],
): typeof globalThis.fetch {
  const known = new Map<string, string>()
  const origins = new Map<string, string>()
  for (const definition of definitions) {
    if (definition.kind === 'api_key') continue
    for (const [field, operation] of Object.entries(OPERATIONS)) {
      const value = definition[field as keyof typeof OPERATIONS]
      if (value === undefined) continue
      const url = new URL(value)
      known.set(url.origin + url.pathname, operation)
      origins.set(url.origin, origins.has(url.origin) ? 'unknown' : definition.id)
    }
  }
  return (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET')
    const attributes = {
      'mandate.provider': origins.get(url.origin) ?? 'unknown',
      'mandate.provider.operation':
        known.get(url.origin + url.pathname) ?? operationOf(url, init?.body),
      'http.request.method': method.toUpperCase(),
      'server.address': url.hostname,
    }
    return tracer.startActiveSpan(
      'provider.call',
      { kind: SpanKind.CLIENT, attributes },
      async (span) => {
        try {
          const response = await fetch(input, init)
          span.setAttribute('http.response.status_code', response.status)
          if (response.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR })
          return response
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR })
          throw error
        } finally {
          span.end()
        }
      },
    )
  }
}
