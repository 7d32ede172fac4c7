import type {
  DpopKeyPair,
  OAuthClientInformationContext,
  OAuthClientMetadata,
  OAuthClientProvider,
  OAuthDiscoveryState,
  StoredOAuthClientInformation,
  StoredOAuthTokens,
} from '@modelcontextprotocol/client'
import { DpopSession, generateDpopKeyPair } from '@modelcontextprotocol/client'
import { calculateJwkThumbprint, exportJWK, importJWK } from 'jose'
import type { CryptoKey, JWK } from 'jose'

import { ClientError } from '../errors.ts'
import { randomToken } from '../lib/random.ts'
import type { CredentialStore, ServerCredentials } from '../storage/credential-store.ts'
import { assertSafeBrowserUrl } from '../url/assert-safe-browser-url.ts'
import { checkAuthorizationServer } from './check-authorization-server.ts'
import { checkResource } from './check-resource.ts'

/** A client registered out of band with one authorization server. */
export interface PreRegisteredClient {
  client_id: string
  client_secret?: string
  /** The issuer it was registered with; the credential is never sent to another one. */
  issuer?: string
}

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
  private cache: ServerCredentials | undefined
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
    const creds = await this.load()
    const issuer = ctx?.issuer ?? creds.latestIssuer
    const saved = issuer === undefined ? undefined : creds.clients[issuer]
    if (saved !== undefined) return saved
    const pre = this.options.preRegistered
    if (pre === undefined) return undefined
    if (pre.issuer !== undefined && issuer !== undefined && pre.issuer !== issuer) return undefined
    return {
      client_id: pre.client_id,
      ...(pre.client_secret === undefined ? {} : { client_secret: pre.client_secret }),
      ...(pre.issuer === undefined ? {} : { issuer: pre.issuer }),
    }
  }

  async saveClientInformation(
    info: StoredOAuthClientInformation,
    ctx?: OAuthClientInformationContext,
  ): Promise<void> {
    const issuer = ctx?.issuer ?? info.issuer
    if (issuer === undefined) return
    await this.update((creds) => {
      creds.clients[issuer] = info
    })
  }

  async tokens(ctx?: OAuthClientInformationContext): Promise<StoredOAuthTokens | undefined> {
    const creds = await this.load()
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
    await this.update((creds) => {
      creds.tokens[issuer] = entry
      creds.latestIssuer = issuer
    })
    this.extraAuthorizationParams = {}
  }

  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    const discovery = (await this.load()).discovery
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
      return Promise.resolve(new URL(this.serverKey))
    }
    return Promise.resolve(new URL(checkResource(serverUrl, resource)))
  }

  async saveDiscoveryState(state: OAuthDiscoveryState): Promise<void> {
    this.checkServer(state)
    await this.update((creds) => {
      creds.discovery = state
    })
  }

  async discoveryState(): Promise<OAuthDiscoveryState | undefined> {
    return (await this.load()).discovery
  }

  async invalidateCredentials(
    scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery',
  ): Promise<void> {
    if (scope === 'verifier' || scope === 'all') this.flow = {}
    await this.update((creds) => {
      if (scope === 'all' || scope === 'client') creds.clients = {}
      if (scope === 'all' || scope === 'tokens') creds.tokens = {}
      if (scope === 'all' || scope === 'discovery') delete creds.discovery
    })
  }

  async dpop(): Promise<DpopSession | undefined> {
    if (this.options.dpop === 'off') return undefined
    if (this.options.dpop === 'auto') {
      if (!supportsDpop((await this.load()).discovery)) return undefined
    }
    this.dpopSession ??= this.createDpopSession()
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
    const creds = await this.load()
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

  private async createDpopSession(): Promise<DpopSession> {
    if (!this.options.persistDpopKey) {
      // RFC 9449 §11.1: a non-extractable key cannot be exfiltrated; it lives as long as the process.
      return DpopSession.create({
        keyPair: await generateDpopKeyPair({ alg: 'ES256', extractable: false }),
      })
    }
    const stored = (await this.load()).dpopPrivateJwk
    if (stored !== undefined) return DpopSession.create({ keyPair: await keyPairFromJwk(stored) })
    const fresh = await generateDpopKeyPair({ alg: 'ES256', extractable: true })
    const privateJwk = await exportJWK(fresh.privateKey)
    await this.update((creds) => {
      creds.dpopPrivateJwk = privateJwk
    })
    return DpopSession.create({ keyPair: await keyPairFromJwk(privateJwk) })
  }

  private async load(): Promise<ServerCredentials> {
    this.cache ??= (await this.options.store.load(this.serverKey)) ?? { clients: {}, tokens: {} }
    return this.cache
  }

  private async update(change: (creds: ServerCredentials) => void): Promise<void> {
    const creds = structuredClone(await this.load())
    change(creds)
    await this.options.store.save(this.serverKey, creds)
    this.cache = creds
  }
}

/** RFC 9449 §5.1: the AS lists the DPoP algorithms it accepts; we sign with ES256. */
function supportsDpop(discovery: OAuthDiscoveryState | undefined): boolean {
  const metadata = discovery?.authorizationServerMetadata as Record<string, unknown> | undefined
  const algs = metadata?.['dpop_signing_alg_values_supported']
  return Array.isArray(algs) && algs.includes('ES256')
}

/** Re-imports a persisted key as non-extractable: the JWK stays only in the encrypted store. */
async function keyPairFromJwk(privateJwk: JWK): Promise<DpopKeyPair> {
  // The public half: the private JWK without its private member and usage flags.
  const { d, key_ops, ext, ...publicJwk } = privateJwk
  const privateKey = (await importJWK(privateJwk, 'ES256', { extractable: false })) as CryptoKey
  const publicKey = (await importJWK(publicJwk, 'ES256', { extractable: true })) as CryptoKey
  const cleanPublic = {
    kty: publicJwk.kty,
    crv: publicJwk.crv,
    x: publicJwk.x,
    y: publicJwk.y,
  } as JWK
  return {
    privateKey,
    publicKey,
    publicJwk: cleanPublic,
    thumbprint: await calculateJwkThumbprint(cleanPublic, 'sha256'),
    alg: 'ES256',
  }
}
