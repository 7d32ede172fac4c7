import { DpopProofError } from '../dpop/dpop-proof-error.ts'
import { verifyDpopProof } from '../dpop/verify-dpop-proof.ts'
import type { VerifiedToken } from '../verify/verified-token.ts'
import type { AuthSettings, Credentials } from './auth-settings.ts'
import { tokenRefusal } from './refusal.ts'
import type { Refusal } from './refusal.ts'

interface Binding {
  jkt: string | undefined
}

const UNBOUND: Binding = Object.freeze({ jkt: undefined })

/**
 * Sender constraint (RFC 9449 §7): a DPoP-bound token needs the DPoP scheme and exactly one
 * valid proof for this request; an unbound token may not use the DPoP scheme, nor be used at
 * all where DPoP is required. Returns the proof key's thumbprint (or none), or the refusal: at
 * once when there is no proof to verify, else as a promise.
 */
export function checkDpopBinding(
  request: Request,
  credentials: Credentials,
  verified: VerifiedToken,
  settings: AuthSettings,
): Binding | Refusal | Promise<Binding | Refusal> {
  const { scheme } = credentials
  if (verified.jkt === undefined) {
    if (scheme === 'dpop') return tokenRefusal(credentials, 'token is not dpop-bound')
    if (settings.dpop.required) return tokenRefusal(credentials, 'dpop-bound token required')
    return UNBOUND
  }
  // A DPoP-bound token presented as Bearer is a downgrade (RFC 9449 §7.2, catalogue #117).
  if (scheme !== 'dpop') return tokenRefusal(credentials, 'token is dpop-bound')
  const proofs = request.headers.get('dpop')
  if (proofs === null || proofs.includes(',')) {
    const reason = 'exactly one dpop proof required'
    return { status: 401, error: 'invalid_dpop_proof', reason, scheme }
  }
  return verifyProof(proofs, request, credentials, verified.jkt, settings)
}

/** The proof's checks (`verifyDpopProof`): its key's thumbprint, or the refusal. */
async function verifyProof(
  proof: string,
  request: Request,
  credentials: Credentials,
  expectedJkt: string,
  settings: AuthSettings,
): Promise<Binding | Refusal> {
  try {
    const { jkt } = await verifyDpopProof({
      proof,
      method: request.method,
      url: settings.resource,
      accessToken: credentials.token,
      expectedJkt,
      algorithms: settings.dpop.algorithms,
      maxAgeSeconds: settings.dpop.maxAgeSeconds,
      clockToleranceSeconds: settings.dpop.clockToleranceSeconds,
      replay: settings.dpop.replay,
      nonces: settings.dpop.nonces,
      now: settings.now,
    })
    return { jkt }
  } catch (error) {
    if (!(error instanceof DpopProofError)) throw error
    return { status: 401, error: error.error, reason: error.message, scheme: 'dpop' }
  }
}
