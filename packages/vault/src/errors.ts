import { MandateError } from '@mandate/core'

/** The stable codes of {@link VaultError}. */
export type VaultErrorCode =
  | 'ERR_VAULT_FORMAT'
  | 'ERR_VAULT_DECRYPT_FAILED'
  | 'ERR_VAULT_KEY_UNKNOWN'
  | 'ERR_VAULT_KEY_ACTIVE'
  | 'ERR_VAULT_KEY_IN_USE'
  | 'ERR_VAULT_NOT_LINKED'
  | 'ERR_VAULT_NEEDS_REAUTH'
  | 'ERR_VAULT_UNDECLARED_ACCESS'
  | 'ERR_VAULT_INSUFFICIENT_SCOPE'
  | 'ERR_VAULT_PROVIDER_UNAVAILABLE'
  | 'ERR_VAULT_PROVIDER_UNKNOWN'
  | 'ERR_VAULT_PROVIDER_INVALID'
  | 'ERR_VAULT_LINK_INVALID'
  | 'ERR_VAULT_LINK_FAILED'
  | 'ERR_VAULT_NOT_FOUND'
  | 'ERR_VAULT_INVALID_INPUT'

/** Every error the vault throws on purpose. Messages never contain key material or tokens. */
export class VaultError extends MandateError {
  declare readonly code: VaultErrorCode
  /** For `ERR_VAULT_PROVIDER_UNAVAILABLE`: when a retry may succeed (ms since the epoch). */
  readonly retryAfter: number | undefined

  constructor(
    code: VaultErrorCode,
    message: string,
    options?: { cause?: unknown; retryAfter?: number },
  ) {
    super(code, message, options)
    this.retryAfter = options?.retryAfter
  }
}
