import { MandateError } from '@mandate/core'
import { errors } from 'oidc-provider'

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

/**
 * The replay of an authorization code or a rotated refresh token (RFC 9700 §4.5, §4.14.2): the
 * grant behind it has been revoked, and the client gets `invalid_grant` like any refused grant.
 * Its type, not its text, tells the audit listeners that this was reuse (`token.reuse_detected`).
 */
export class TokenReuseError extends errors.InvalidGrant {
  declare readonly error: 'invalid_grant'

  constructor() {
    super('grant already used')
  }
}
