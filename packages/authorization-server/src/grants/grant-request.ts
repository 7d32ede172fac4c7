import { errors } from 'oidc-provider'
import type { Client, KoaContextWithOIDC } from 'oidc-provider'

/** The parameters oidc-provider parsed for a grant type (those named in `registerGrantType`). */
export function grantParams(ctx: KoaContextWithOIDC): Record<string, string | undefined> {
  return ctx.oidc.params as Record<string, string | undefined>
}

/**
 * The authenticated client of a token request for a grant only confidential clients may use
 * (token exchange, client credentials, JWT bearer): a public client (`none`) is refused with
 * `unauthorized_client` (RFC 6749 §5.2), naming what it may not do.
 */
export function confidentialClient(ctx: KoaContextWithOIDC, mayNot: string): Client {
  const client = ctx.oidc.client
  if (client === undefined) throw new errors.InvalidClient()
  if (client.clientAuthMethod === 'none') {
    throw new errors.UnauthorizedClient(`public clients may not ${mayNot}`)
  }
  return client
}
