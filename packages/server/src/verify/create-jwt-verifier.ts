import { createHash } from 'node:crypto'
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose'
import type { JWTVerifyGetKey } from 'jose'
import { ConfigurationError } from '@mandate/core'
import { checkAudience, toVerifiedToken } from '../lib/claims.ts'
import { discoverMetadata } from '../lib/discover-metadata.ts'
import { canonicalUrl, requireSecureUrl } from '../lib/urls.ts'
import { TokenRejectedError } from './token-rejected-error.ts'
import type { TokenVerifier, VerifiedToken } from './verified-token.ts'

/** Asymmetric JWS algorithms accepted by default. No `none`, no HS* (catalogue #65, #66). */
export const DEFAULT_JWT_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA', 'Ed25519'] as const
const ASYMMETRIC = /^(RS|PS|ES)(256|384|512)$|^(EdDSA|Ed25519|ES256K)$/

export interface TrustedIssuer {
  /** The `iss` value, compared exactly. */
  issuer: string
  /** The key set; discovered from the issuer's metadata when omitted. */
  jwksUri?: string
  /** Overrides the algorithm allow-list for this issuer (asymmetric only). */
  algorithms?: string[]
}

export interface JwtVerifierOptions {
  issuers: TrustedIssuer[]
  /** The canonical URI of this resource; tokens must name it in `aud`. */
  resource: string
  /** Allowed JWS `alg` values (asymmetric only). Default {@link DEFAULT_JWT_ALGORITHMS}. */
  algorithms?: string[]
  /**
   * Accepted `typ` header values. Default `['at+jwt']` (RFC 9068 §4). Some IdPs (Entra ID,
   * Auth0 without the RFC 9068 profile) send `JWT`; allow it only for them.
   */
  types?: string[]
  /** Clock skew for `exp`/`nbf`/`iat`, seconds. Default 30, at most 300. */
  clockToleranceSeconds?: number
  /** Accept tokens whose `aud` lists other audiences besides this resource. Default false. */
  allowMultipleAudiences?: boolean
  /** HTTP timeout for JWKS and discovery, ms. Default 5000. */
  timeoutMs?: number
  /** Minimum time between JWKS refetches triggered by an unknown `kid`, ms. Default 30000. */
  cooldownMs?: number
  /** JWKS cache lifetime, ms. Default 600000. */
  cacheMaxAgeMs?: number
  /**
   * Reuse a successful verification of the same token for this long, seconds (never past its
   * `exp`). Default 60; 0 disables. Saves the signature check on every call of a session; a key
   * removed from the JWKS stops being trusted after at most this long. Revocation events are
   * checked on every request regardless.
   */
  verifiedCacheSeconds?: number
}

interface IssuerState {
  config: TrustedIssuer
  algorithms: string[]
  keys: Promise<JWTVerifyGetKey> | undefined
}

/**
 * A verifier for RFC 9068 JWT access tokens from one or more trusted issuers. Keys come from the
 * issuer's JWKS through jose's remote key set: cached, refetched on an unknown `kid` at most once
 * per cooldown, bounded timeouts, and an unreachable JWKS fails closed (catalogue #80).
 */
export function createJwtVerifier(options: JwtVerifierOptions): TokenVerifier {
  if (options.issuers.length === 0) throw new ConfigurationError('issuers', 'at least one issuer')
  const resource = canonicalUrl(options.resource)
  if (resource === undefined) throw new ConfigurationError('resource', 'not an http(s) URL')
  const tolerance = options.clockToleranceSeconds ?? 30
  if (!Number.isFinite(tolerance) || tolerance < 0 || tolerance > 300) {
    throw new ConfigurationError('clockToleranceSeconds', 'must be between 0 and 300')
  }
  const types = options.types ?? ['at+jwt']
  const timeoutMs = options.timeoutMs ?? 5_000
  const baseAlgorithms = options.algorithms ?? [...DEFAULT_JWT_ALGORITHMS]
  const issuers = new Map<string, IssuerState>()
  for (const config of options.issuers) {
    requireSecureUrl('issuers.issuer', config.issuer)
    if (config.jwksUri !== undefined) requireSecureUrl('issuers.jwksUri', config.jwksUri)
    const algorithms = config.algorithms ?? baseAlgorithms
    for (const alg of algorithms) {
      if (!ASYMMETRIC.test(alg))
        throw new ConfigurationError('algorithms', `not an asymmetric algorithm: ${alg}`)
    }
    issuers.set(config.issuer, { config, algorithms, keys: undefined })
  }

  const keysFor = (state: IssuerState): Promise<JWTVerifyGetKey> => {
    state.keys ??= (async () => {
      const jwksUri =
        state.config.jwksUri ?? (await discoverMetadata(state.config.issuer, timeoutMs)).jwks_uri
      if (jwksUri === undefined) throw new TokenRejectedError('issuer publishes no jwks_uri')
      return createRemoteJWKSet(requireSecureUrl('jwks_uri', jwksUri), {
        timeoutDuration: timeoutMs,
        cooldownDuration: options.cooldownMs ?? 30_000,
        cacheMaxAge: options.cacheMaxAgeMs ?? 600_000,
      })
    })()
    // A failed discovery is retried on the next request rather than cached forever.
    state.keys.catch(() => {
      state.keys = undefined
    })
    return state.keys
  }

  const cacheMs = Math.min(options.verifiedCacheSeconds ?? 60, 600) * 1000
  const verified = new Map<string, { token: VerifiedToken; until: number }>()

  const verifyUncached = async (token: string): Promise<VerifiedToken> => {
    let iss: unknown
    try {
      // Only to select a trusted issuer; nothing is trusted before the signature check.
      decodeProtectedHeader(token)
      iss = decodeJwt(token).iss
    } catch (cause) {
      throw new TokenRejectedError('malformed token', { cause })
    }
    const state = typeof iss === 'string' ? issuers.get(iss) : undefined
    if (state === undefined) throw new TokenRejectedError('untrusted issuer')
    const keys = await keysFor(state)
    let payload: Record<string, unknown>
    try {
      const result = await jwtVerify(token, keys, {
        issuer: state.config.issuer,
        algorithms: state.algorithms,
        clockTolerance: tolerance,
        requiredClaims: ['exp', 'sub'],
      })
      const typ = result.protectedHeader.typ?.toLowerCase().replace(/^application\//, '')
      if (typ === undefined || !types.some((t) => t.toLowerCase() === typ)) {
        throw new TokenRejectedError('wrong token type')
      }
      payload = result.payload
      // jose checks iat only against maxTokenAge; a token from the future is refused too
      // (catalogue #73).
      const iat = payload['iat']
      if (typeof iat === 'number' && iat > Date.now() / 1000 + tolerance) {
        throw new TokenRejectedError('token issued in the future')
      }
    } catch (cause) {
      if (cause instanceof TokenRejectedError) throw cause
      throw new TokenRejectedError(describe(cause), { cause })
    }
    checkAudience(payload['aud'], resource, options.allowMultipleAudiences ?? false)
    return toVerifiedToken(payload, state.config.issuer)
  }

  return {
    async verify(token: string): Promise<VerifiedToken> {
      if (cacheMs === 0) return verifyUncached(token)
      // Keyed by a hash: the cache never holds a token (catalogue #104).
      const key = createHash('sha256').update(token).digest('base64url')
      const now = Date.now()
      const hit = verified.get(key)
      if (hit !== undefined && hit.until > now) return hit.token
      const result = await verifyUncached(token)
      if (verified.size >= 10_000) {
        for (const [k, entry] of verified)
          if (entry.until <= now || verified.size >= 10_000) verified.delete(k)
      }
      verified.set(key, { token: result, until: Math.min(now + cacheMs, result.expiresAt * 1000) })
      return result
    },
  }
}

function describe(cause: unknown): string {
  if (cause instanceof errors.JWTExpired) return 'token expired'
  if (cause instanceof errors.JWTClaimValidationFailed) return 'token claims invalid'
  if (cause instanceof errors.JWKSTimeout) return 'key set unavailable'
  if (cause instanceof errors.JWKSNoMatchingKey) return 'no matching key'
  if (cause instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed'
  if (cause instanceof errors.JWSSignatureVerificationFailed) return 'invalid signature'
  return 'invalid token'
}
