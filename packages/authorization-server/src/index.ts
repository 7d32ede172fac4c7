export { createAuthorizationServer, revokeGrantEverywhere } from './create-authorization-server.ts'
export type { AuthorizationServer } from './create-authorization-server.ts'
export type {
  AuthorizationServerOptions,
  ProtectedResourceOptions,
  TokenExchangePolicy,
  UpstreamIdpOptions,
} from './options.ts'
export { Users } from './users/users.ts'
export type { UserSummary, LoginResult } from './users/users.ts'
export { rotateSigningKey, loadSigningKeys } from './keys/signing-keys.ts'
export type { RotateSigningKeyOptions } from './keys/signing-keys.ts'
export { storeAdapterClass } from './adapter/store-adapter.ts'
export type { StoreAdapterOptions } from './adapter/store-adapter.ts'
export { AuthorizationServerError } from './errors.ts'
export type { AuthorizationServerErrorCode } from './errors.ts'
export { ROUTES, ACR_MFA, ACR_PASSWORD } from './provider/build-provider.ts'
export {
  ACCOUNT_CLIENT_ID,
  ACCOUNT_SIGN_IN_PATH,
  accountSignInUrl,
} from './provider/account-client.ts'
export { TOKEN_EXCHANGE_GRANT } from './token-exchange/token-exchange-grant.ts'
