import type { AuditSink, Logger } from '@mandate/core'
import type { Store } from '@mandate/store'
import type { KeyWrapper } from '@mandate/vault'
import type { ClientMetadata } from 'oidc-provider'
import type { EnterpriseOptions } from './enterprise/enterprise-options.ts'
import type { AdminProvidersService } from './admin/admin-providers-service.ts'

/**
 * A form of the host rendered on `/account`: a same-origin path it posts to and its hidden
 * fields (the host's own CSRF token among them), e.g. `linking.overview()`'s relink form.
 */
export interface HostForm {
  action: string
  fields: Readonly<Record<string, string>>
}

/** A linked third-party account as `/account` lists it (never a secret). */
export interface LinkedAccountSummary {
  provider: string
  account: string
  scopes: string[]
  lastUsedAt: number | null
  needsReauth: boolean
  /** Connect it again (the host's relink form); absent when it cannot be. */
  relink?: HostForm | undefined
}

/** A request to connect an account the user has not finished (`/account`'s pending approvals). */
export interface PendingApprovalSummary {
  provider: string
  scopes: string[]
  requestedAt: number
  open: HostForm
  cancel: HostForm
}

/** A protected resource (RFC 8707 resource indicator) and the scopes it accepts. */
export interface ProtectedResourceOptions {
  /** Scopes a token for this resource may carry. */
  scopes: string[]
  /** Access-token lifetime for this resource, seconds. Default `ttl.accessTokenSeconds`. */
  accessTokenTtlSeconds?: number
  /**
   * Scopes asked for (each still consented to) when an authorization request names none
   * (RFC 6749 §3.3). Default: all of `scopes`.
   */
  defaultScopes?: string[]
  /**
   * Operator-configured confidential clients (this resource server's own credentials) that may
   * introspect access tokens minted for this resource (RFC 7662). Nobody else may.
   */
  introspectionClients?: string[]
}

/** Which confidential client may exchange which subject tokens toward which audiences. */
export interface TokenExchangePolicy {
  /** The requesting (actor) client, e.g. the gateway. Must be confidential. */
  clientId: string
  /** Audiences a subject token must carry (one of) to be exchanged by this client. */
  subjectAudiences: string[]
  /** Resources this client may obtain tokens for; each must be a configured resource. */
  audiences: string[]
}

/**
 * An operator-registered confidential client allowed the client credentials grant (machine to
 * machine, no person present; MCP "OAuth Client Credentials" extension).
 */
export interface ClientCredentialsPolicy {
  /** An operator-configured confidential client (`clients`). */
  clientId: string
  /** Resource URL → the scopes this client may get there (each a scope of the resource). */
  resources: Record<string, string[]>
}

/** An upstream OpenID provider users may sign in with. */
export interface UpstreamIdpOptions {
  /** Issuer URL; discovery is read from its `/.well-known/openid-configuration`. */
  issuer: string
  /** Our client id at the upstream provider. */
  clientId: string
  /** Client secret (`client_secret_basic`); omit for a public client with PKCE only. */
  clientSecret?: string
  /** Label on the login page, e.g. "Sign in with Acme". */
  name: string
  /** Scopes to request. Default `openid email profile`. */
  scopes?: string[]
  /** Allow http and private addresses for the upstream (development and tests). */
  allowInsecure?: boolean
}

/**
 * What `createAuthorizationServer` is configured with; every default is listed in `AS_DEFAULTS`
 * and in the configuration reference of docs/authorization-server.md.
 */
export interface AuthorizationServerOptions {
  /** The public issuer URL (RFC 8414 §2); endpoints and cookies derive from it. */
  issuer: string
  /** The store (migrated): records, keys, grants and every cross-instance primitive. */
  store: Store
  /** Where the server logs (never a secret); tagged `component: authorization-server`. */
  logger?: Logger
  /**
   * Seals signing keys, TOTP secrets and installation secrets at rest in the vault's envelope
   * (`sealValue`). Pass the vault's `keys` so that key rotation, re-wrap and retire cover
   * them. Required: nothing is stored in clear.
   */
  keys: KeyWrapper
  /** Resource URL → allowed scopes. Tokens are only minted for these audiences. */
  resources: Record<string, ProtectedResourceOptions>
  /**
   * Scope → what it lets an application do, in words people understand ("Read your notes"),
   * shown on the consent and account pages (the scope's name stays one click away).
   */
  scopeDescriptions?: Record<string, string>
  /**
   * The user's linked third-party accounts (metadata only), listed on `/account`; unlinking
   * stays on the linked-accounts page (`mandate serve` passes the vault's list).
   */
  linkedAccounts?: (sub: string) => Promise<LinkedAccountSummary[]>
  /** The user's unfinished requests to link an account, listed on `/account` (open, cancel). */
  pendingApprovals?: (sub: string) => Promise<PendingApprovalSummary[]>
  /**
   * The operator console's providers section (`/admin/providers`: add, test, remove);
   * `mandate serve` passes the code behind `mandate providers`. Without it the section lists.
   */
  adminProviders?: AdminProvidersService
  /** Pre-registered clients (oidc-provider client metadata, RFC 7591 names). */
  clients?: ClientMetadata[]
  /** Client ID Metadata Documents (URL client_ids). */
  cimd?: {
    /** Default true. */
    enabled?: boolean
    /** When non-empty, only these hosts (exact, or a suffix after a dot) may be fetched. */
    allowDomains?: string[]
    /** Hosts never fetched (exact, or a suffix after a dot). Checked before `allowDomains`. */
    denyDomains?: string[]
    /** Document fetches per origin per minute, all instances together. Default 30. */
    fetchesPerOriginPerMinute?: number
  }
  /**
   * Development only: every fetch oidc-provider makes (CIMD, client `jwks_uri`,
   * `sector_identifier_uri`) may reach loopback, private and other special-use addresses.
   */
  allowPrivateCimdHosts?: boolean
  /**
   * Hosts (exact names or IP literals) the server may fetch from although they resolve to
   * loopback, private or other special-use addresses: CIMD, client `jwks_uri`,
   * `sector_identifier_uri`, the upstream IdP. Every other host must resolve to public
   * addresses only, checked before connecting. Default none.
   */
  allowedPrivateHosts?: string[]
  /** Extra CA certificates (PEM) trusted for outbound fetches (tests, private PKI). */
  cimdCa?: string
  /** Dynamic Client Registration (RFC 7591). */
  dcr?: {
    /** Default true. */
    enabled?: boolean
    /** Unused registrations expire after this many seconds (extended while tokens live). Default 30 days. */
    ttlSeconds?: number
    /** Registrations per source address per hour. Default 20. */
    perSourcePerHour?: number
  }
  /** Lifetimes, seconds (defaults in `AS_DEFAULTS`). */
  ttl?: {
    /** JWT access tokens, unless the resource sets its own. Default 300 (5 minutes). */
    accessTokenSeconds?: number
    /** Default 60. */
    authorizationCodeSeconds?: number
    /** Refresh token idle lifetime. Default 14 days. */
    refreshTokenSeconds?: number
    /** Absolute lifetime of a grant (and its refresh tokens). Default 90 days. */
    grantSeconds?: number
    /** Browser session. Default 1 day. */
    sessionSeconds?: number
  }
  /**
   * How long a rotated refresh token may be used once more, and only while its successor is
   * unused (two parallel refreshes). Default 0 (off): every reuse revokes the grant.
   */
  refreshGraceSeconds?: number
  /**
   * The resource of an authorization request that names neither `resource` nor `scope`.
   * Default: the only configured resource, when there is exactly one.
   */
  defaultResource?: string
  /**
   * Hosts (exact, or a suffix after a dot) of dynamically registered or CIMD clients' redirect
   * URIs that may receive error redirects from the authorization endpoint. Loopback is always
   * allowed; other such clients get an error page instead (RFC 9700 §4.11.2).
   */
  errorRedirectDomains?: string[]
  /** RFC 8693 token exchange; refused to every client without a policy. */
  tokenExchange?: { policies: TokenExchangePolicy[] }
  /** The client credentials grant; refused to every client not listed. */
  clientCredentials?: {
    clients: ClientCredentialsPolicy[]
    /** Dynamically registered and CIMD clients: refused unless this is set. */
    dynamicClients?: { resources: Record<string, string[]> }
  }
  /** Enterprise-Managed Authorization (docs/enterprise.md). */
  enterprise?: EnterpriseOptions
  /** An upstream OpenID provider users may sign in with (a button on the login page). */
  upstream?: UpstreamIdpOptions
  /** Receives typed audit events. */
  audit?: AuditSink
  /**
   * Client address from `X-Forwarded-For` (only behind a proxy that overwrites it). Default
   * false. URLs are always built from `issuer`, never from `Host` or forwarded headers.
   */
  trustProxy?: boolean
}
