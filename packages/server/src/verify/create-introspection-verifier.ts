import { createHash } from 'node:crypto'
import { canonicalUrl, ConfigurationError } from '@mandate/core'
import type { RevocationEvent } from '@mandate/core'
import { checkAudience, toVerifiedToken } from '../lib/claims.ts'
import { discoverMetadata } from '../lib/discover-metadata.ts'
import { requireSecureUrl } from '../lib/urls.ts'
import { RevocationListener } from './revocation-listener.ts'
import type { RevocationSource } from './revocation-listener.ts'
import { TokenRejectedError } from './token-rejected-error.ts'
import type { TokenVerifier, VerifiedToken } from './verified-token.ts'

/** How {@link createIntrospectionVerifier} asks the authorization server (RFC 7662). */
export interface IntrospectionVerifierOptions {
  /** The authorization server's issuer identifier. */
  issuer: string
  /** RFC 7662 endpoint; discovered from the issuer's metadata when omitted. */
  endpoint?: string
  /** This resource server's credentials at the AS (`client_secret_basic`). */
  clientId: string
  clientSecret: string
  /** The canonical URI of this resource; the answer's `aud` must name it (catalogue #100). */
  resource: string
  /** How long an answer is reused, seconds. Default 30, at most 300; never past `exp`. */
  cacheTtlSeconds?: number
  /** Announces revocations that drop cached answers on every instance. */
  revocations?: RevocationSource | RevocationListener
  /** HTTP timeout, ms. Default 5000 (catalogue #103: slow AS → deny). */
  timeoutMs?: number
  allowMultipleAudiences?: boolean
  /** The clock for `exp` and the cache, ms since the epoch. Default `Date.now`. */
  now?: () => number
}

interface CacheEntry {
  token: VerifiedToken | undefined
  until: number
  at: number
}

const MAX_CACHE = 10_000

/**
 * Verifies opaque (or any) access tokens with RFC 7662 introspection. Answers are cached by the
 * SHA-256 of the token (never the token itself, catalogue #104) for a short TTL and dropped when
 * a revocation event names the token, its subject or its client.
 */
export function createIntrospectionVerifier(
  options: IntrospectionVerifierOptions,
): TokenVerifier & {
  revocations: RevocationListener
} {
  requireSecureUrl('introspection.issuer', options.issuer)
  if (options.endpoint !== undefined) requireSecureUrl('introspection.endpoint', options.endpoint)
  const resource = canonicalUrl(options.resource)
  if (resource === undefined) throw new ConfigurationError('resource', 'not an http(s) URL')
  const ttlMs = Math.min(options.cacheTtlSeconds ?? 30, 300) * 1000
  const now = options.now ?? Date.now
  const revocations =
    options.revocations instanceof RevocationListener
      ? options.revocations
      : new RevocationListener(options.revocations)
  const cache = new Map<string, CacheEntry>()
  revocations.onEvent((event) => {
    dropRevoked(cache, event)
  })
  const introspect = introspector(options, resource, now)
  return {
    revocations,
    async verify(token: string): Promise<VerifiedToken> {
      const hash = createHash('sha256').update(token).digest('base64url')
      const at = now()
      let entry = cache.get(hash)
      if (entry === undefined || entry.until <= at || entry.at <= revocations.allBefore) {
        const verified = await introspect(token)
        const until = Math.min(at + ttlMs, (verified?.expiresAt ?? Infinity) * 1000)
        entry = { token: verified, until, at }
        if (cache.size >= MAX_CACHE) cache.delete(cache.keys().next().value ?? '')
        cache.set(hash, entry)
      }
      if (entry.token === undefined || revocations.isRevoked(entry.token, hash)) {
        throw new TokenRejectedError('token inactive')
      }
      if (entry.token.expiresAt * 1000 <= at) throw new TokenRejectedError('token expired')
      return entry.token
    },
    close() {
      revocations.close()
    },
  }
}

/** Drops the cached answers a revocation event names (all of them for `all`). */
function dropRevoked(cache: Map<string, CacheEntry>, event: RevocationEvent): void {
  if (event.type === 'all') {
    cache.clear()
    return
  }
  for (const [hash, entry] of cache) {
    const t = entry.token
    if (
      event.type === 'token' &&
      (event.token_hash === hash || (t !== undefined && t.jti === event.jti))
    ) {
      cache.delete(hash)
    } else if (event.type === 'subject' && t?.sub === event.sub) cache.delete(hash)
    else if (event.type === 'client' && t?.clientId === event.client_id) cache.delete(hash)
    else if (event.type === 'grant' && t?.gid === event.gid) cache.delete(hash)
  }
}

/** One RFC 7662 request per call: the verified answer, or `undefined` when inactive. */
function introspector(
  options: IntrospectionVerifierOptions,
  resource: string,
  now: () => number,
): (token: string) => Promise<VerifiedToken | undefined> {
  const timeoutMs = options.timeoutMs ?? 5_000
  const endpointUrl = introspectionEndpoint(options, timeoutMs)
  const authorization = `Basic ${Buffer.from(
    `${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`,
  ).toString('base64')}`
  return async (token) => {
    let response: Response
    try {
      response = await fetch(await endpointUrl(), {
        method: 'POST',
        headers: {
          authorization,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      })
    } catch (cause) {
      throw new TokenRejectedError('introspection unavailable', { cause })
    }
    if (!response.ok) {
      await response.body?.cancel()
      throw new TokenRejectedError('introspection unavailable')
    }
    const body: unknown = await response.json().catch(() => undefined)
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new TokenRejectedError('introspection unavailable')
    }
    return readIntrospection(body as Record<string, unknown>, options, resource, now)
  }
}

/** The endpoint: configured, or discovered once (a failed discovery is retried next time). */
function introspectionEndpoint(
  options: IntrospectionVerifierOptions,
  timeoutMs: number,
): () => Promise<string> {
  let endpoint: Promise<string> | undefined
  return () => {
    endpoint ??=
      options.endpoint !== undefined
        ? Promise.resolve(options.endpoint)
        : discoverMetadata(options.issuer, timeoutMs).then((m) => {
            if (m.introspection_endpoint === undefined) {
              throw new TokenRejectedError('issuer has no introspection endpoint')
            }
            return requireSecureUrl('introspection_endpoint', m.introspection_endpoint).href
          })
    endpoint.catch(() => {
      endpoint = undefined
    })
    return endpoint
  }
}

function readIntrospection(
  body: Record<string, unknown>,
  options: IntrospectionVerifierOptions,
  resource: string,
  now: () => number,
): VerifiedToken | undefined {
  if (body['active'] !== true) return undefined
  if (body['iss'] !== undefined && body['iss'] !== options.issuer) {
    throw new TokenRejectedError('untrusted issuer')
  }
  const tokenType = body['token_type']
  if (
    tokenType !== undefined &&
    (typeof tokenType !== 'string' || !/^(bearer|dpop)$/i.test(tokenType))
  ) {
    throw new TokenRejectedError('wrong token type')
  }
  checkAudience(body['aud'], resource, options.allowMultipleAudiences ?? false)
  const verified = toVerifiedToken(body, options.issuer)
  if (verified.expiresAt * 1000 <= now()) return undefined
  return verified
}
