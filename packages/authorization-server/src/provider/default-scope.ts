import { errors } from 'oidc-provider'
import type { Client, KoaContextWithOIDC } from 'oidc-provider'
import type { ConfiguredResource, ResourceRegistry } from '../config/resource-registry.ts'
import { ACCOUNT_CLIENT_ID } from './account-client.ts'

// Routes where an authorization request is first validated (before sign-in).
const FRONT = new Set(['authorization', 'pushed_authorization_request'])

/** The two hooks that give a request without `scope` its defaults (see {@link noScopeDefaults}). */
export interface NoScopeDefaults {
  /** `features.resourceIndicators.defaultResource`. */
  defaultResource: (
    ctx: KoaContextWithOIDC,
    client: Client,
    oneOf?: readonly string[],
  ) => string | readonly string[] | undefined
  /** Called from `getResourceServerInfo`: fills in the scopes of a request that named none. */
  applyDefaultScopes: (ctx: KoaContextWithOIDC, resource: ConfiguredResource) => void
}

/**
 * RFC 6749 §3.3: a request without `scope` is processed with a pre-defined default or refused
 * with `invalid_scope`. We default (the MCP client that omits `scope` does so because the
 * resource named none): the resource's `defaultScopes` (all its scopes unless configured), each
 * still shown on the consent page to be granted or unticked. A request naming neither `scope`
 * nor `resource` targets the default resource (RFC 8707 §2); when there is none to pick it is
 * refused before sign-in with `invalid_scope` and a description.
 */
export function noScopeDefaults(registry: ResourceRegistry): NoScopeDefaults {
  const fallback = registry.defaultResource?.url
  const defaulted = new WeakSet<object>()
  const scopeless = (ctx: KoaContextWithOIDC): boolean =>
    FRONT.has(ctx.oidc.route) && (!ctx.oidc.params?.['scope'] || defaulted.has(ctx))

  return {
    defaultResource: (ctx, client, oneOf) => {
      if (oneOf !== undefined) return oneOf
      if (client.clientId === ACCOUNT_CLIENT_ID || !scopeless(ctx)) return undefined
      if (fallback === undefined) {
        throw new errors.CustomOIDCProviderError(
          'invalid_scope',
          'no scope requested and no default resource: name a resource and its scopes',
        )
      }
      return fallback
    },
    applyDefaultScopes: (ctx, resource) => {
      const params = ctx.oidc.params
      if (params === undefined || !scopeless(ctx)) return
      defaulted.add(ctx)
      const given = typeof params['scope'] === 'string' ? params['scope'].split(' ') : []
      const scopes = new Set(given.filter((s) => s !== ''))
      for (const s of resource.defaultScopes) scopes.add(s)
      params['scope'] = [...scopes].join(' ')
    },
  }
}
