import { hash } from 'node:crypto'
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose'
import type { JWTVerifyGetKey } from 'jose'
import { canonicalUrl, ConfigurationError } from '@mandate/core'
import { checkAudience, toVerifiedToken } from '../lib/claims.ts'
import { discoverMetadata } from '../lib/discover-metadata.ts'
import { requireSecureUrl } from '../lib/urls.ts'
import { TokenRejectedError } from './token-rejected-error.ts'
import type { TokenVerifier, VerifiedToken } from './verified-token.ts'

/** Asymmetric JWS algorithms accepted by default. No `none`, no HS* (catalogue #65, #66). */
export const DEFAULT_JWT_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA', 'Ed25519'] as const
const ASYMMETRIC = /^(RS|PS|ES)(256|384|512)$|^(EdDSA|Ed25519|ES256K)$/

/** An issuer whose access tokens this resource accepts, and where its keys come from. */
export interface TrustedIssuer {
  /** The `iss` value, compared exactly. */
  issuer: string
  /** The key set; discovered from the issuer's metadata when omitted. */
  jwksUri?: string
  /** Overrides the algorithm allow-list for this issuer (asymmetric only). */
  algorithms?: string[]
}

/** How {@link createJwtVerifier} checks RFC 9068 access tokens; every default is listed here. */
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
  /** The clock for `exp`, `nbf`, `iat` and the cache, ms since the epoch. Default `Date.now`. */
  now?: () => number
}

/** A JWT verifier whose issuers' key sets can be fetched again at once. */
export interface JwtVerifier extends TokenVerifier {
  /**
   * Drops every cached key set: the next token fetches its issuer's JWKS again, without waiting
   * out the unknown-`kid` cooldown (a signing key was withdrawn and replaced).
   */
  refreshKeys(): void
}

interface IssuerState {
  config: TrustedIssuer
  algorithms: string[]
  keys: Promise<JWTVerifyGetKey> | undefined
}

/** The options with every default applied and checked, once. */
interface JwtSettings {
  readonly resource: string
  readonly issuers: ReadonlyMap<string, IssuerState>
  readonly tolerance: number
  readonly types: readonly string[]
  readonly timeoutMs: number
  readonly cooldownMs: number
  readonly cacheMaxAgeMs: number
  readonly cacheMs: number
  readonly allowMultipleAudiences: boolean
  readonly now: () => number
}

const MAX_VERIFIED = 10_000

/**
 * A verifier for RFC 9068 JWT access tokens from one or more trusted issuers. Keys come from the
 * issuer's JWKS through jose's remote key set: cached, refetched on an unknown `kid` at most once
 * per cooldown, bounded timeouts, and an unreachable JWKS fails closed (catalogue #80).
 * @example
 * ```ts
 * const verifier = createJwtVerifier({
 *   issuers: [{ issuer: 'https://auth.example.com' }],
 *   resource: 'https://notes.example.com/mcp',
 * })
 * const token = await verifier.verify(accessToken) // throws TokenRejectedError
 * ```
 */
export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  const settings = resolveJwtSettings(options)
  const verifyUncached = (token: string): Promise<VerifiedToken> =>
    verifySignedToken(token, settings)
  const refreshKeys = (): void => {
    for (const state of settings.issuers.values()) state.keys = undefined
  }
  if (settings.cacheMs === 0) return { verify: verifyUncached, refreshKeys }
  // Keyed by a hash: the cache never holds a token (catalogue #104).
  const verified = new Map<string, { token: VerifiedToken; until: number }>()
  const verifyAndKeep = async (token: string, key: string, now: number): Promise<VerifiedToken> => {
    const result = await verifyUncached(token)
    if (verified.size >= MAX_VERIFIED) {
      for (const [k, entry] of verified)
        if (entry.until <= now || verified.size >= MAX_VERIFIED) verified.delete(k)
    }
    const until = Math.min(now + settings.cacheMs, result.expiresAt * 1000)
    verified.set(key, { token: result, until })
    return result
  }
  return {
    refreshKeys,
    verify(token: string): Promise<VerifiedToken> {
      try {
        const key = hash('sha256', token, 'base64url')
        const now = settings.now()
        const hit = verified.get(key)
        // A hit is answered without an async frame: it is the path of nearly every call.
        if (hit !== undefined && hit.until > now) return Promise.resolve(hit.token)
        return verifyAndKeep(token, key, now)
      } catch (error) {
        // As from an async function: a failure is a rejected promise, never a throw.
        return Promise.reject(error instanceof Error ? error : new Error(String(error)))
      }
    },
  }
}

function resolveJwtSettings(options: JwtVerifierOptions): JwtSettings {
  if (options.issuers.length === 0) throw new ConfigurationError('issuers', 'at least one issuer')
  const resource = canonicalUrl(options.resource)
  if (resource === undefined) throw new ConfigurationError('resource', 'not an http(s) URL')
  const tolerance = options.clockToleranceSeconds ?? 30
  if (!Number.isFinite(tolerance) || tolerance < 0 || tolerance > 300) {
    throw new ConfigurationError('clockToleranceSeconds', 'must be between 0 and 300')
  }
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
  return {
    resource,
    issuers,
    tolerance,
    types: options.types ?? ['at+jwt'],
    timeoutMs: options.timeoutMs ?? 5_000,
    cooldownMs: options.cooldownMs ?? 30_000,
    cacheMaxAgeMs: options.cacheMaxAgeMs ?? 600_000,
    cacheMs: Math.min(options.verifiedCacheSeconds ?? 60, 600) * 1000,
    allowMultipleAudiences: options.allowMultipleAudiences ?? false,
    now: options.now ?? Date.now,
  }
}

function keysFor(state: IssuerState, settings: JwtSettings): Promise<JWTVerifyGetKey> {
  state.keys ??= (async () => {
    const jwksUri =
      state.config.jwksUri ??
      (await discoverMetadata(state.config.issuer, settings.timeoutMs)).jwks_uri
    if (jwksUri === undefined) throw new TokenRejectedError('issuer publishes no jwks_uri')
    return createRemoteJWKSet(requireSecureUrl('jwks_uri', jwksUri), {
      timeoutDuration: settings.timeoutMs,
      cooldownDuration: settings.cooldownMs,
      cacheMaxAge: settings.cacheMaxAgeMs,
    })
  })()
  // A failed discovery is retried on the next request rather than cached forever.
  state.keys.catch(() => {
    state.keys = undefined
  })
  return state.keys
}

/** Only to select a trusted issuer; nothing is trusted before the signature check. */
function issuerOf(token: string, settings: JwtSettings): IssuerState {
  let iss: unknown
  try {
    decodeProtectedHeader(token)
    iss = decodeJwt(token).iss
  } catch (cause) {
    throw new TokenRejectedError('malformed token', { cause })
  }
  const state = typeof iss === 'string' ? settings.issuers.get(iss) : undefined
  if (state === undefined) throw new TokenRejectedError('untrusted issuer')
  return state
}

async function verifySignedToken(token: string, settings: JwtSettings): Promise<VerifiedToken> {
  const state = issuerOf(token, settings)
  const keys = await keysFor(state, settings)
  const now = settings.now()
  let payload: Record<string, unknown>
  let kid: string | undefined
  try {
    const result = await jwtVerify(token, keys, {
      issuer: state.config.issuer,
      algorithms: state.algorithms,
      clockTolerance: settings.tolerance,
      requiredClaims: ['exp', 'sub'],
      currentDate: new Date(now),
    })
    const typ = result.protectedHeader.typ?.toLowerCase().replace(/^application\//, '')
    if (typ === undefined || !settings.types.some((t) => t.toLowerCase() === typ)) {
      throw new TokenRejectedError('wrong token type')
    }
    payload = result.payload
    kid = result.protectedHeader.kid
    // jose checks iat only against maxTokenAge; a token from the future is refused too
    // (catalogue #73).
    const iat = payload['iat']
    if (typeof iat === 'number' && iat > now / 1000 + settings.tolerance) {
      throw new TokenRejectedError('token issued in the future')
    }
  } catch (cause) {
    if (cause instanceof TokenRejectedError) throw cause
    throw new TokenRejectedError(describe(cause), { cause })
  }
  checkAudience(payload['aud'], settings.resource, settings.allowMultipleAudiences)
  return { ...toVerifiedToken(payload, state.config.issuer), kid }
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
