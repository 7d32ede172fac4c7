import type { IncomingMessage, ServerResponse } from 'node:http'
import { accountSignInUrl } from '@mandate/authorization-server'
import type { ApprovalOptions } from '@mandate/gateway'
import type { OidcSessionSource } from '@mandate/server/linking'

/** Where `mandate serve` mounts the gateway's approval pages. */
export const APPROVAL_PATH = '/gateway/approve'

/** The session as oidc-provider keeps it: the account and how it signed in (`amr`). */
interface SessionWithAmr {
  accountId?: string | undefined
  amr?: unknown
}

/**
 * The gateway's approval pages in `mandate serve` (docs/gateway.md, `approve`): on the public
 * origin under `/gateway/approve`, for the browser signed in at this authorization server (its
 * session cookie, with the session's `amr` for `mfa` rules); a signed-out browser signs in at
 * `/account/sign-in` and comes back.
 */
export function serveApprovalOptions(
  issuer: string,
  publicUrl: URL,
  provider: () => OidcSessionSource,
): ApprovalOptions {
  return {
    baseUrl: publicUrl.origin,
    path: APPROVAL_PATH,
    signInUrl: (returnTo) => accountSignInUrl(issuer, returnTo),
    signedInUser: async (c) => {
      const env = c.env as { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined
      if (env?.incoming === undefined || env.outgoing === undefined) return undefined
      const source = provider()
      const ctx = source.createContext(env.incoming, env.outgoing)
      const session = (await source.Session.get(ctx as never)) as SessionWithAmr
      if (typeof session.accountId !== 'string' || session.accountId === '') return undefined
      const amr = Array.isArray(session.amr)
        ? session.amr.filter((m): m is string => typeof m === 'string')
        : []
      return { sub: session.accountId, amr }
    },
  }
}
