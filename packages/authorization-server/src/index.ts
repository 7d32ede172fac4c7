/**
 * `@mandate/authorization-server`: the OAuth 2.1 / OpenID authorization server MCP clients meet,
 * built on oidc-provider (docs/authorization-server.md).
 *
 * @example
 * ```ts
 * import { serve } from '@hono/node-server'
 * import { Hono } from 'hono'
 * import { createAuthorizationServer } from '@mandate/authorization-server'
 * import { openStore } from '@mandate/store'
 * import { createProviderCatalog, keyFileProvider, openVault } from '@mandate/vault'
 *
 * const store = await openStore({ kind: 'sqlite', filename: './data/mandate.db' }) // migrates
 * const keys = keyFileProvider('./data/keys.json')
 * const vault = await openVault({ store, keys, catalog: createProviderCatalog() })
 * const as = await createAuthorizationServer({
 *   issuer: 'https://auth.example.com',
 *   store,
 *   keys: vault.keys, // seals signing keys and secrets at rest
 *   resources: { 'https://mcp.example.com/mcp': { scopes: ['notes:read', 'notes:write'] } },
 * })
 * const app = new Hono()
 * app.route('/', as.app)
 * serve({ fetch: app.fetch, port: 3000, hostname: '127.0.0.1' })
 * ```
 * @packageDocumentation
 */
export { createAuthorizationServer } from './create-authorization-server.ts'
export type { AuthorizationServer } from './create-authorization-server.ts'
export { revokeGrantEverywhere } from './server/revoke-grant.ts'
export { resolveAuthorizationServerConfig } from './config/resolve-config.ts'
export type { AuthorizationServerConfig, ResolvedLifetimes } from './config/resolve-config.ts'
export type { ConfiguredResource, ResourceRegistry } from './config/resource-registry.ts'
export { AS_DEFAULTS } from './config/defaults.ts'
export type {
  AuthorizationServerOptions,
  ClientCredentialsPolicy,
  ProtectedResourceOptions,
  TokenExchangePolicy,
  UpstreamIdpOptions,
} from './options.ts'
export { Users } from './users/users.ts'
export type { HostForm, LinkedAccountSummary, PendingApprovalSummary } from './options.ts'
export type {
  AdminProviderCheck,
  AdminProviderInput,
  AdminProviderRow,
  AdminProvidersService,
} from './admin/admin-providers-service.ts'
export { grantUserRole, revokeUserRole, userRoles, USER_ROLES } from './users/user-roles.ts'
export type { UserRole } from './users/user-roles.ts'
export type { UserSummary, LoginResult } from './users/users.ts'
export { rotateSigningKey, loadSigningKeys } from './keys/signing-keys.ts'
export type { RotateSigningKeyOptions } from './keys/signing-keys.ts'
export { storeAdapterClass } from './adapter/store-adapter.ts'
export type { StoreAdapterOptions } from './adapter/store-adapter.ts'
export { AuthorizationServerError } from './errors.ts'
export { TokenReuseError } from './provider/token-reuse.ts'
export type { AuthorizationServerErrorCode } from './errors.ts'
export { ROUTES } from './provider/routes.ts'
export { ACR_MFA, ACR_PASSWORD } from './provider/acr.ts'
export {
  ACCOUNT_CLIENT_ID,
  ACCOUNT_SIGN_IN_PATH,
  accountSignInUrl,
} from './provider/account-client.ts'
export { TOKEN_EXCHANGE_GRANT } from './token-exchange/token-exchange-grant.ts'
export { CLIENT_CREDENTIALS_GRANT, PRINCIPAL_CLAIM } from './grants/client-credentials.ts'
export { JWT_BEARER_GRANT, ID_JAG_TYP } from './enterprise/id-jag-grant.ts'
export { ID_JAG_TOKEN_TYPE } from './enterprise/id-jag-issue.ts'
export type {
  EnterpriseOptions,
  ResourceAccess,
  ResourceApplication,
  TrustedEnterpriseIdp,
} from './enterprise/enterprise-options.ts'
export { listGrants, revokeGrantAsOperator } from './revocation/operator-grants.ts'
export { enableClient, listClients, removeClient } from './revocation/operator-clients.ts'
export { withdrawSigningKey } from './revocation/withdraw-signing-key.ts'
export type { OperatorAttribution, OperatorClient } from './revocation/operator-clients.ts'
export type { OperatorGrant } from './revocation/operator-grants.ts'
export {
  announceClientRevoked,
  revokeUserAccess,
  CUT_RETENTION_MS,
} from './revocation/announce-revocation.ts'
