import { hash } from 'node:crypto'
import type { McpIdentity } from '../identity.ts'
import { TokenRejectedError } from '../verify/token-rejected-error.ts'
import type { VerifiedToken } from '../verify/verified-token.ts'
import type { AuthRefused, AuthSettings, Authenticated, Credentials } from './auth-settings.ts'
import { checkDpopBinding } from './check-dpop-binding.ts'
import { isRefusal, refusalResponse, tokenRefusal } from './refusal.ts'
import type { Refusal } from './refusal.ts'

const CREDENTIALS = /^([A-Za-z]+) +([A-Za-z0-9\-._~+/]+=*)$/

/**
 * Authenticates one request: the `Authorization` header (RFC 6750 §2.1 or RFC 9449 §7.1, scheme
 * case-insensitive, catalogue #98), the token, its revocation state, and the DPoP proof when the
 * token is bound. Returns the identity, or the refusal: the reason is logged (debug) and kept
 * for audit; the client sees a generic description.
 */
export async function authenticate(
  request: Request,
  settings: AuthSettings,
): Promise<Authenticated | AuthRefused> {
  const nonce = settings.dpop.nonces?.current()
  const credentials = readCredentials(request)
  if (isRefusal(credentials)) return refused(credentials, settings, nonce)
  const outcome = await verifyToken(credentials, settings)
  if (isRefusal(outcome)) return refused(outcome, settings, nonce)
  const { verified } = outcome
  const { revocations } = settings
  // Hashed only when revocations are tracked (the hot path without them does no extra work).
  const tokenHash = revocations === undefined ? '' : hash('sha256', credentials.token, 'base64url')
  const revoked = (): boolean => revocations?.isRevoked(verified, tokenHash) === true
  // Fail closed while the revocation state is not known to be complete (docs/revocation.md).
  if (revocations !== undefined && !(await revocations.ready())) {
    return refused(tokenRefusal(credentials, 'revocation state unavailable'), settings, nonce)
  }
  if (revoked()) return refused(tokenRefusal(credentials, 'token revoked'), settings, nonce)
  // Only a proof needs an await (no extra turn of the event loop for a Bearer token).
  const checked = checkDpopBinding(request, credentials, verified, settings)
  const binding = checked instanceof Promise ? await checked : checked
  if (isRefusal(binding)) return refused(binding, settings, nonce)
  return { identity: toIdentity(verified, binding.jkt), dpopNonce: nonce, revoked }
}

/** The refusal's reason is logged (debug); the client gets the challenge. */
function refused(refusal: Refusal, settings: AuthSettings, nonce: string | undefined): AuthRefused {
  if (refusal.error !== undefined) {
    const dpop = refusal.error === 'invalid_dpop_proof' || refusal.error === 'use_dpop_nonce'
    settings.logger.debug(dpop ? 'dpop proof rejected' : 'token rejected', {
      error: refusal.error,
      reason: refusal.reason,
    })
  }
  return { refusal, response: refusalResponse(settings.challenge, refusal, nonce) }
}

function readCredentials(request: Request): Credentials | Refusal {
  const header = request.headers.get('authorization')
  if (header === null || header.trim() === '') return { status: 401, reason: 'no credentials' }
  const match = CREDENTIALS.exec(header.trim())
  const scheme = match?.[1]?.toLowerCase()
  if (match === null || (scheme !== 'bearer' && scheme !== 'dpop')) {
    // Several Authorization fields arrive joined by commas; unknown schemes and junk alike get
    // a plain challenge (catalogue #92).
    return { status: 401, error: 'invalid_request', reason: 'unsupported authorization header' }
  }
  return { scheme, token: match[2] ?? '' }
}

async function verifyToken(
  credentials: Credentials,
  settings: AuthSettings,
): Promise<{ verified: VerifiedToken } | Refusal> {
  try {
    // Wrapped: what a custom verifier returns is never mistaken for a refusal.
    return { verified: await settings.verifier.verify(credentials.token) }
  } catch (error) {
    if (error instanceof TokenRejectedError) return tokenRefusal(credentials, error.reason)
    // Fail closed, and a 500 carries no challenge (catalogue #97).
    settings.logger.error('token verifier failed', { error })
    return { status: 500, reason: 'token verifier failed' }
  }
}

function toIdentity(verified: VerifiedToken, jkt: string | undefined): McpIdentity {
  return Object.freeze({
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
    principal: verified.principal ?? 'person',
  })
}
