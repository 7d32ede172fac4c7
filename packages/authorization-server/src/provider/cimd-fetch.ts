import { NetError } from '@mandate/core/node'
import { originFetchBudget } from '../lib/fetch-budget.ts'
import { outboundFetch } from '../lib/outbound-fetch.ts'
import type { AuthorizationServerConfig } from '../config/resolve-config.ts'
import { AuthorizationServerError } from '../errors.ts'

type Fetch = (url: URL | string | Request, init?: RequestInit) => Promise<Response>

/**
 * The `fetch` oidc-provider uses for everything it fetches: Client ID Metadata Documents,
 * client `jwks_uri`s, `sector_identifier_uri`s. oidc-provider sends these with
 * `redirect: 'manual'` (catalogue #137), a 2.5 s timeout, a response-size cap and single-flight
 * per `client_id`. Its own special-use-address guard closes the socket only AFTER connecting, so
 * a hostile `jwks_uri` could still probe loopback ports (issue 11 #12): we ignore its dispatcher
 * and send through `@mandate/core`'s SSRF-safe fetch, which resolves and classifies every
 * address BEFORE connecting and pins the connection (catalogue #135, #136). Loopback and private
 * hosts are reachable only when allow-listed (`allowedPrivateHosts`) or, in development, with
 * `allowPrivateCimdHosts`.
 *
 * We add a per-origin budget across all instances (catalogue #142): spraying distinct
 * `client_id` paths of one origin (each a cache miss) cannot make us fetch from that origin
 * more than `cimd.fetchesPerOriginPerMinute` times a minute.
 */
export function cimdFetch(config: AuthorizationServerConfig): Fetch {
  const { logger } = config
  const admit = originFetchBudget(config.store, config.cimd.fetchesPerOriginPerMinute)
  const send = outboundFetch(config, { allowAnyHost: config.allowPrivateCimdHosts })
  return async (url, init) => {
    const target = new URL(url instanceof Request ? url.url : url)
    if (!(await admit(target.origin))) {
      logger.warn('outbound fetch budget exhausted', { origin: target.origin })
      // oidc-provider answers `invalid_client` and does not cache the failure.
      throw new AuthorizationServerError(
        'ERR_AS_FETCH_BUDGET',
        'fetch budget for this origin is exhausted',
      )
    }
    try {
      return await send(url, init)
    } catch (error) {
      if (error instanceof NetError && error.code === 'ERR_NET_BLOCKED') {
        logger.warn('outbound fetch refused', { origin: target.origin, reason: error.message })
      }
      throw error
    }
  }
}
