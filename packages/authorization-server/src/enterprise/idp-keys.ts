import { createLocalJWKSet, errors as joseErrors } from 'jose'
import type { JSONWebKeySet, JWTVerifyGetKey } from 'jose'
import type { SsrfSafeFetch } from '@mandate/core/node'
import type { TrustedEnterpriseIdp } from './enterprise-options.ts'

const CACHE_MS = 5 * 60_000
// A key set is fetched again for an unknown `kid` (key rotation), at most this often.
const REFETCH_MS = 30_000

interface Entry {
  keys: JWTVerifyGetKey
  fetchedAt: number
}

/**
 * The key sets of the trusted IdPs, fetched through the SSRF-safe fetch (catalogue #135) and
 * cached; an unknown `kid` triggers one refetch (RFC 7517 key rotation), rate-limited.
 */
export class IdpKeys {
  readonly #fetch: (idp: TrustedEnterpriseIdp) => SsrfSafeFetch
  readonly #cache = new Map<string, Entry>()

  constructor(fetchFor: (idp: TrustedEnterpriseIdp) => SsrfSafeFetch) {
    this.#fetch = fetchFor
  }

  /** A `jose` key resolver for one IdP. */
  resolver(idp: TrustedEnterpriseIdp): JWTVerifyGetKey {
    return async (header, token) => {
      let entry = this.#cache.get(idp.issuer)
      if (entry === undefined || Date.now() - entry.fetchedAt > CACHE_MS) {
        entry = await this.#load(idp)
      }
      try {
        return await entry.keys(header, token)
      } catch (error) {
        if (!(error instanceof joseErrors.JWKSNoMatchingKey)) throw error
        if (Date.now() - entry.fetchedAt < REFETCH_MS) throw error
        return (await this.#load(idp)).keys(header, token)
      }
    }
  }

  async #load(idp: TrustedEnterpriseIdp): Promise<Entry> {
    const send = this.#fetch(idp)
    const jwksUri = idp.jwksUri ?? (await discoverJwksUri(send, idp.issuer))
    const response = await send(jwksUri, { headers: { accept: 'application/json' } })
    if (!response.ok) throw new Error('idp key set unavailable')
    const jwks = (await response.json()) as JSONWebKeySet
    const entry = { keys: createLocalJWKSet(jwks), fetchedAt: Date.now() }
    this.#cache.set(idp.issuer, entry)
    return entry
  }
}

/** `jwks_uri` from the IdP's OpenID metadata, or its RFC 8414 metadata. */
async function discoverJwksUri(send: SsrfSafeFetch, issuer: string): Promise<string> {
  for (const path of [
    '/.well-known/openid-configuration',
    '/.well-known/oauth-authorization-server',
  ]) {
    const response = await send(`${issuer}${path}`, { headers: { accept: 'application/json' } })
    if (!response.ok) continue
    const metadata = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown }
    // OpenID Discovery §4.3 / RFC 8414 §3.3: the document must name the issuer we asked.
    if (metadata.issuer === issuer && typeof metadata.jwks_uri === 'string') {
      return metadata.jwks_uri
    }
  }
  throw new Error('idp metadata unavailable')
}
