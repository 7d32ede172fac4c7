import { errors } from 'oidc-provider'
import type { Configuration } from 'oidc-provider'
import type { AuthorizationServerConfig } from '../config/resolve-config.ts'
import { SIGNING_ALG } from '../keys/signing-keys.ts'
import { ACCOUNT_CLIENT_ID } from './account-client.ts'
import { noScopeDefaults } from './default-scope.ts'

type ResourceIndicators = NonNullable<NonNullable<Configuration['features']>['resourceIndicators']>

/**
 * RFC 8707 resource indicators: a token names exactly one configured resource as its audience
 * (the URL as configured), carries at most that resource's scopes and lives as long as that
 * resource's access-token lifetime; it is always a JWT (RFC 9068).
 */
export function resourceIndicators(config: AuthorizationServerConfig): ResourceIndicators {
  const registry = config.resourceRegistry
  const noScope = noScopeDefaults(registry)
  return {
    enabled: true,
    defaultResource: noScope.defaultResource,
    useGrantedResource: () => true,
    getResourceServerInfo: (ctx, indicator, client) => {
      const resource = registry.find(indicator)
      // RFC 8707 §2: a resource we do not serve is `invalid_target`; the internal sign-in
      // client gets no resource at all.
      if (resource === undefined || client.clientId === ACCOUNT_CLIENT_ID) {
        throw new errors.InvalidTarget()
      }
      noScope.applyDefaultScopes(ctx, resource)
      return {
        scope: resource.scopes.join(' '),
        audience: resource.url,
        accessTokenTTL: resource.accessTokenTtlSeconds,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: SIGNING_ALG } },
      }
    },
  }
}
