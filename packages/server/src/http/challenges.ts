import { buildWwwAuthenticate, JSONRPC_ERROR } from '@mandate/core'
import type { AuthChallenge } from '@mandate/core'

export interface ChallengeContext {
  resourceMetadataUrl: string
  /** Scopes for a plain 401 (what a client should ask for first). */
  scopes: readonly string[]
  /** Advertise a DPoP challenge; `only` drops the Bearer one (DPoP required). */
  dpop: { algs: readonly string[]; only: boolean } | undefined
}

export interface ChallengeError {
  status: 400 | 401 | 403
  error?: string
  description?: string
  /** Overrides the scope parameter (insufficient_scope: needed plus held). */
  scopes?: readonly string[]
  acrValues?: readonly string[]
  maxAge?: number
  /** Which scheme the client used; errors answer in that scheme. */
  scheme?: 'bearer' | 'dpop'
  dpopNonce?: string
}

/**
 * The 401/403 answer of a protected resource: RFC 6750 §3 challenges with RFC 9728 §5.1
 * `resource_metadata`, RFC 9449 §7.1 DPoP challenges, RFC 9470 §3 step-up parameters.
 */
export function challengeResponse(
  ctx: ChallengeContext,
  err: ChallengeError,
  extraHeaders?: Headers,
): Response {
  const params = (scheme: 'bearer' | 'dpop'): Record<string, string> => {
    const p: Record<string, string> = {}
    // Errors go in the challenge of the scheme the client used (all, when it is unknown).
    if (err.error !== undefined && (err.scheme === undefined || err.scheme === scheme)) {
      p['error'] = err.error
      if (err.description !== undefined) p['error_description'] = err.description
    }
    const scopes = err.scopes ?? ctx.scopes
    if (scopes.length > 0) p['scope'] = scopes.join(' ')
    if (err.acrValues !== undefined && err.acrValues.length > 0)
      p['acr_values'] = err.acrValues.join(' ')
    if (err.maxAge !== undefined) p['max_age'] = String(err.maxAge)
    p['resource_metadata'] = ctx.resourceMetadataUrl
    return p
  }
  const challenges: AuthChallenge[] = []
  const usedDpop = err.scheme === 'dpop'
  if (ctx.dpop === undefined || (!ctx.dpop.only && !usedDpop)) {
    challenges.push({ scheme: 'Bearer', params: params('bearer') })
  }
  if (ctx.dpop !== undefined) {
    challenges.push({
      scheme: 'DPoP',
      params: { ...params('dpop'), algs: ctx.dpop.algs.join(' ') },
    })
  }
  const headers = new Headers(extraHeaders)
  headers.set('www-authenticate', buildWwwAuthenticate(challenges))
  headers.set('content-type', 'application/json')
  headers.set('cache-control', 'no-store')
  if (err.dpopNonce !== undefined) headers.set('dpop-nonce', err.dpopNonce)
  const body =
    err.error === undefined
      ? { error: 'unauthorized', error_description: 'authorization required' }
      : {
          error: err.error,
          ...(err.description === undefined ? {} : { error_description: err.description }),
        }
  return new Response(JSON.stringify(body), { status: err.status, headers })
}

/** A JSON-RPC error answered at the HTTP layer (no request id is known or trusted here). */
export function jsonRpcErrorResponse(
  status: number,
  code: number,
  message: string,
  extraHeaders?: Headers,
): Response {
  const headers = new Headers(extraHeaders)
  headers.set('content-type', 'application/json')
  return new Response(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message } }), {
    status,
    headers,
  })
}

export { JSONRPC_ERROR }
