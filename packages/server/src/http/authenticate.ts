import { createHash } from 'node:crypto'
import type { Logger } from '@mandate/core'
import type { DpopNonces } from '../dpop/dpop-nonces.ts'
import { DpopProofError } from '../dpop/dpop-proof-error.ts'
import { verifyDpopProof } from '../dpop/verify-dpop-proof.ts'
import type { McpIdentity } from '../identity.ts'
import type { RevocationListener } from '../verify/revocation-listener.ts'
import { TokenRejectedError } from '../verify/token-rejected-error.ts'
import type { TokenVerifier } from '../verify/verified-token.ts'
import { challengeResponse } from './challenges.ts'
import type { ChallengeContext, ChallengeError } from './challenges.ts'

export interface AuthSettings {
  verifier: TokenVerifier
  resource: URL
  challenge: ChallengeContext
  dpop: {
    required: boolean
    algorithms: readonly string[]
    maxAgeSeconds: number
    clockToleranceSeconds: number
    nonces: DpopNonces | undefined
    replay: (key: string, ttlMs: number) => Promise<boolean>
  }
  revocations: RevocationListener | undefined
  logger: Logger
}

export interface Authenticated {
  identity: McpIdentity
  dpopNonce: string | undefined
  /** Whether the token was revoked since (a long-lived response re-checks on each event). */
  readonly revoked: () => boolean
}

const CREDENTIALS = /^([A-Za-z]+) +([A-Za-z0-9\-._~+/]+=*)$/

/**
 * Authenticates one request: the `Authorization` header (RFC 6750 §2.1 or RFC 9449 §7.1, scheme
 * case-insensitive, catalogue #98), the token, and the DPoP proof when the token is bound.
 * Returns the identity, or the challenge to answer with.
 */
export async function authenticate(
  request: Request,
  settings: AuthSettings,
): Promise<Authenticated | Response> {
  const nonce = settings.dpop.nonces?.current()
  const deny = (err: ChallengeError): Response =>
    challengeResponse(settings.challenge, nonce === undefined ? err : { dpopNonce: nonce, ...err })

  const header = request.headers.get('authorization')
  if (header === null || header.trim() === '') return deny({ status: 401 })
  const match = CREDENTIALS.exec(header.trim())
  const scheme = match?.[1]?.toLowerCase()
  if (match === null || (scheme !== 'bearer' && scheme !== 'dpop')) {
    // Several Authorization fields arrive joined by commas; unknown schemes and junk alike get
    // a plain challenge (catalogue #92).
    return deny({
      status: 401,
      error: 'invalid_request',
      description: 'unsupported authorization header',
    })
  }
  const token = match[2] ?? ''
  const tokenError = (description: string): Response =>
    deny({ status: 401, error: 'invalid_token', description, scheme })

  let verified
  try {
    verified = await settings.verifier.verify(token)
  } catch (error) {
    if (error instanceof TokenRejectedError) {
      settings.logger.debug('token rejected', { reason: error.reason })
      return tokenError(error.reason)
    }
    // Fail closed, and a 500 carries no challenge (catalogue #97).
    settings.logger.error('token verifier failed', { error })
    return new Response(JSON.stringify({ error: 'server_error' }), {
      status: 500,
      headers: { 'content-type': 'application/json' },
    })
  }
  const { revocations } = settings
  // Hashed only when revocations are tracked (the hot path without them does no extra work).
  const tokenHash =
    revocations === undefined ? '' : createHash('sha256').update(token).digest('base64url')
  const revoked = (): boolean => revocations?.isRevoked(verified, tokenHash) === true
  if (revoked()) return tokenError('token revoked')

  let jkt: string | undefined
  if (verified.jkt !== undefined) {
    // A DPoP-bound token presented as Bearer is a downgrade (RFC 9449 §7.2, catalogue #117).
    if (scheme !== 'dpop') return tokenError('token is dpop-bound')
    const proofs = request.headers.get('dpop')
    if (proofs === null || proofs.includes(',')) {
      return deny({
        status: 401,
        error: 'invalid_dpop_proof',
        description: 'exactly one dpop proof required',
        scheme,
      })
    }
    try {
      jkt = (
        await verifyDpopProof({
          proof: proofs,
          method: request.method,
          url: settings.resource.href,
          accessToken: token,
          expectedJkt: verified.jkt,
          algorithms: settings.dpop.algorithms,
          maxAgeSeconds: settings.dpop.maxAgeSeconds,
          clockToleranceSeconds: settings.dpop.clockToleranceSeconds,
          replay: settings.dpop.replay,
          nonces: settings.dpop.nonces,
        })
      ).jkt
    } catch (error) {
      if (!(error instanceof DpopProofError)) throw error
      settings.logger.debug('dpop proof rejected', { reason: error.message })
      return deny({ status: 401, error: error.error, description: error.message, scheme: 'dpop' })
    }
  } else if (scheme === 'dpop') {
    return tokenError('token is not dpop-bound')
  } else if (settings.dpop.required) {
    return tokenError('dpop-bound token required')
  }

  const identity: McpIdentity = Object.freeze({
    sub: verified.sub,
    clientId: verified.clientId,
    issuer: verified.issuer,
    scopes: Object.freeze([...verified.scopes]),
    acr: verified.acr,
    amr: Object.freeze([...verified.amr]),
    authTime: verified.authTime,
    act: verified.act,
    jkt,
    jti: verified.jti,
    expiresAt: verified.expiresAt,
  })
  return { identity, dpopNonce: nonce, revoked }
}
