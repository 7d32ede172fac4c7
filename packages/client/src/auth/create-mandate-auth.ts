import type { FetchLike, OAuthClientMetadata } from '@modelcontextprotocol/client'
import type { Logger } from '@mandate/core'
import { silentLogger } from '@mandate/core'

import { createAuthFetch } from '../lib/auth-fetch.ts'
import type { AuthConfig, AuthSession } from '../lib/auth-session.ts'
import { authorizeOnce } from '../lib/authorize-once.ts'
import type { CredentialStore } from '../storage/credential-store.ts'
import type { Authorizer } from './authorizer.ts'
import { guardedDiscoveryFetch } from './guarded-discovery-fetch.ts'
import { MandateOAuthProvider } from './mandate-oauth-provider.ts'
import type { PreRegisteredClient } from './pre-registered-client.ts'
import type { StatusListener } from './status.ts'

/** How {@link createMandateAuth} reaches one MCP server, and where it keeps credentials. */
export interface MandateAuthOptions {
  /** The MCP server URL (what the transport connects to). */
  serverUrl: string | URL
  /** The host's half of the browser step (e.g. {@link createLoopbackAuthorizer}). */
  authorizer: Authorizer
  /** Where registrations, tokens and the DPoP key are kept, keyed by server and issuer. */
  store: CredentialStore
  /** Client metadata for DCR and for the CIMD document (`client_name`, `client_uri`, …). */
  clientMetadata: Omit<OAuthClientMetadata, 'redirect_uris'>
  /** HTTPS URL where the host publishes its Client ID Metadata Document (used when the AS supports it). */
  clientMetadataUrl?: string
  /** A client registered out of band, used when the AS supports neither CIMD nor DCR for us. */
  preRegistered?: PreRegisteredClient
  /** Fetch for requests to the MCP server. Default: global fetch. */
  fetch?: FetchLike
  /** Fetch for discovery, registration and token requests. Default: SSRF-guarded fetch. */
  discoveryFetch?: FetchLike
  /** Development only: let discovery and the browser reach loopback `http:` servers. */
  allowLoopback?: boolean
  /** Accept 2025-03-26 servers that publish no protected resource metadata. */
  allowLegacyDiscovery?: boolean
  /** DPoP (RFC 9449): `auto` when the AS advertises ES256 (default), `require`, or `off`. */
  dpop?: 'auto' | 'off' | 'require'
  /**
   * Keep the DPoP private key in the credential store so DPoP-bound tokens survive a restart
   * (RFC 9449 §2: a token is usable only with its key). Default true; `false` keeps a
   * non-extractable key for the life of the process, so every new process signs in again.
   */
  persistDpopKey?: boolean
  /** Step-up re-authorizations per request (conformance `auth/scope-retry-limit`). Default 1. */
  maxStepUps?: number
  /** Refresh this many seconds before expiry. Default 30. */
  refreshSkewSeconds?: number
  /** Progress reports for the host's UI (discovering, waiting for the browser, step-up, …). */
  onStatus?: StatusListener
  /** Default: silent. Never given a token or code. */
  logger?: Logger
}

/** What a host plugs into the SDK v2 transport: `new StreamableHTTPClientTransport(url, { fetch })`. */
export interface MandateAuth {
  /** Fetch for the MCP transport: adds the token or DPoP proof and handles 401/403 challenges. */
  readonly fetch: FetchLike
  /** The SDK's OAuth client provider, for hosts that drive `auth()` themselves. */
  readonly provider: MandateOAuthProvider
  /** Runs discovery and authorization now instead of on the first 401. */
  authorize(): Promise<void>
}

/**
 * Builds MCP authorization for one server on top of the SDK v2 `auth()` orchestrator: a fetch
 * wrapper that answers 401 with discovery + authorization code flow (completed in-line through
 * the host's {@link Authorizer}), 403 `insufficient_scope` and RFC 9470
 * `insufficient_user_authentication` with a fresh authorization (never a refresh, which cannot
 * widen a grant; RFC 6749 §6), proactive refresh, and DPoP proofs. Authorization runs are
 * single-flight, so parallel calls share one refresh and rotated refresh tokens never race.
 *
 * @example
 * ```ts
 * import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
 * import {
 *   createEncryptedFileStore,
 *   createLoopbackAuthorizer,
 *   createMandateAuth,
 *   defaultKeySource,
 *   openInBrowser,
 * } from '@mandate/client'
 *
 * const serverUrl = 'https://mcp.example.com/mcp'
 * const path = '/home/me/.config/my-host/credentials.enc'
 * const authorizer = await createLoopbackAuthorizer({ present: ({ url }) => openInBrowser(url) })
 * const mandate = createMandateAuth({
 *   serverUrl,
 *   authorizer,
 *   store: createEncryptedFileStore({ path, keySource: defaultKeySource(path) }),
 *   clientMetadata: { client_name: 'My AI host' },
 * })
 * const transport = new StreamableHTTPClientTransport(new URL(serverUrl), { fetch: mandate.fetch })
 * ```
 */
export function createMandateAuth(options: MandateAuthOptions): MandateAuth {
  const config = resolveAuthConfig(options)
  const session: AuthSession = {
    config,
    provider: createProvider(options, config.serverUrl),
    logger: (options.logger ?? silentLogger).child({ component: 'mandate-client-auth' }),
    emit: options.onStatus ?? (() => undefined),
    attemptedUnions: new Set(),
    requestedScope: undefined,
    inFlight: undefined,
    legacyIssuer: false,
  }
  return {
    fetch: createAuthFetch(session),
    provider: session.provider,
    authorize: () => authorizeOnce(session, { reason: 'initial' }),
  }
}

function resolveAuthConfig(options: MandateAuthOptions): AuthConfig {
  const allowLoopback = options.allowLoopback ?? false
  return Object.freeze({
    serverUrl: String(options.serverUrl),
    authorizer: options.authorizer,
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    discoveryFetch: options.discoveryFetch ?? guardedDiscoveryFetch({ allowLoopback }),
    allowLegacyDiscovery: options.allowLegacyDiscovery ?? false,
    maxStepUps: options.maxStepUps ?? 1,
    refreshSkewSeconds: options.refreshSkewSeconds ?? 30,
  })
}

function createProvider(options: MandateAuthOptions, serverUrl: string): MandateOAuthProvider {
  const redirectUrl = options.authorizer.redirectUrl
  return new MandateOAuthProvider({
    serverUrl,
    store: options.store,
    redirectUrl,
    clientMetadata: { ...options.clientMetadata, redirect_uris: [redirectUrl] },
    ...(options.clientMetadataUrl === undefined
      ? {}
      : { clientMetadataUrl: options.clientMetadataUrl }),
    ...(options.preRegistered === undefined ? {} : { preRegistered: options.preRegistered }),
    allowLegacyDiscovery: options.allowLegacyDiscovery ?? false,
    allowLoopback: options.allowLoopback ?? false,
    dpop: options.dpop ?? 'auto',
    persistDpopKey: options.persistDpopKey ?? true,
  })
}
