import { MandateError } from '../errors.ts'

/**
 * Error codes a protected resource answers with: RFC 6750 §3.1, RFC 9449 §7.1 and §9 (DPoP),
 * RFC 9470 §3 (step-up).
 */
export type ResourceErrorCode =
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'insufficient_user_authentication'

/** The JSON error object of an OAuth response (RFC 6749 §5.2 wire names). */
export interface OAuthErrorResponse {
  error: string
  error_description?: string
  error_uri?: string
}

/**
 * An OAuth error meant for the wire. `error` is the registered code, `description` a short,
 * fixed text safe to show a client (never a token or a secret, never attacker input).
 */
export class OAuthProtocolError extends MandateError {
  readonly error: string
  readonly description: string | undefined
  readonly status: number

  constructor(
    error: string,
    options: { status: number; description?: string; code?: string; cause?: unknown },
  ) {
    super(options.code ?? `ERR_OAUTH_${error.toUpperCase()}`, options.description ?? error, {
      cause: options.cause,
    })
    this.error = error
    this.description = options.description
    this.status = options.status
  }

  /** The RFC 6749 §5.2 JSON body. */
  toJSON(): OAuthErrorResponse {
    return this.description === undefined
      ? { error: this.error }
      : { error: this.error, error_description: this.description }
  }
}

/** JSON-RPC 2.0 error codes used by MCP (JSON-RPC 2.0 §5.1 plus MCP's own). */
export const JSONRPC_ERROR = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  /** MCP 2025-11-25: URLElicitationRequiredError. */
  urlElicitationRequired: -32042,
} as const
