// `@mandate/authorization-server/operator`: what the operator commands (`mandate users`,
// `grants`, `clients`, `keys withdraw`) need, without oidc-provider, Koa, Hono and the pages
// that the main entry loads. A CLI command starts in about half the modules that way.
export { AuthorizationServerError } from './errors.ts'
export type { AuthorizationServerErrorCode } from './errors.ts'
export { enableClient, listClients, removeClient } from './revocation/operator-clients.ts'
export { listGrants, revokeGrantAsOperator } from './revocation/operator-grants.ts'
export { withdrawSigningKey } from './revocation/withdraw-signing-key.ts'
export { grantUserRole, revokeUserRole } from './users/user-roles.ts'
export { Users } from './users/users.ts'
