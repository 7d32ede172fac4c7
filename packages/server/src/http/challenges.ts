import { buildWwwAuthenticate } from '@mandate/core'
import type { AuthChallenge } from '@mandate/core'

/** What every challenge of one resource carries, whatever the error. */
export interface ChallengeContext {
  resourceMetadataUrl: string
  /** Scopes for a plain 401 (what a client should ask for first). */
  scopes: readonly string[]
  /** Advertise a DPoP challenge; `only` drops the Bearer one (DPoP required). */
  dpop: { algs: readonly string[]; only: boolean } | undefined
}

/**
 * The error codes a protected resource answers with: RFC 6750 §3.1, RFC 9470 §3 (step-up),
 * RFC 9449 §7.1 and §9 (DPoP), and `access_denied` for what no re-authorisation can fix.
 */
export type WireError =
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'insufficient_user_authentication'
  | 'access_denied'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'

/**
 * The one `error_description` each error code carries on the wire, fixed and generic: why a
 * token or proof was refused (expired, wrong audience, unknown key, revoked, replayed) would be
 * an oracle for an attacker, so the reason stays in logs and audit (RFC 6750 §3.1 leaves the
 * description to the resource; RFC 6749 §5.2 limits it to a human-readable hint).
 */
export const WIRE_ERROR_DESCRIPTIONS: Readonly<Record<WireError, string>> = Object.freeze({
  invalid_request: 'malformed request',
  invalid_token: 'invalid access token',
  insufficient_scope: 'more scopes required',
  insufficient_user_authentication: 'stronger or more recent authentication required',
  access_denied: 'this tool needs a person; machine clients may not call it',
  invalid_dpop_proof: 'invalid dpop proof',
  use_dpop_nonce: 'dpop nonce required',
})

/** One challenge to answer: the status, the error code (none for a bare 401) and its parameters. */
export interface ChallengeError {
  status: 400 | 401 | 403
  error?: WireError
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
 * `resource_metadata`, RFC 9449 §7.1 DPoP challenges, RFC 9470 §3 step-up parameters. The
 * description is always the fixed text of the error code ({@link WIRE_ERROR_DESCRIPTIONS}).
 */
export function challengeResponse(
  ctx: ChallengeContext,
  err: ChallengeError,
  extraHeaders?: Headers,
): Response {
  const challenges: AuthChallenge[] = []
  const usedDpop = err.scheme === 'dpop'
  if (ctx.dpop === undefined || (!ctx.dpop.only && !usedDpop)) {
    challenges.push({ scheme: 'Bearer', params: challengeParams(ctx, err, 'bearer') })
  }
  if (ctx.dpop !== undefined) {
    challenges.push({
      scheme: 'DPoP',
      params: { ...challengeParams(ctx, err, 'dpop'), algs: ctx.dpop.algs.join(' ') },
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
      : { error: err.error, error_description: WIRE_ERROR_DESCRIPTIONS[err.error] }
  return new Response(JSON.stringify(body), { status: err.status, headers })
}

function challengeParams(
  ctx: ChallengeContext,
  err: ChallengeError,
  scheme: 'bearer' | 'dpop',
): Record<string, string> {
  const p: Record<string, string> = {}
  // Errors go in the challenge of the scheme the client used (all, when it is unknown).
  if (err.error !== undefined && (err.scheme === undefined || err.scheme === scheme)) {
    p['error'] = err.error
    p['error_description'] = WIRE_ERROR_DESCRIPTIONS[err.error]
  }
  const scopes = err.scopes ?? ctx.scopes
  if (scopes.length > 0) p['scope'] = scopes.join(' ')
  if (err.acrValues !== undefined && err.acrValues.length > 0)
    p['acr_values'] = err.acrValues.join(' ')
  if (err.maxAge !== undefined) p['max_age'] = String(err.maxAge)
  p['resource_metadata'] = ctx.resourceMetadataUrl
  return p
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
