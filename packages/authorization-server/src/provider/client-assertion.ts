import { errors } from 'oidc-provider'
import type { Configuration } from 'oidc-provider'

/**
 * Algorithms accepted for `private_key_jwt` client assertions (catalogue #39): asymmetric
 * only. `client_secret_jwt` (HMAC with the client secret) is not offered at all; a client
 * that registered `token_endpoint_auth_signing_alg` must use exactly that one (oidc-provider).
 */
export const CLIENT_AUTH_SIGNING_ALGS = ['ES256', 'EdDSA', 'PS256', 'RS256'] as const

/**
 * Longest lifetime (`exp` − now) of an accepted assertion, seconds. Assertion `jti`s are
 * remembered for 600 s across all instances (store `setIfAbsent`, see the adapter), so every
 * assertion that could still be accepted is also still remembered (catalogue #38).
 */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300

type AssertClaims = NonNullable<Configuration['assertJwtClientAuthClaimsAndHeader']>

/**
 * Checks oidc-provider leaves open (it already requires `exp`, `jti`, `iss` = client_id, a
 * valid signature and an accepted `aud`), catalogue #37:
 * - `aud` is exactly the issuer identifier, a single string: a token-endpoint or other
 *   audience, or an array, is refused (audience injection; draft-ietf-oauth-rfc7523bis §4,
 *   FAPI 2.0 §5.3.2.1);
 * - `sub` is the client_id (RFC 7523 §3 item 2);
 * - the assertion is short-lived (see {@link MAX_ASSERTION_LIFETIME_SECONDS}).
 */
export function assertClientAssertion(issuer: string): AssertClaims {
  return (_ctx, claims, _header, client) => {
    if (typeof claims['aud'] !== 'string' || claims['aud'] !== issuer) {
      throw new errors.InvalidClientAuth('aud must be the issuer identifier')
    }
    if (claims['sub'] !== client.clientId) {
      throw new errors.InvalidClientAuth('sub must be the client_id')
    }
    const exp = claims['exp']
    const now = Math.floor(Date.now() / 1000)
    if (typeof exp !== 'number' || exp - now > MAX_ASSERTION_LIFETIME_SECONDS) {
      throw new errors.InvalidClientAuth('the client assertion lives too long')
    }
  }
}
