import type { Logger } from '@mandate/core'
import type { FetchLike } from '@modelcontextprotocol/client'

import type { AuthorizationReason, Authorizer } from '../auth/authorizer.ts'
import type { MandateOAuthProvider } from '../auth/mandate-oauth-provider.ts'
import type { StatusListener } from '../auth/status.ts'

/** `createMandateAuth`'s options with every default applied, resolved once and frozen. */
export interface AuthConfig {
  readonly serverUrl: string
  readonly authorizer: Authorizer
  /** Fetch for requests to the MCP server. */
  readonly fetch: FetchLike
  /** Fetch for discovery, registration and token requests (SSRF-guarded by default). */
  readonly discoveryFetch: FetchLike
  readonly allowLegacyDiscovery: boolean
  readonly maxStepUps: number
  readonly refreshSkewSeconds: number
}

/**
 * What the authorization steps for one MCP server share: the frozen config, the OAuth provider,
 * and the little state that lives across requests.
 */
export interface AuthSession {
  readonly config: AuthConfig
  readonly provider: MandateOAuthProvider
  readonly logger: Logger
  readonly emit: StatusListener
  /** Step-ups already tried (error, scope union, `acr_values`, `max_age`): each once per session. */
  readonly attemptedUnions: Set<string>
  /** The scope of the last authorization request, reported when the token response omits it. */
  requestedScope: string | undefined
  /** The authorization run in progress; parallel callers wait for it instead of starting one. */
  inFlight: Promise<void> | undefined
  /**
   * 2025-03-26 servers put AS metadata on the MCP origin with an `issuer` that is not that origin;
   * tolerated only with `allowLegacyDiscovery` and only for servers without resource metadata.
   */
  legacyIssuer: boolean
}

/** One authorization run: why it is made, and what the server's challenge asked for. */
export interface AuthorizationRun {
  reason: AuthorizationReason
  scope?: string | undefined
  resourceMetadataUrl?: URL | undefined
  /** A fresh authorization request even when a token is held (step-up; RFC 6749 §6). */
  force?: boolean
}
