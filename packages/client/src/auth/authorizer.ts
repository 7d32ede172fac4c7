/** Why an authorization request is being made; shown to the person. */
export type AuthorizationReason =
  'initial' | 'step-up-scope' | 'step-up-authentication' | 'reauthorize'

/** One authorization request handed to the host's {@link Authorizer}. */
export interface AuthorizationRequest {
  /** Validated (catalogue #159) authorization URL to open in the user's browser. */
  url: URL
  /** The `state` value this flow expects back (RFC 6749 §10.12). */
  state: string
  reason: AuthorizationReason
  /** The MCP server that asked for authorization. */
  serverUrl: string
  scope?: string
}

/**
 * The host's half of the authorization-code flow: send the person's browser to `url` and return
 * the query parameters the redirect URI received. Mandate checks `state` and `iss` itself.
 */
export interface Authorizer {
  /** The redirect URI registered for this host, e.g. `http://127.0.0.1:43117/callback`. */
  readonly redirectUrl: string
  /**
   * How long `authorize` waits for the person, when the authorizer has a limit. A host's MCP
   * request timeout must exceed it, or the request gives up while the browser step still runs.
   */
  readonly timeoutMs?: number
  authorize(request: AuthorizationRequest): Promise<URLSearchParams>
}
