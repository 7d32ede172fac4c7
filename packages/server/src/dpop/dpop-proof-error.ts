import { MandateError } from '@mandate/core'

/**
 * A DPoP proof was refused. `error` is the RFC 9449 §7.1 / §9 code the client sees (with a
 * generic description); the message says which check failed, for logs and audit only.
 */
export class DpopProofError extends MandateError {
  readonly error: 'invalid_dpop_proof' | 'use_dpop_nonce'
  constructor(error: 'invalid_dpop_proof' | 'use_dpop_nonce', reason: string, cause?: unknown) {
    super('ERR_SERVER_DPOP_PROOF', reason, { cause })
    this.error = error
  }
}
