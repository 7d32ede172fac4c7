import { MandateError } from '@mandate/core'

/**
 * A token was refused. `error` is the RFC 6750 §3.1 code the client sees, always with a generic
 * description; `reason` is a fixed, short text for logs and audit only (it says which check
 * failed, an oracle on the wire). The cause, which may quote attacker input, stays server-side.
 */
export class TokenRejectedError extends MandateError {
  readonly error = 'invalid_token'
  readonly reason: string
  constructor(reason: string, options?: { cause?: unknown; code?: string }) {
    super(options?.code ?? 'ERR_SERVER_TOKEN_REJECTED', reason, options)
    this.reason = reason
  }
}
