import type { AuthorizationServerOptions } from '../options.ts'

type FetchInit = RequestInit & { dispatcher?: unknown }
type AgentConstructor = new (options: { connect: { ca?: string } }) => unknown

/**
 * The `fetch` oidc-provider uses for Client ID Metadata Documents. oidc-provider already
 * sends these requests with `redirect: 'manual'` (catalogue #137), a 2.5 s timeout, a
 * response-size cap, and a dispatcher that closes any connection to a special-use address
 * after DNS resolution (loopback, RFC 1918, link-local, CGNAT, ULA, mapped forms — checked on
 * the connected socket, so DNS rebinding cannot slip through; catalogue #135, #136). We only
 * relax that for development (`allowPrivateCimdHosts`), optionally with an extra CA.
 */
export function cimdFetch(
  options: AuthorizationServerOptions,
): (url: URL | string | Request, init?: FetchInit) => Promise<Response> {
  if (options.allowPrivateCimdHosts !== true) {
    return (url, init) => fetch(url, init)
  }
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
