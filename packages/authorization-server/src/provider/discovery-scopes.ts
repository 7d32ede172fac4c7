import type { Middleware } from 'koa'
import type { ResourceRegistry } from '../config/resource-registry.ts'

/**
 * RFC 8414 §2 `scopes_supported`: oidc-provider lists only its OpenID scopes; a client that
 * reads the metadata to choose scopes (MCP "Scope Selection Strategy") must also see the scopes
 * of every configured resource. Both discovery documents are served by this one route.
 */
export function discoveryScopes(registry: ResourceRegistry): Middleware {
  const resourceScopes = registry.scopes
  return async (ctx, next) => {
    await next()
    if (ctx.path !== '/.well-known/openid-configuration' || ctx.status !== 200) return
    const body = ctx.body as { scopes_supported?: unknown } | undefined
    if (body === undefined || typeof body !== 'object') return
    const own = Array.isArray(body.scopes_supported) ? (body.scopes_supported as string[]) : []
    body.scopes_supported = [...new Set([...own, ...resourceScopes])]
  }
}
