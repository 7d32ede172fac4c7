import type { UserSummary } from '../users/users.ts'

/**
 * An enterprise IdP whose Identity Assertion JWT Authorization Grants (ID-JAGs) this server
 * redeems (RFC 7523 JWT bearer grant; draft-ietf-oauth-identity-assertion-authz-grant).
 */
export interface TrustedEnterpriseIdp {
  /** The IdP's issuer: the ID-JAG's `iss`, compared exactly. */
  issuer: string
  /** The IdP's key set. Default: `jwks_uri` from its OpenID/RFC 8414 metadata. */
  jwksUri?: string
  /**
   * How the ID-JAG's subject becomes a local user: `email` (the existing user with that
   * address), `sub` (a user already linked to this IdP's `sub`), or `jit` (linked to it, created
   * on first use).
   */
  subject: 'email' | 'sub' | 'jit'
  /** Clients that may redeem this IdP's ID-JAGs. Default: every confidential client. */
  clients?: string[]
  /** Development and tests only: `http:` and private addresses for the IdP. */
  allowInsecure?: boolean
}

/** Who may reach a resource application: usernames, or an operator's decision per user. */
export type ResourceAccess = readonly string[] | ((user: UserSummary) => boolean | Promise<boolean>)

/**
 * A resource application (another authorization server, e.g. an MCP server's) for which this
 * server, as the enterprise IdP, mints ID-JAGs for its signed-in users.
 */
export interface ResourceApplication {
  /** The resource application's authorization server issuer: the ID-JAG's `aud`. */
  audience: string
  /** Resource URLs (RFC 8707) at that server an ID-JAG may name. */
  resources: string[]
  /** Our client id (the requester) → its `client_id` at the resource application. */
  clients: Record<string, string>
  /** Scopes an ID-JAG may carry (the requested ones, at most these). */
  scopes: string[]
  /** Users allowed to reach it (the IdP's central policy). */
  users: ResourceAccess
  /** ID-JAG lifetime, seconds. Default 300. */
  ttlSeconds?: number
}

/**
 * Enterprise-Managed Authorization (ID-JAG, draft-ietf-oauth-identity-assertion-authz-grant):
 * the IdPs this server trusts as a resource application, and the applications it mints ID-JAGs
 * for as an IdP.
 */
export interface EnterpriseOptions {
  /** Resource-application role: IdPs whose ID-JAGs are accepted. */
  trustedIdps?: TrustedEnterpriseIdp[]
  /** IdP role: applications we mint ID-JAGs for. */
  resourceApplications?: ResourceApplication[]
}
