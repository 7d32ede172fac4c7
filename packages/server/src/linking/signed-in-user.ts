import type { IncomingMessage, ServerResponse } from 'node:http'

/** The request as the connect routes see it (Hono on `@hono/node-server`, or plain fetch). */
export interface ConnectRequest {
  req: { raw: Request }
  env: unknown
}

/**
 * Who is signed in in this browser (the authorization server's session), as the user's `sub`,
 * or `undefined`. The connect pages refuse every other user (catalogue #176–177).
 */
export type SignedInUserResolver = (c: ConnectRequest) => Promise<string | undefined>

/** The parts of an `oidc-provider` instance needed to read its browser session. */
export interface OidcSessionSource {
  createContext(req: IncomingMessage, res: ServerResponse): unknown
  Session: { get(ctx: never): Promise<{ accountId?: string | undefined }> }
}

/**
 * Reads the signed-in user from an `oidc-provider` session cookie (the authorization server's
 * own, `as.provider()` in `mandate serve`). The connect routes must be served on the same
 * origin as the provider's cookies, by `@hono/node-server` (it needs the raw Node request).
 */
export function oidcSessionResolver(provider: () => OidcSessionSource): SignedInUserResolver {
  return async (c) => {
    const env = c.env as { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined
    if (env?.incoming === undefined || env.outgoing === undefined) return undefined
    const source = provider()
    const ctx = source.createContext(env.incoming, env.outgoing)
    const session = await source.Session.get(ctx as never)
    return typeof session.accountId === 'string' && session.accountId !== ''
      ? session.accountId
      : undefined
  }
}
