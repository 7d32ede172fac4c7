import type { AuditSink, Logger } from '@mandate/core'
import type { Store } from '@mandate/store'
import type { KeyRing } from '@mandate/vault'
import type { ClientMetadata } from 'oidc-provider'

/** A protected resource (RFC 8707 resource indicator) and the scopes it accepts. */
export interface ProtectedResourceOptions {
  /** Scopes a token for this resource may carry. */
  scopes: string[]
  /** Access-token lifetime for this resource, seconds. Default `ttl.accessTokenSeconds`. */
  accessTokenTtlSeconds?: number
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

/** An upstream OpenID provider users may sign in with. */
export interface UpstreamIdpOptions {
  /** Issuer URL; discovery is read from its `/.well-known/openid-configuration`. */
  issuer: string
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

export interface AuthorizationServerOptions {
  /** The public issuer URL (RFC 8414 §2); endpoints and cookies derive from it. */
  issuer: string
  store: Store
  logger?: Logger
  /** Key ring that seals signing keys and TOTP secrets at rest. Without it they are stored in clear. */
  keyRing?: KeyRing
  /** Resource URL → allowed scopes. Tokens are only minted for these audiences. */
  resources: Record<string, ProtectedResourceOptions>
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
  /** Development only: fetch CIMD documents from loopback and private addresses. */
  allowPrivateCimdHosts?: boolean
  /** Extra CA certificates (PEM) trusted for CIMD fetches (tests, private PKI). */
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
  ttl?: {
    /** Default 300 (5 minutes). */
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
  /** How long a rotated refresh token may be used once more (parallel refreshes). Default 10; 0 disables. */
  refreshGraceSeconds?: number
  tokenExchange?: { policies: TokenExchangePolicy[] }
  upstream?: UpstreamIdpOptions
  /** Receives typed audit events. */
  audit?: AuditSink
  /** Trust `X-Forwarded-*` headers (only behind a proxy that overwrites them). Default false. */
  trustProxy?: boolean
}
