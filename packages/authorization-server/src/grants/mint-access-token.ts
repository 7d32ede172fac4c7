import { randomBytes } from 'node:crypto'
import { SignJWT } from 'jose'
import type { JWK, JWTPayload } from 'jose'
import { AuthorizationServerError } from '../errors.ts'
import { SIGNING_ALG } from '../keys/signing-keys.ts'
import { signingKeyFor } from '../keys/key-cache.ts'
import { issuedAtWithMs } from '../revocation/announce-revocation.ts'

/** What an RFC 9068 access token minted outside oidc-provider's own grants says. */
export interface MintedAccessToken {
  issuer: string
  sub: string
  clientId: string
  audience: string
  scopes: readonly string[]
  /** Expiry, seconds since the epoch. */
  exp: number
  /** Extra claims (e.g. `mandate_principal`, `act`). */
  claims?: JWTPayload
}

/**
 * Signs an RFC 9068 JWT access token (`typ: at+jwt`) with the current signing key: the shape
 * every resource server already verifies, with an `iat` in milliseconds so that a revocation
 * cut-off refuses exactly the tokens issued before it (docs/revocation.md).
 */
export async function mintAccessToken(
  keys: readonly JWK[],
  token: MintedAccessToken,
): Promise<{ value: string; jti: string }> {
  const signer = keys[0]
  if (signer === undefined)
    throw new AuthorizationServerError('ERR_AS_NO_SIGNING_KEY', 'no signing key')
  const key = await signingKeyFor(signer, SIGNING_ALG)
  const jti = randomBytes(24).toString('base64url')
  const value = await new SignJWT({
    ...token.claims,
    client_id: token.clientId,
    scope: token.scopes.join(' '),
  })
    .setProtectedHeader({
      alg: SIGNING_ALG,
      typ: 'at+jwt',
      ...(signer.kid === undefined ? {} : { kid: signer.kid }),
    })
    .setIssuer(token.issuer)
    .setSubject(token.sub)
    .setAudience(token.audience)
    .setIssuedAt(issuedAtWithMs())
    .setExpirationTime(token.exp)
    .setJti(jti)
    .sign(key)
  return { value, jti }
}

/** Space-delimited scope parameter → distinct scopes. */
export function scopeList(value: string | undefined): string[] {
  return [...new Set((value ?? '').split(' ').filter(Boolean))]
}
