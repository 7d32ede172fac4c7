import { MandateError } from '@mandate/core'

/**
 * Stable codes raised by `@mandate/client`. Messages are short and never contain a token, a code or
 * an authorization URL's query.
 */
export const CLIENT_ERROR_CODES = [
  'ERR_CLIENT_RESOURCE_MISMATCH',
  'ERR_CLIENT_PKCE_UNSUPPORTED',
  'ERR_CLIENT_LEGACY_DISCOVERY',
  'ERR_CLIENT_UNSAFE_URL',
  'ERR_CLIENT_STATE_MISMATCH',
  'ERR_CLIENT_ISSUER_MISMATCH',
  'ERR_CLIENT_AUTHORIZATION_DENIED',
  'ERR_CLIENT_AUTHORIZATION_TIMEOUT',
  'ERR_CLIENT_AUTHORIZATION_CANCELLED',
  'ERR_CLIENT_STORE_PERMISSIONS',
  'ERR_CLIENT_STORE_CORRUPT',
  'ERR_CLIENT_ELICITATION_REFUSED',
  'ERR_CLIENT_ELICITATION_TIMEOUT',
  'ERR_CLIENT_HANDSHAKE',
  'ERR_CLIENT_BROWSER',
  'ERR_CLIENT_KEYCHAIN',
  'ERR_CLIENT_ENTERPRISE_GRANT',
  'ERR_CLIENT_WORKLOAD_GRANT',
] as const
/** One of {@link CLIENT_ERROR_CODES}: what a host branches on when a client operation fails. */
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number]

/** Error raised by `@mandate/client` on purpose; `code` is one of {@link CLIENT_ERROR_CODES}. */
export class ClientError extends MandateError {
  declare readonly code: ClientErrorCode

  // Narrows the accepted codes to the client's own.
  // eslint-disable-next-line @typescript-eslint/no-useless-constructor
  constructor(code: ClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
  }
}

/**
 * The authorization server answered the authorization request with an error (RFC 6749
 * §4.1.2.1). `error` holds its OAuth error code (`access_denied`, `invalid_scope`, …), or
 * `invalid_response` when the value was not a plain code; hosts and the client decide on it,
 * never on the message. The `error_description` is not kept: it is server-chosen text.
 */
export class AuthorizationError extends ClientError {
  /** The RFC 6749 §4.1.2.1 `error` code of the authorization response. */
  readonly error: string

  constructor(error: string) {
    const code = /^[a-z_]{1,64}$/.test(error) ? error : 'invalid_response'
    super('ERR_CLIENT_AUTHORIZATION_DENIED', `authorization failed: ${code}`)
    this.error = code
  }
}
