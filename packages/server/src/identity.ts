import { MandateError } from '@mandate/core'
import type { AuthInfo } from '@modelcontextprotocol/server'

/** One link of an RFC 8693 §4.1 `act` chain: who acts, and on whose behalf they act. */
export interface Actor {
  sub: string
  client_id?: string
  iss?: string
  /** The actor before this one (the chain is nested, most recent actor outermost). */
  act?: Actor
}

/**
 * The verified caller, as tool handlers see it. It carries no token: the toolkit gives handlers
 * no way to forward the caller's credential upstream (MCP security best practices, "Token
 * Passthrough"; catalogue #89, #158).
 */
export interface McpIdentity {
  /** The user (resource owner) the token was issued for. */
  readonly sub: string
  /** The OAuth client the user authorised (`client_id`, or `azp` for IdPs that use it). */
  readonly clientId: string
  readonly issuer: string
  readonly scopes: readonly string[]
  readonly acr: string | undefined
  readonly amr: readonly string[]
  /** When the user last authenticated, seconds since the epoch (OIDC `auth_time`). */
  readonly authTime: number | undefined
  /** The delegation chain, when the token came from a token exchange. */
  readonly act: Actor | undefined
  /** RFC 7638 thumbprint of the DPoP key the token is bound to (`cnf.jkt`), if any. */
  readonly jkt: string | undefined
  readonly jti: string | undefined
  /** Expiry, seconds since the epoch. */
  readonly expiresAt: number
  /**
   * `person` when a user is behind the token; `machine` when the client acts for itself
   * (client credentials, `mandate_principal: "machine"`; `sub` names the client). Tools can
   * require a person (`requires: { person: true }`).
   */
  readonly principal?: 'person' | 'machine'
}

const IDENTITY_KEY = 'mandate.identity'

/** Builds the SDK's `AuthInfo` for handlers. Its `token` is empty on purpose (no passthrough). */
export function toAuthInfo(identity: McpIdentity, resource: URL, metadataUrl: string): AuthInfo {
  return {
    token: '',
    clientId: identity.clientId,
    scopes: [...identity.scopes],
    expiresAt: identity.expiresAt,
    resource,
    resourceMetadataUrl: metadataUrl,
    extra: { [IDENTITY_KEY]: identity },
  }
}

/**
 * The verified identity of the caller of a tool, resource or prompt handler, from the handler's
 * context (`ctx.http?.authInfo`) or the factory's `authInfo`.
 * @throws MandateError `ERR_SERVER_NO_IDENTITY` when the request was not authenticated by this
 *   toolkit (a handler must never run without one, so this is a wiring bug).
 * @example
 * ```ts
 * const whoami = defineTool('whoami', {}, (ctx) => {
 *   const { sub, clientId, scopes } = getIdentity(ctx)
 *   return { content: [{ type: 'text', text: JSON.stringify({ sub, clientId, scopes }) }] }
 * })
 * ```
 */
export function getIdentity(
  source: { http?: { authInfo?: AuthInfo } } | AuthInfo | undefined,
): McpIdentity {
  const authInfo = source !== undefined && 'clientId' in source ? source : source?.http?.authInfo
  const identity = authInfo?.extra?.[IDENTITY_KEY]
  if (!isIdentity(identity)) {
    throw new IdentityMissingError()
  }
  return identity
}

/** Like {@link getIdentity}, but `undefined` instead of throwing (unauthenticated test mode). */
export function findIdentity(
  source: { http?: { authInfo?: AuthInfo } } | AuthInfo | undefined,
): McpIdentity | undefined {
  const authInfo = source !== undefined && 'clientId' in source ? source : source?.http?.authInfo
  const identity = authInfo?.extra?.[IDENTITY_KEY]
  return isIdentity(identity) ? identity : undefined
}

function isIdentity(value: unknown): value is McpIdentity {
  return (
    typeof value === 'object' && value !== null && typeof (value as McpIdentity).sub === 'string'
  )
}

class IdentityMissingError extends MandateError {
  constructor() {
    super('ERR_SERVER_NO_IDENTITY', 'no verified identity on this request')
  }
}
