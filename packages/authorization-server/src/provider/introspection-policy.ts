import type {
  AccessToken,
  Client,
  ClientCredentials,
  KoaContextWithOIDC,
  RefreshToken,
} from 'oidc-provider'
import { canonicalUrl } from '@mandate/core'
import type { AuthorizationServerConfig } from '../config/resolve-config.ts'

type AllowedPolicy = (
  ctx: KoaContextWithOIDC,
  client: Client,
  token: AccessToken | ClientCredentials | RefreshToken,
) => boolean

/**
 * Who may learn what a token is (RFC 7662 §4, catalogue #48). A token is described (`active:
 * true`) only to its own client, or to a resource server introspecting an access token minted
 * for it: an operator-configured confidential client listed in that resource's
 * `introspectionClients`. Everyone else gets `active: false` (RFC 7662 §2.2: "not allowed to
 * introspect this particular token"), never a 401/403 that would confirm the token exists.
 * The right lives in the operator's resource configuration, not in client metadata, so no
 * client registered by DCR or CIMD can obtain it.
 */
export function introspectionPolicy(config: AuthorizationServerConfig): AllowedPolicy {
  const audiencesOf = introspectionAudiences(config)
  return (_ctx, client, token) => {
    if (token.clientId === client.clientId) return true
    if (client.clientAuthMethod === 'none' || token.kind !== 'AccessToken') return false
    const allowed = audiencesOf.get(client.clientId)
    if (allowed === undefined) return false
    const aud = (token as { aud?: string | string[] }).aud
    const audiences = Array.isArray(aud) ? aud : aud === undefined ? [] : [aud]
    return audiences.some((a) => allowed.has(canonicalUrl(a) ?? ''))
  }
}

/**
 * client_id → canonical URLs of the resources whose tokens it may introspect (each client was
 * checked to be an operator-configured confidential one when the configuration was resolved).
 */
export function introspectionAudiences(
  config: AuthorizationServerConfig,
): Map<string, Set<string>> {
  const map = new Map<string, Set<string>>()
  for (const resource of config.resourceRegistry.list) {
    for (const clientId of resource.introspectionClients) {
      const set = map.get(clientId) ?? new Set<string>()
      set.add(resource.canonical)
      map.set(clientId, set)
    }
  }
  return map
}
