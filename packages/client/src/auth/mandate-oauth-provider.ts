import type {
  DpopSession,
  OAuthClientInformationContext,
  OAuthClientMetadata,
  OAuthClientProvider,
  OAuthDiscoveryState,
  StoredOAuthClientInformation,
  StoredOAuthTokens,
} from '@modelcontextprotocol/client'

import { ClientError } from '../errors.ts'
import { CredentialCache } from '../lib/credential-cache.ts'
import { createDpopSession, supportsDpop } from '../lib/dpop-keys.ts'
import { exactUrl } from '../lib/exact-url.ts'
import { randomToken } from '../lib/random.ts'
import type { CredentialStore } from '../storage/credential-store.ts'
import { assertSafeBrowserUrl } from '../url/assert-safe-browser-url.ts'
import { checkAuthorizationServer } from './check-authorization-server.ts'
import { checkResource } from './check-resource.ts'
import { preRegisteredInformation } from './pre-registered-client.ts'
import type { PreRegisteredClient } from './pre-registered-client.ts'

/** {@link MandateOAuthProvider}'s settings, resolved by `createMandateAuth`. */
export interface ProviderOptions {
  serverUrl: string
  store: CredentialStore
  redirectUrl: string
  clientMetadata: OAuthClientMetadata
  clientMetadataUrl?: string
  preRegistered?: PreRegisteredClient
  allowLegacyDiscovery: boolean
  allowLoopback: boolean
  dpop: 'auto' | 'off' | 'require'
  persistDpopKey: boolean
}

interface PendingAuthorization {
  url: URL
  state: string
}

/**
 * Mandate's {@link OAuthClientProvider}: the SDK's `auth()` drives discovery, registration, PKCE
 * and the token requests; this class adds the checks a host must make on top (resource match,
 * PKCE S256 advertised, safe authorization URL, credentials keyed by issuer, DPoP key binding) and
 * keeps everything in an encrypted {@link CredentialStore}.
 */
export class MandateOAuthProvider implements OAuthClientProvider {
  readonly clientMetadataUrl?: string
  private readonly options: ProviderOptions
  private readonly serverKey: string
  private readonly credentials: CredentialCache
  private flow: { state?: string; codeVerifier?: string } = {}
  private pending: PendingAuthorization | undefined
  private dpopSession: Promise<DpopSession> | undefined
  /** RFC 9470 §3 parameters for the next authorization request (step-up). */
  private extraAuthorizationParams: Record<string, string> = {}

  constructor(options: ProviderOptions) {
    this.options = options
    if (options.clientMetadataUrl !== undefined) this.clientMetadataUrl = options.clientMetadataUrl
    const url = new URL(options.serverUrl)
    this.serverKey = `${url.origin}${url.pathname}`
    this.credentials = new CredentialCache(options.store, this.serverKey)
  }

  get redirectUrl(): string {
    return this.options.redirectUrl
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      ...this.options.clientMetadata,
      redirect_uris: [this.options.redirectUrl],
    }
  }

  state(): string {
    this.flow = { state: randomToken() }
    return this.flow.state ?? ''
  }

  async clientInformation(
    ctx?: OAuthClientInformationContext,
  ): Promise<StoredOAuthClientInformation | undefined> {
    const creds = await this.credentials.load()
    const issuer = ctx?.issuer ?? creds.latestIssuer
    const saved = issuer === undefined ? undefined : creds.clients[issuer]
    if (saved !== undefined) return saved
    const pre = this.options.preRegistered
    // SEP-2352: a pre-registered client given without its issuer belongs to the first AS it was
    // used with; when the resource moves to another AS, that AS gets a new registration instead.
    const boundTo = pre?.issuer ?? creds.preRegisteredIssuer
    return preRegisteredInformation(
      pre === undefined || boundTo === undefined ? pre : { ...pre, issuer: boundTo },
      issuer,
    )
  }

  async saveClientInformation(
    info: StoredOAuthClientInformation,
    ctx?: OAuthClientInformationContext,
  ): Promise<void> {
    const issuer = ctx?.issuer ?? info.issuer
    if (issuer === undefined) return
    const pre = this.options.preRegistered
    await this.credentials.update((creds) => {
      creds.clients[issuer] = info
      if (pre?.client_id === info.client_id && pre.issuer === undefined)
        creds.preRegisteredIssuer ??= issuer
    })
  }

  async tokens(ctx?: OAuthClientInformationContext): Promise<StoredOAuthTokens | undefined> {
    const creds = await this.credentials.load()
    const issuer = ctx?.issuer ?? creds.latestIssuer
    const tokens = issuer === undefined ? undefined : creds.tokens[issuer]
    if (tokens === undefined) return undefined
    // A DPoP-bound token is useless without its key (RFC 9449 §7); a new process with a
    // non-extractable key starts over instead of presenting a token it cannot prove.
    if (tokens.dpop_jkt !== undefined) {
      const session = await this.dpop()
      if (session?.thumbprint !== tokens.dpop_jkt) return undefined
    }
    return tokens
  }

  async saveTokens(tokens: StoredOAuthTokens, ctx?: OAuthClientInformationContext): Promise<void> {
    const issuer = ctx?.issuer ?? tokens.issuer
    if (issuer === undefined) return
    const bound =
      tokens.token_type.toLowerCase() === 'dpop' ? (await this.dpop())?.thumbprint : undefined
    const entry = {
      ...tokens,
      ...(tokens.expires_in === undefined
        ? {}
        : { expires_at: Math.floor(Date.now() / 1000) + tokens.expires_in }),
      ...(bound === undefined ? {} : { dpop_jkt: bound }),
    }
    await this.credentials.update((creds) => {
      creds.tokens[issuer] = entry
      creds.latestIssuer = issuer
    })
    this.extraAuthorizationParams = {}
  }

  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    const discovery = (await this.credentials.load()).discovery
    this.checkServer(discovery)
    const url = assertSafeBrowserUrl(authorizationUrl, {
      allowLoopbackHttp: this.options.allowLoopback,
    })
    for (const [name, value] of Object.entries(this.extraAuthorizationParams))
      url.searchParams.set(name, value)
    const state = url.searchParams.get('state')
    if (state === null || state !== this.flow.state) {
      throw new ClientError('ERR_CLIENT_STATE_MISMATCH', 'authorization request lost its state')
    }
    this.pending = { url, state }
  }

  saveCodeVerifier(codeVerifier: string): void {
    this.flow.codeVerifier = codeVerifier
  }

  codeVerifier(): string {
    if (this.flow.codeVerifier === undefined) {
      throw new ClientError('ERR_CLIENT_STATE_MISMATCH', 'no authorization in progress')
    }
    return this.flow.codeVerifier
  }

  async validateResourceURL(serverUrl: string | URL, resource?: string): Promise<URL | undefined> {
    if (resource === undefined) {
      if (!this.options.allowLegacyDiscovery) {
        throw new ClientError(
          'ERR_CLIENT_LEGACY_DISCOVERY',
          'server publishes no protected resource metadata',
        )
      }
      // RFC 8707 still applies to a 2025-03-26 server: the resource is the server URL itself.
      return Promise.resolve(exactUrl(this.serverKey))
    }
    return Promise.resolve(exactUrl(checkResource(serverUrl, resource)))
  }

  async saveDiscoveryState(state: OAuthDiscoveryState): Promise<void> {
    this.checkServer(state)
    await this.credentials.update((creds) => {
      creds.discovery = state
    })
  }

  async discoveryState(): Promise<OAuthDiscoveryState | undefined> {
    return (await this.credentials.load()).discovery
  }

  async invalidateCredentials(
    scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery',
  ): Promise<void> {
    if (scope === 'verifier' || scope === 'all') this.flow = {}
    await this.credentials.update((creds) => {
      if (scope === 'all' || scope === 'client') creds.clients = {}
      if (scope === 'all' || scope === 'tokens') creds.tokens = {}
      if (scope === 'all' || scope === 'discovery') delete creds.discovery
    })
  }

  async dpop(): Promise<DpopSession | undefined> {
    if (this.options.dpop === 'off') return undefined
    if (this.options.dpop === 'auto') {
      if (!supportsDpop((await this.credentials.load()).discovery)) return undefined
    }
    this.dpopSession ??= createDpopSession(this.options.persistDpopKey, this.credentials)
    return this.dpopSession
  }

  /** Parameters added to the next authorization request only (RFC 9470 `acr_values`, `max_age`). */
  requireAuthentication(params: Record<string, string>): void {
    this.extraAuthorizationParams = { ...params }
  }

  /** The authorization request `auth()` just prepared, handed over once. */
  takePendingAuthorization(): PendingAuthorization | undefined {
    const pending = this.pending
    this.pending = undefined
    return pending
  }

  /** The state of the flow in progress, for comparison with the callback's. */
  expectedState(): string | undefined {
    return this.flow.state
  }

  /** Token lifetime left in seconds, `undefined` when unknown or no token. */
  async secondsLeft(): Promise<{ seconds: number | undefined; refreshable: boolean } | undefined> {
    const creds = await this.credentials.load()
    const tokens = creds.latestIssuer === undefined ? undefined : creds.tokens[creds.latestIssuer]
    if (tokens === undefined) return undefined
    const seconds =
      tokens.expires_at === undefined
        ? undefined
        : tokens.expires_at - Math.floor(Date.now() / 1000)
    return { seconds, refreshable: tokens.refresh_token !== undefined }
  }

  private checkServer(discovery: OAuthDiscoveryState | undefined): void {
    const legacy = this.options.allowLegacyDiscovery && discovery?.resourceMetadata === undefined
    checkAuthorizationServer(discovery?.authorizationServerMetadata, { legacy })
    if (this.options.dpop === 'require') {
      if (!supportsDpop(discovery)) {
        throw new ClientError(
          'ERR_CLIENT_PKCE_UNSUPPORTED',
          'authorization server does not support DPoP ES256',
        )
      }
    }
  }
}
