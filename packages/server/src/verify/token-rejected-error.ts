import { MandateError } from '@mandate/core'

/**
 * A token was refused. `reason` is a fixed, short text safe for `error_description`; the cause
 * (which may quote attacker input) stays server-side.
 */
export class TokenRejectedError extends MandateError {
  readonly reason: string
  constructor(reason: string, options?: { cause?: unknown; code?: string }) {
    super(options?.code ?? 'ERR_SERVER_TOKEN_REJECTED', reason, options)
    this.reason = reason
  }
}
