import type {
  AuthOptions,
  AuthResult,
  FetchLike,
  OAuthClientMetadata,
} from '@modelcontextprotocol/client'
import {
  auth,
  computeScopeUnion,
  discoverOAuthProtectedResourceMetadata,
  IssuerMismatchError,
  validateAuthorizationResponseIssuer,
  withDpopFromProvider,
} from '@modelcontextprotocol/client'
import type { Logger } from '@mandate/core'
import { silentLogger } from '@mandate/core'

import { ClientError } from '../errors.ts'
import { readChallenge } from '../lib/read-challenge.ts'
import type { CredentialStore } from '../storage/credential-store.ts'
import type { AuthorizationReason, Authorizer } from './authorizer.ts'
import { guardedDiscoveryFetch } from './guarded-discovery-fetch.ts'
import { MandateOAuthProvider } from './mandate-oauth-provider.ts'
import type { PreRegisteredClient } from './mandate-oauth-provider.ts'
import type { StatusListener } from './status.ts'

export interface MandateAuthOptions {
  /** The MCP server URL (what the transport connects to). */
  serverUrl: string | URL
  authorizer: Authorizer
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
  /** Keep the DPoP private key in the encrypted store so tokens survive a restart. Default false. */
  persistDpopKey?: boolean
  /** Step-up re-authorizations per request (conformance `auth/scope-retry-limit`). Default 1. */
  maxStepUps?: number
  /** Refresh this many seconds before expiry. Default 30. */
  refreshSkewSeconds?: number
  onStatus?: StatusListener
  logger?: Logger
}

/** What a host plugs into the SDK v2 transport: `new StreamableHTTPClientTransport(url, { fetch })`. */
export interface MandateAuth {
  readonly fetch: FetchLike
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
 */
export function createMandateAuth(options: MandateAuthOptions): MandateAuth {
  const serverUrl = String(options.serverUrl)
  const allowLoopback = options.allowLoopback ?? false
  const logger = (options.logger ?? silentLogger).child({ component: 'mandate-client-auth' })
  const emit: StatusListener = options.onStatus ?? (() => undefined)
  const baseFetch: FetchLike = options.fetch ?? ((input, init) => fetch(input, init))
  const discoveryFetch = options.discoveryFetch ?? guardedDiscoveryFetch({ allowLoopback })
  const maxStepUps = options.maxStepUps ?? 1
  const skew = options.refreshSkewSeconds ?? 30
  const provider = new MandateOAuthProvider({
    serverUrl,
    store: options.store,
    redirectUrl: options.authorizer.redirectUrl,
    clientMetadata: { ...options.clientMetadata, redirect_uris: [options.authorizer.redirectUrl] },
    ...(options.clientMetadataUrl === undefined
      ? {}
      : { clientMetadataUrl: options.clientMetadataUrl }),
    ...(options.preRegistered === undefined ? {} : { preRegistered: options.preRegistered }),
    allowLegacyDiscovery: options.allowLegacyDiscovery ?? false,
    allowLoopback,
    dpop: options.dpop ?? 'auto',
    persistDpopKey: options.persistDpopKey ?? false,
  })
  const attemptedUnions = new Set<string>()
  let requestedScope: string | undefined
  let inFlight: Promise<void> | undefined
  // 2025-03-26 servers put AS metadata on the MCP origin with an `issuer` that is not that origin;
  // tolerated only with allowLegacyDiscovery and only for servers without resource metadata.
  let legacyIssuer = false

  const callAuth = async (
    authOptions: Omit<AuthOptions, 'serverUrl' | 'fetchFn'>,
  ): Promise<AuthResult> => {
    const base = {
      serverUrl,
      fetchFn: discoveryFetch,
      ...(legacyIssuer ? { skipIssuerMetadataValidation: true } : {}),
    }
    try {
      return await auth(provider, { ...base, ...authOptions })
    } catch (error) {
      if (
        !(error instanceof IssuerMismatchError) ||
        legacyIssuer ||
        options.allowLegacyDiscovery !== true
      )
        throw error
      const hasResourceMetadata = await discoverOAuthProtectedResourceMetadata(
        serverUrl,
        {},
        discoveryFetch,
      ).then(
        () => true,
        () => false,
      )
      if (hasResourceMetadata) throw error
      logger.warn('legacy 2025-03-26 server: authorization server issuer check relaxed')
      legacyIssuer = true
      return auth(provider, { ...base, skipIssuerMetadataValidation: true, ...authOptions })
    }
  }

  const runAuthorization = async (run: {
    reason: AuthorizationReason
    scope?: string | undefined
    resourceMetadataUrl?: URL | undefined
    force?: boolean
  }): Promise<void> => {
    emit({ type: 'discovering', serverUrl })
    const result = await callAuth({
      ...(run.scope === undefined ? {} : { scope: run.scope }),
      ...(run.resourceMetadataUrl === undefined
        ? {}
        : { resourceMetadataUrl: run.resourceMetadataUrl }),
      ...(run.force === true ? { forceReauthorization: true } : {}),
    })
    if (result === 'AUTHORIZED') return done()
    const pending = provider.takePendingAuthorization()
    if (pending === undefined)
      throw new ClientError('ERR_CLIENT_STATE_MISMATCH', 'no authorization request was prepared')
    requestedScope = pending.url.searchParams.get('scope') ?? undefined
    emit({ type: 'authorization-required', reason: run.reason, url: pending.url })
    emit({ type: 'waiting-for-browser', reason: run.reason })
    const params = await options.authorizer.authorize({
      url: pending.url,
      state: pending.state,
      reason: run.reason,
      serverUrl,
      ...(requestedScope === undefined ? {} : { scope: requestedScope }),
    })
    // RFC 6749 §10.12: the response must belong to the request this flow made.
    if (params.get('state') !== pending.state) {
      throw new ClientError(
        'ERR_CLIENT_STATE_MISMATCH',
        'authorization response state does not match',
      )
    }
    // RFC 9207 §2.4: check `iss` before reading anything else from the response (mix-up defence).
    const metadata = (await provider.discoveryState())?.authorizationServerMetadata
    const iss = params.get('iss') ?? undefined
    try {
      validateAuthorizationResponseIssuer({
        iss,
        expectedIssuer: metadata?.issuer,
        issParameterSupported: metadata?.authorization_response_iss_parameter_supported === true,
      })
    } catch (error) {
      throw new ClientError(
        'ERR_CLIENT_ISSUER_MISMATCH',
        'authorization response issuer does not match',
        {
          cause: error,
        },
      )
    }
    const error = params.get('error')
    if (error !== null) {
      const code = /^[a-z_]{1,64}$/.test(error) ? error : 'invalid_response'
      throw new ClientError('ERR_CLIENT_AUTHORIZATION_DENIED', `authorization failed: ${code}`)
    }
    const code = params.get('code')
    if (code === null)
      throw new ClientError('ERR_CLIENT_AUTHORIZATION_DENIED', 'authorization response has no code')
    emit({ type: 'exchanging-code' })
    await callAuth({
      authorizationCode: code,
      ...(iss === undefined ? {} : { iss }),
    })
    return done()
  }

  const done = async (): Promise<void> => {
    const tokens = await provider.tokens()
    emit({ type: 'authorized', issuer: tokens?.issuer, scope: tokens?.scope ?? requestedScope })
  }

  // A dynamically registered client may be limited to the scope it registered with (RFC 7591
  // §2); when a step-up is refused with invalid_scope, register again for the wider scope, once.
  const runWithReregistration = async (
    run: Parameters<typeof runAuthorization>[0],
  ): Promise<void> => {
    try {
      await runAuthorization(run)
    } catch (error) {
      if (
        !(error instanceof ClientError) ||
        error.message !== 'authorization failed: invalid_scope'
      )
        throw error
      const registered = (await provider.clientInformation()) as {
        scope?: string
        client_id_issued_at?: number
      }
      const wanted = (run.scope ?? '').split(' ').filter(Boolean)
      const granted = new Set((registered.scope ?? '').split(' '))
      if (registered.scope === undefined || wanted.every((s) => granted.has(s))) throw error
      logger.info('re-registering client for a wider scope')
      await provider.invalidateCredentials('client')
      await runAuthorization(run)
    }
  }

  const singleFlight = (run: Parameters<typeof runAuthorization>[0]): Promise<void> => {
    inFlight ??= runWithReregistration(run).finally(() => {
      inFlight = undefined
    })
    return inFlight
  }

  const refreshIfStale = async (): Promise<void> => {
    const left = await provider.secondsLeft()
    if (left?.seconds === undefined || left.seconds > skew || !left.refreshable) return
    emit({ type: 'refreshing' })
    await singleFlight({ reason: 'reauthorize' })
  }

  // DPoP sits innermost so every retry gets a fresh proof and nonces are observed (RFC 9449 §8).
  const inner = withDpopFromProvider(provider)(baseFetch)
  const send: FetchLike = async (input, init) => {
    const headers = new Headers(init?.headers)
    const tokens = await provider.tokens()
    if (tokens !== undefined && tokens.token_type.toLowerCase() !== 'dpop') {
      headers.set('Authorization', `Bearer ${tokens.access_token}`)
    }
    return inner(input, { ...init, headers })
  }

  const authFetch: FetchLike = async (input, init) => {
    if (inFlight !== undefined) await inFlight.catch(() => undefined)
    await refreshIfStale()
    let authorizedOnce = false
    let stepUps = 0
    for (;;) {
      const response = await send(input, init)
      if (response.status !== 401 && response.status !== 403) return response
      const challenge = readChallenge(response)
      const stepUp =
        challenge.error === 'insufficient_scope' ||
        challenge.error === 'insufficient_user_authentication'
      if (!stepUp) {
        if (response.status === 403 || authorizedOnce) return response
        authorizedOnce = true
        await response.body?.cancel()
        // A token we held was refused: rediscover, in case the server moved to another AS
        // (credentials stay keyed by issuer, so a new AS means a new registration).
        if ((await provider.tokens()) !== undefined)
          await provider.invalidateCredentials('discovery')
        logger.info('authorization required', { status: response.status })
        await singleFlight({
          reason: 'initial',
          scope: challenge.scope,
          resourceMetadataUrl: challenge.resourceMetadataUrl,
        })
        continue
      }
      // Step-up: the union of what we hold and what the server asks for (MCP "Scope Challenge
      // Handling"); a fresh authorization request, never a refresh; bounded retries.
      const held = (await provider.tokens())?.scope ?? requestedScope
      // `acr_values`/`max_age` are OpenID Connect request parameters (RFC 9470 §4); an OpenID
      // provider honours them only in an `openid` request.
      const oidc =
        challenge.error === 'insufficient_user_authentication' &&
        (await provider.discoveryState())?.authorizationServerMetadata?.scopes_supported?.includes(
          'openid',
        ) === true
      const union = computeScopeUnion(held, challenge.scope, oidc ? 'openid' : undefined)
      const key = `${challenge.error ?? ''}|${union ?? ''}|${challenge.acrValues ?? ''}|${challenge.maxAge ?? ''}`
      if (stepUps >= maxStepUps || attemptedUnions.has(key)) {
        emit({
          type: 'gave-up',
          reason: `step-up limit reached (${challenge.error ?? 'forbidden'})`,
        })
        return response
      }
      stepUps++
      attemptedUnions.add(key)
      await response.body?.cancel()
      emit({ type: 'step-up', error: challenge.error ?? '', scope: union })
      if (challenge.error === 'insufficient_user_authentication') {
        provider.requireAuthentication({
          ...(challenge.acrValues === undefined ? {} : { acr_values: challenge.acrValues }),
          ...(challenge.maxAge === undefined ? {} : { max_age: challenge.maxAge }),
        })
      }
      await singleFlight({
        reason:
          challenge.error === 'insufficient_scope' ? 'step-up-scope' : 'step-up-authentication',
        scope: union,
        resourceMetadataUrl: challenge.resourceMetadataUrl,
        force: true,
      })
    }
  }

  return {
    fetch: authFetch,
    provider,
    authorize: () => singleFlight({ reason: 'initial' }),
  }
}
