import type { Logger } from '@mandate/core'
import type { Store } from '@mandate/store'
import { originFetchBudget } from '../lib/fetch-budget.ts'
import type { AuthorizationServerOptions } from '../options.ts'

type FetchInit = RequestInit & { dispatcher?: unknown }
type AgentConstructor = new (options: { connect: { ca?: string } }) => unknown
type Fetch = (url: URL | string | Request, init?: FetchInit) => Promise<Response>

/** Default of `cimd.fetchesPerOriginPerMinute`. */
export const CIMD_FETCHES_PER_ORIGIN_PER_MINUTE = 30

/**
 * The `fetch` oidc-provider uses for Client ID Metadata Documents (and client `jwks_uri`s).
 * oidc-provider already sends these requests with `redirect: 'manual'` (catalogue #137), a
 * 2.5 s timeout, a response-size cap, single-flight per `client_id` and an HTTP-cache-driven
 * cache, and a dispatcher that closes any connection to a special-use address after DNS
 * resolution (loopback, RFC 1918, link-local, CGNAT, ULA, mapped forms — checked on the
 * connected socket, so DNS rebinding cannot slip through; catalogue #135, #136).
 *
 * We add a per-origin budget across all instances (catalogue #142): spraying distinct
 * `client_id` paths of one origin (each a cache miss) cannot make us fetch from that origin
 * more than `cimd.fetchesPerOriginPerMinute` times a minute. And we relax the address guard
 * for development only (`allowPrivateCimdHosts`), optionally with an extra CA.
 */
export function cimdFetch(
  options: AuthorizationServerOptions,
  store: Store,
  logger: Logger,
): Fetch {
  const admit = originFetchBudget(
    store,
    options.cimd?.fetchesPerOriginPerMinute ?? CIMD_FETCHES_PER_ORIGIN_PER_MINUTE,
  )
  const send = options.allowPrivateCimdHosts === true ? developmentFetch(options) : fetch
  return async (url, init) => {
    const target = new URL(url instanceof Request ? url.url : url)
    if (!(await admit(target.origin))) {
      logger.warn('outbound fetch budget exhausted', { origin: target.origin })
      // oidc-provider answers `invalid_client` and does not cache the failure.
      throw new Error('fetch budget for this origin is exhausted')
    }
    return send(url, init)
  }
}

function developmentFetch(options: AuthorizationServerOptions): Fetch {
  let dispatcher: unknown
  return (url, init) => {
    dispatcher ??= options.cimdCa === undefined ? undefined : agentWithCa(options.cimdCa)
    // Drop the special-use-address guard oidc-provider attaches (development only).
    const rest: FetchInit = { ...init }
    delete rest.dispatcher
    return fetch(url, dispatcher === undefined ? rest : ({ ...rest, dispatcher } as RequestInit))
  }
}

function agentWithCa(ca: string): unknown {
  // Node's bundled undici is not importable; its Agent class is reachable through the global
  // dispatcher (the same route oidc-provider takes).
  if (typeof Response !== 'function') return undefined
  const global = globalThis as unknown as Record<
    symbol,
    { constructor: AgentConstructor } | undefined
  >
  const Agent = (
    global[Symbol.for('undici.globalDispatcher.2')] ??
    global[Symbol.for('undici.globalDispatcher.1')]
  )?.constructor
  if (Agent === undefined) return undefined
  return new Agent({ connect: { ca } })
}
