import type { Middleware } from 'koa'
import type { KoaContextWithOIDC } from 'oidc-provider'
import type { ProviderContext } from '../provider/provider-context.ts'
import { ROUTES } from '../provider/routes.ts'

/**
 * Audits RFC 7009 revocations. oidc-provider 9 emits no `revocation.success`, so the outcome is
 * read after its handler ran: the token it resolved, if the caller was allowed to revoke it
 * (its own token, `features.revocation.allowedPolicy`).
 */
export function revocationAudit(emit: ProviderContext['emit']): Middleware {
  return async (ctx, next) => {
    await next()
    if (ctx.method !== 'POST' || ctx.path !== ROUTES.revocation || ctx.status !== 200) return
    const { oidc } = ctx as unknown as KoaContextWithOIDC
    const token = oidc.entities.AccessToken ?? oidc.entities.RefreshToken
    const clientId = oidc.client?.clientId
    if (token === undefined || clientId === undefined || token.clientId !== clientId) return
    emit({
      type: 'token.revoked',
      client_id: clientId,
      token_type: token.kind === 'RefreshToken' ? 'refresh_token' : 'access_token',
    })
  }
}
