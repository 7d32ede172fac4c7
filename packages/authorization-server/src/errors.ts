import { MandateError } from '@mandate/core'

/** The stable `code` of an {@link AuthorizationServerError}. */
export type AuthorizationServerErrorCode =
  | 'ERR_AS_KEY_RING'
  | 'ERR_AS_UNSEAL'
  | 'ERR_AS_CONFIG'
  | 'ERR_AS_USER_EXISTS'
  | 'ERR_AS_USER_NOT_FOUND'
  | 'ERR_AS_MFA_NOT_ENROLLED'
  | 'ERR_AS_PASSWORD_POLICY'
  | 'ERR_AS_NO_SIGNING_KEY'
  | 'ERR_AS_FETCH_BUDGET'

/** Errors of @mandate/authorization-server; `code` is stable. */
export class AuthorizationServerError extends MandateError {
  declare readonly code: AuthorizationServerErrorCode
}
