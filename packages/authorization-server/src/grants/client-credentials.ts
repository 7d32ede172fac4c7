import { errors } from 'oidc-provider'
import type { Client, KoaContextWithOIDC } from 'oidc-provider'
import type Provider from 'oidc-provider'
import type { AuthorizationServerConfig } from '../config/resolve-config.ts'
import { entryForResource } from '../config/resource-registry.ts'
import type { ConfiguredResource } from '../config/resource-registry.ts'
import type { ClientCredentialsPolicy } from '../options.ts'
import type { ProviderContext } from '../provider/provider-context.ts'
import { confidentialClient, grantParams } from './grant-request.ts'
import { mintAccessToken, scopeList } from './mint-access-token.ts'

/** The `grant_type` of the client credentials grant (RFC 6749 §4.4.2). */
export const CLIENT_CREDENTIALS_GRANT = 'client_credentials'
/** The claim that marks a token's subject as a machine (no person present). */
export const PRINCIPAL_CLAIM = 'mandate_principal'

/**
 * The client credentials grant (RFC 6749 §4.4) as the MCP "OAuth Client Credentials"
 * extension profiles it: only operator-registered confidential clients (`client_secret_basic`,
 * `private_key_jwt`, RFC 7523 §2.2) get a token, for exactly one configured `resource`
 * (RFC 8707), with at most the scopes the operator allowed them there. The token's `sub` is the
 * client itself and `mandate_principal: "machine"` says that no person is behind it, so that
 * tools can require one. Dynamically registered and CIMD clients are refused unless the policy's
 * `dynamicClients` entry allows them.
 */
export function registerClientCredentials(provider: Provider, context: ProviderContext): void {
  provider.registerGrantType(
    CLIENT_CREDENTIALS_GRANT,
    (ctx: KoaContextWithOIDC) => issueMachineToken(ctx, context),
    ['resource', 'scope'],
  )
}

/** The token endpoint for `grant_type=client_credentials`, step by step. */
async function issueMachineToken(ctx: KoaContextWithOIDC, context: ProviderContext): Promise<void> {
  const client = confidentialClient(ctx, 'use client credentials')
  const policy = machinePolicy(context.config, client)
  const params = grantParams(ctx)
  const { resource, permitted } = permittedTarget(context.config, policy, params['resource'])
  const scopes = requestedScopes(permitted, params['scope'])
  const ttl = resource.accessTokenTtlSeconds
  const { value, jti } = await mintAccessToken(context.keys, {
    issuer: context.config.issuer,
    sub: client.clientId,
    clientId: client.clientId,
    audience: resource.url,
    scopes,
    exp: Math.floor(Date.now() / 1000) + ttl,
    claims: { [PRINCIPAL_CLAIM]: 'machine' },
  })
  context.emit({
    type: 'token.issued',
    sub: client.clientId,
    client_id: client.clientId,
    jti,
    aud: resource.url,
    scope: scopes.join(' '),
    grant_type: CLIENT_CREDENTIALS_GRANT,
    principal: 'machine',
  })
  ctx.body = { access_token: value, token_type: 'Bearer', expires_in: ttl, scope: scopes.join(' ') }
}

/** The operator's policy for this client; a client with none may not use the grant. */
function machinePolicy(config: AuthorizationServerConfig, client: Client): ClientCredentialsPolicy {
  const { clients, dynamicClients } = config.clientCredentials
  const policy = config.configuredClientIds.has(client.clientId)
    ? clients.find((p) => p.clientId === client.clientId)
    : dynamicClients === undefined
      ? undefined
      : { clientId: client.clientId, resources: dynamicClients.resources }
  if (policy === undefined) {
    throw new errors.UnauthorizedClient('client may not use client credentials')
  }
  return policy
}

/** Exactly one target, configured and allowed for this client (RFC 8707 §2), and its scopes. */
function permittedTarget(
  config: AuthorizationServerConfig,
  policy: ClientCredentialsPolicy,
  target: string | undefined,
): { resource: ConfiguredResource; permitted: string[] } {
  if (target === undefined) throw new errors.InvalidTarget('resource is required')
  const resource = config.resourceRegistry.find(target)
  const allowed = resource === undefined ? undefined : entryForResource(policy.resources, resource)
  if (allowed === undefined || resource === undefined) {
    throw new errors.InvalidTarget('resource is not allowed for this client')
  }
  return { resource, permitted: allowed.filter((scope) => resource.scopes.includes(scope)) }
}

/** The requested scopes (default: all permitted), each of them permitted (RFC 6749 §3.3). */
function requestedScopes(permitted: readonly string[], scope: string | undefined): string[] {
  const requested = scope === undefined ? [...permitted] : scopeList(scope)
  const refused = requested.filter((s) => !permitted.includes(s))
  if (refused.length > 0) {
    throw new errors.InvalidScope('scope is not allowed for this client', refused.join(' '))
  }
  if (requested.length === 0) throw new errors.InvalidScope('no scope is allowed here', '')
  return requested
}
