import type { ClientMetadata } from 'oidc-provider'
import { AuthorizationServerError } from '../errors.ts'

// The authorization server's own first-party client, used only to sign a browser in for the
// account page and the connect pages (`/account/sign-in`). It is public (PKCE S256), has one
// exact redirect URI on the issuer, `openid` only, and may never redeem a code at the token
// endpoint: the route that receives the code destroys it, because the oidc-provider session
// cookie set during the login interaction is all the browser needs.

/** Reserved client_id of the internal sign-in client; an operator client may not use it. */
export const ACCOUNT_CLIENT_ID = 'mandate-account'
/** Starts a sign-in and returns to `?return_to=<path>` on the issuer's origin. */
export const ACCOUNT_SIGN_IN_PATH = '/account/sign-in'
/** The internal client's redirect URI (path on the issuer). */
export const ACCOUNT_SIGNED_IN_PATH = '/account/signed-in'

/** The internal sign-in client's metadata (RFC 7591 names), registered as a static client. */
export function accountClientMetadata(issuer: string): ClientMetadata {
  return {
    client_id: ACCOUNT_CLIENT_ID,
    client_name: 'Mandate account',
    application_type: 'web',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    scope: 'openid',
    redirect_uris: [`${issuer}${ACCOUNT_SIGNED_IN_PATH}`],
  }
}

/** Refuses operator-configured clients that claim the reserved id. */
export function assertNoReservedClient(clients: readonly ClientMetadata[]): void {
  if (clients.some((client) => client.client_id === ACCOUNT_CLIENT_ID)) {
    throw new AuthorizationServerError(
      'ERR_AS_CONFIG',
      `client_id "${ACCOUNT_CLIENT_ID}" is reserved for the authorization server's own sign-in`,
    )
  }
}

/**
 * The URL that signs a browser in at the authorization server and then sends it to `returnTo`,
 * a path (`/connect/abc`) or an absolute URL on the issuer's origin (its path and query are
 * kept). For a page that needs a signed-in user, e.g. `createLinking({ signInUrl })`.
 * Throws `ERR_AS_CONFIG` for a `returnTo` on another origin: the route would refuse it anyway.
 */
export function accountSignInUrl(issuer: string, returnTo: string): string {
  const origin = new URL(issuer).origin
  const target = URL.parse(returnTo, `${origin}/`)
  if (target?.origin !== origin) {
    throw new AuthorizationServerError(
      'ERR_AS_CONFIG',
      "returnTo must be a path or a URL on the issuer's origin",
    )
  }
  const url = new URL(ACCOUNT_SIGN_IN_PATH, origin)
  url.searchParams.set('return_to', `${target.pathname}${target.search}`)
  return url.href
}
