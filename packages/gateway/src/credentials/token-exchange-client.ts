import { createHash } from 'node:crypto'
import type { DpopSession } from '@modelcontextprotocol/client'
import type { TokenExchangeClientOptions } from '../options.ts'
import { GatewayError } from '../gateway-error.ts'
import type { CallerOrigin } from '../revocation/caller-origin.ts'
import { fetchWithDpop } from './hop-dpop.ts'

const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange'
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token'
const MAX_ENTRIES = 10_000

interface Cached {
  token: string
  /** Reuse until then (ms): some seconds before `expires_in` runs out. */
  reuseUntil: number
}

interface Entry extends Cached {
  /** The caller's token it was exchanged for (a revocation event covering it drops the entry). */
  origin: CallerOrigin | undefined
}

/** An exchanged access token for one upstream, and whether it came from the cache (audited). */
export interface ExchangedToken {
  token: string
  cached: boolean
}

/** The cache key of one exchange: caller token, resource, scopes and the key it is bound to. */
function cacheKey(
  subject: string,
  resource: string,
  scopes: readonly string[],
  dpop: DpopSession | undefined,
): string {
  return createHash('sha256')
    .update(`${subject}\n${resource}\n${scopes.join(' ')}\n${dpop?.thumbprint ?? ''}`)
    .digest('base64url')
}

/**
 * RFC 8693 token exchange at the authorization server, as the gateway's confidential client:
 * one token per (caller token, upstream resource, scopes, DPoP key), cached until shortly before it
 * expires, or until a revocation event covers the caller's token it came from
 * ({@link TokenExchangeClient.forgetWhere}), or the revocation feed lost messages
 * ({@link TokenExchangeClient.staleAll}). Keys are hashes; the caller's token is sent to the
 * token endpoint only.
 */
export class TokenExchangeClient {
  readonly #options: TokenExchangeClientOptions
  readonly #fetch: typeof fetch
  readonly #cache = new Map<string, Entry>()
  readonly #inFlight = new Map<string, Promise<Cached>>()
  /** Bumped by `staleAll`: an exchange that started before is used once, never cached. */
  #generation = 0

  constructor(options: TokenExchangeClientOptions, fetchImpl: typeof fetch = fetch) {
    this.#options = options
    this.#fetch = options.fetch ?? fetchImpl
  }

  async exchange(
    subject: string,
    resource: string,
    scopes: readonly string[],
    origin?: CallerOrigin,
    dpop?: DpopSession,
  ): Promise<ExchangedToken> {
    const key = cacheKey(subject, resource, scopes, dpop)
    const generation = this.#generation
    const hit = this.#cache.get(key)
    if (hit !== undefined && hit.reuseUntil > Date.now()) return { token: hit.token, cached: true }
    // Concurrent calls of one user share one exchange (single flight per key).
    let pending = this.#inFlight.get(key)
    if (pending === undefined) {
      pending = this.#request(subject, resource, scopes, dpop).finally(() =>
        this.#inFlight.delete(key),
      )
      this.#inFlight.set(key, pending)
    }
    const fresh = await pending
    if (generation !== this.#generation) return { token: fresh.token, cached: false }
    if (this.#cache.size >= MAX_ENTRIES) this.#evict()
    this.#cache.set(key, { ...fresh, origin })
    return { token: fresh.token, cached: false }
  }

  /** Drops every cached token exchanged for a caller token that `revoked` names (issue 12). */
  forgetWhere(revoked: (origin: CallerOrigin) => boolean): number {
    let dropped = 0
    for (const [key, entry] of this.#cache) {
      if (entry.origin !== undefined && revoked(entry.origin)) {
        this.#cache.delete(key)
        dropped++
      }
    }
    return dropped
  }

  /**
   * The revocation feed may have lost events (a dropped subscription, `onResubscribe`): no
   * cached token is trusted any more, and exchanges under way are not cached either.
   */
  staleAll(): void {
    this.#generation++
    this.#cache.clear()
  }

  /** Forgets every cached token for `resource` of this caller (after an upstream 401). */
  forget(subject: string, resource: string, scopes: readonly string[], dpop?: DpopSession): void {
    this.#cache.delete(cacheKey(subject, resource, scopes, dpop))
  }

  async #request(
    subject: string,
    resource: string,
    scopes: readonly string[],
    dpop: DpopSession | undefined,
  ): Promise<Cached> {
    const { clientId, clientSecret, tokenEndpoint } = this.#options
    const body = new URLSearchParams({
      grant_type: GRANT,
      subject_token: subject,
      subject_token_type: ACCESS_TOKEN,
      requested_token_type: ACCESS_TOKEN,
      resource,
      ...(scopes.length === 0 ? {} : { scope: scopes.join(' ') }),
    })
    // RFC 6749 §2.3.1: form-urlencode id and secret before Basic encoding.
    const basic = Buffer.from(
      `${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`,
    ).toString('base64')
    const init: RequestInit = {
      method: 'POST',
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(10_000),
    }
    let response: Response
    try {
      // RFC 9449 §5: a proof on the token request asks for a token bound to that key.
      response =
        dpop === undefined
          ? await this.#fetch(tokenEndpoint, init)
          : await fetchWithDpop(this.#fetch, dpop, tokenEndpoint, init)
    } catch (error) {
      throw new GatewayError('ERR_GATEWAY_EXCHANGE_UNAVAILABLE', 'token endpoint unreachable', {
        cause: error,
      })
    }
    const json = (await response.json().catch(() => ({}))) as Record<string, unknown>
    if (!response.ok || typeof json['access_token'] !== 'string') {
      // Only an OAuth error code (RFC 6749 §5.2 grammar) reaches the message, never free text.
      const code = json['error']
      const error =
        typeof code === 'string' && /^[\x21\x23-\x5b\x5d-\x7e]{1,64}$/.test(code)
          ? code
          : `status ${String(response.status)}`
      throw new GatewayError('ERR_GATEWAY_EXCHANGE_REFUSED', `token exchange refused: ${error}`)
    }
    // An authorization server that ignored the proof issued a Bearer token: never send an
    // unbound token where a bound one was asked for (RFC 9449 §5, fail closed).
    if (dpop !== undefined && String(json['token_type']).toLowerCase() !== 'dpop') {
      throw new GatewayError('ERR_GATEWAY_EXCHANGE_UNBOUND', 'exchanged token is not dpop-bound')
    }
    const expiresIn = typeof json['expires_in'] === 'number' ? json['expires_in'] : 60
    const margin = Math.min(30, expiresIn / 5)
    return { token: json['access_token'], reuseUntil: Date.now() + (expiresIn - margin) * 1000 }
  }

  #evict(): void {
    const now = Date.now()
    for (const [key, value] of this.#cache) if (value.reuseUntil <= now) this.#cache.delete(key)
    // Still full: drop the oldest insertions.
    for (const key of this.#cache.keys()) {
      if (this.#cache.size < MAX_ENTRIES) break
      this.#cache.delete(key)
    }
  }
}
