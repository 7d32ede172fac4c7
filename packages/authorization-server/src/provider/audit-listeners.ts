import type { EventEmitter } from 'node:events'
import type Provider from 'oidc-provider'
import type { KoaContextWithOIDC } from 'oidc-provider'
import type { Logger } from '@mandate/core'
import { TOKEN_EXCHANGE_GRANT } from '../token-exchange/token-exchange-grant.ts'
import type { AuditEmit } from './provider-context.ts'
import { isTokenReuse } from './token-reuse.ts'

/** Turns oidc-provider's events into typed audit events (no token values, ever). */
export function attachAuditListeners(instance: Provider, emit: AuditEmit, logger: Logger): void {
  // oidc-provider's typed overloads do not cover every event; it is a plain EventEmitter.
  const provider = instance as unknown as EventEmitter
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    auditTokenResponse(ctx, emit)
  })
  provider.on('grant.error', (ctx: KoaContextWithOIDC, error: unknown) => {
    if (!isTokenReuse(ctx, error)) return
    const grantType = paramString(ctx.oidc.params?.['grant_type'], '')
    emit({
      type: 'token.reuse_detected',
      client_id: ctx.oidc.client?.clientId ?? '',
      token_type: grantType === 'refresh_token' ? 'refresh_token' : 'authorization_code',
    })
  })
  provider.on('revocation.success', (ctx: KoaContextWithOIDC) => {
    const hint = paramString(ctx.oidc.params?.['token_type_hint'], 'unknown')
    emit({ type: 'token.revoked', client_id: ctx.oidc.client?.clientId ?? '', token_type: hint })
  })
  provider.on(
    'registration_create.success',
    (_ctx: KoaContextWithOIDC, client: { clientId: string; clientName?: string }) => {
      emit({
        type: 'client.registered',
        client_id: client.clientId,
        method: 'dcr',
        ...(client.clientName === undefined ? {} : { client_name: client.clientName }),
      })
    },
  )
  provider.on('server_error', (_ctx: KoaContextWithOIDC, error: Error) => {
    logger.error('authorization server error', { error: error.message })
  })
}

/** `token.refreshed` or `token.issued`; token exchange audits itself (with its `act` chain). */
function auditTokenResponse(ctx: KoaContextWithOIDC, emit: AuditEmit): void {
  const grantType = paramString(ctx.oidc.params?.['grant_type'], '')
  const clientId = ctx.oidc.client?.clientId ?? ''
  const grantId = ctx.oidc.entities.Grant?.jti
  const sub = ctx.oidc.entities.Account?.accountId
  if (grantType === 'refresh_token') {
    emit({
      type: 'token.refreshed',
      client_id: clientId,
      ...(grantId === undefined ? {} : { grant_id: grantId }),
      ...(sub === undefined ? {} : { sub }),
    })
  } else if (grantType !== TOKEN_EXCHANGE_GRANT) {
    const body = (ctx.body ?? {}) as { scope?: string }
    emit({
      type: 'token.issued',
      client_id: clientId,
      grant_type: grantType,
      ...(grantId === undefined ? {} : { grant_id: grantId }),
      ...(sub === undefined ? {} : { sub }),
      ...(body.scope === undefined ? {} : { scope: body.scope }),
    })
  }
}

function paramString(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback
}
