import { randomBytes } from 'node:crypto'
import Provider, { errors, interactionPolicy } from 'oidc-provider'
import type { Configuration, Grant, KoaContextWithOIDC } from 'oidc-provider'
import type { JWK } from 'jose'
import type { AuditEvent, Logger } from '@mandate/core'
import type { Store } from '@mandate/store'
import { storeAdapterClass } from '../adapter/store-adapter.ts'
import { recordAccessToken } from '../lib/access-token-records.ts'
import { cimdHostAllowed } from '../lib/domain-policy.ts'
import { rememberedGrantId } from '../lib/grants.ts'
import { redirectUriAcceptable } from '../lib/redirect-uri-hygiene.ts'
import { toAdapterPayload, verifyOwnAccessToken } from '../lib/jwt-access-tokens.ts'
import { SIGNING_ALG } from '../keys/signing-keys.ts'
import type { AuthorizationServerOptions } from '../options.ts'
import type { Users } from '../users/users.ts'
import { cimdFetch } from './cimd-fetch.ts'
import { assertClientAssertion, CLIENT_AUTH_SIGNING_ALGS } from './client-assertion.ts'
import { dcrIdFactory } from './dcr.ts'
import { dropResourceScopes } from './client-scope.ts'
import { ACCOUNT_CLIENT_ID, accountClientMetadata } from './account-client.ts'
import { renderErrorPage } from '../pages/error-page.ts'

/** Paths of oidc-provider's endpoints, under the issuer. */
export const ROUTES = {
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  jwks: '/oauth/jwks',
  registration: '/oauth/register',
  introspection: '/oauth/introspect',
  revocation: '/oauth/revoke',
  userinfo: '/oauth/userinfo',
  end_session: '/oauth/logout',
  pushed_authorization_request: '/oauth/par',
  code_verification: '/oauth/device',
  device_authorization: '/oauth/device/auth',
  backchannel_authentication: '/oauth/backchannel',
  challenge: '/oauth/challenge',
} as const

export const INTERACTION_PATH = '/oauth/interaction'
export const ACR_PASSWORD = 'pwd'
export const ACR_MFA = 'mfa'

export interface ProviderContext {
  options: AuthorizationServerOptions
  store: Store
  logger: Logger
  users: Users
  cookieSecret: string
  dpopNonceSecret: Buffer
  keys: JWK[]
  emit: (event: DistributiveOmit<AuditEvent, 'time' | 'issuer'>) => void
}

export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

/** Builds the oidc-provider instance that does the protocol work. */
export function buildProvider(context: ProviderContext): Provider {
  const { options, store, users, keys } = context
  const ttl = options.ttl ?? {}
  const accessTtl = ttl.accessTokenSeconds ?? 300
  const resources = new Map(Object.entries(options.resources))
  const scopes = new Set(['openid', 'offline_access', 'profile', 'email'])

  const policy = interactionPolicy.base()
  const login = policy.get('login')
  // Step-up (RFC 9470 / OIDC §3.1.2.1): `acr_values=mfa` forces a login with a second factor
  // when the session's authentication is weaker.
  login?.checks.add(
    new interactionPolicy.Check(
      'acr_step_up',
      'a stronger authentication is requested',
      'login_required',
      (ctx: KoaContextWithOIDC) => {
        const requested = paramString(ctx.oidc.params?.['acr_values'], '').split(' ')
        if (requested.includes(ACR_MFA) && ctx.oidc.session?.acr !== ACR_MFA) {
          return interactionPolicy.Check.REQUEST_PROMPT
        }
        return interactionPolicy.Check.NO_NEED_TO_PROMPT
      },
    ),
  )

  // RFC 8252 §8.6: a native client's identity cannot be assured (any local app can claim a
  // loopback redirect), so its authorization requests are never processed silently. oidc-provider
  // prompts for consent on every request of a native client; we keep that prompt when nothing
  // else involved the user, but a user who has just signed in for this very request has
  // interacted, and a grant remembered from an earlier session is then honoured.
  const consent = policy.get('consent')
  consent?.checks.remove('native_client_prompt')
  consent?.checks.add(
    new interactionPolicy.Check(
      'native_client_prompt',
      'native clients require End-User interaction',
      'interaction_required',
      (ctx: KoaContextWithOIDC) => {
        const { oidc } = ctx
        const silent = oidc.result?.login === undefined && oidc.result?.consent === undefined
        return oidc.client?.applicationType === 'native' && silent
          ? interactionPolicy.Check.REQUEST_PROMPT
          : interactionPolicy.Check.NO_NEED_TO_PROMPT
      },
    ),
    0,
  )

  const adapter = storeAdapterClass(store, {
    refreshGraceMs: (options.refreshGraceSeconds ?? 10) * 1000,
    clientTtlMs: dcrTtlMs(options),
    resolveJwtAccessToken: async (value) => {
      const verified = await verifyOwnAccessToken(store, options.issuer, keys, value)
      return verified === undefined
        ? undefined
        : toAdapterPayload(verified.claims, verified.grantId)
    },
  })

  const configuration: Configuration = {
    adapter,
    clients: [...(options.clients ?? []), accountClientMetadata(options.issuer)],
    jwks: { keys },
    cookies: {
      keys: [context.cookieSecret],
      long: { signed: true, sameSite: 'lax' },
      short: { signed: true, sameSite: 'lax' },
    },
    routes: ROUTES,
    scopes: [...scopes],
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email'],
      acr: null,
      amr: null,
      auth_time: null,
    },
    acrValues: [ACR_PASSWORD, ACR_MFA],
    responseTypes: ['code'],
    pkce: { required: () => true },
    allowOmittingSingleRegisteredRedirectUri: false,
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      id_token_signed_response_alg: SIGNING_ALG,
      token_endpoint_auth_method: 'none',
    },
    // Client authentication: public clients (`none`), secrets for pre-registered confidential
    // clients, and `private_key_jwt` with asymmetric algorithms only (catalogue #37–#39).
    clientAuthMethods: ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    assertJwtClientAuthClaimsAndHeader: assertClientAssertion(options.issuer),
    enabledJWA: {
      clientAuthSigningAlgValues: [...CLIENT_AUTH_SIGNING_ALGS],
      idTokenSigningAlgValues: [SIGNING_ALG],
      dPoPSigningAlgValues: ['ES256', 'EdDSA', 'PS256', 'RS256'],
    },
    ttl: {
      AccessToken: accessTtl,
      AuthorizationCode: ttl.authorizationCodeSeconds ?? 60,
      RefreshToken: ttl.refreshTokenSeconds ?? 14 * 86_400,
      Grant: ttl.grantSeconds ?? 90 * 86_400,
      Session: ttl.sessionSeconds ?? 86_400,
      Interaction: 3_600,
      IdToken: 3_600,
    },
    rotateRefreshToken: true,
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    findAccount: async (_ctx, sub) => {
      const user = await users.get(sub)
      if (user === undefined || user.disabled) return undefined
      return {
        accountId: user.id,
        claims: () => ({
          sub: user.id,
          preferred_username: user.username,
          ...(user.displayName === null ? {} : { name: user.displayName }),
          ...(user.email === null ? {} : { email: user.email }),
        }),
      }
    },
    // Consent is remembered per user and client across browser sessions (oidc-provider's
    // default is per session): a returning user is asked only for what the grant lacks.
    loadExistingGrant: async (ctx) => {
      const { oidc } = ctx
      const clientId = oidc.client?.clientId
      const accountId = oidc.account?.accountId
      if (clientId === undefined || accountId === undefined) return undefined
      const ownedByCaller = (grant: Grant | undefined): Grant | undefined =>
        grant?.accountId === accountId && grant.clientId === clientId ? grant : undefined
      const sessionGrantId = oidc.result?.consent?.grantId ?? oidc.session?.grantIdFor(clientId)
      if (sessionGrantId !== undefined) {
        const grant = await oidc.provider.Grant.find(sessionGrantId)
        if (grant !== undefined) return grant
      }
      const remembered = await rememberedGrantId(store, accountId, clientId)
      const found =
        remembered === undefined
          ? undefined
          : ownedByCaller(await oidc.provider.Grant.find(remembered))
      if (found !== undefined || clientId !== ACCOUNT_CLIENT_ID) return found
      // Our own sign-in client (first party, `openid` only): consent is implicit.
      const grant = new oidc.provider.Grant({ accountId, clientId })
      grant.addOIDCScope('openid')
      await grant.save()
      return grant
    },
    interactions: {
      policy,
      url: (_ctx, interaction) => `${INTERACTION_PATH}/${interaction.uid}`,
    },
    features: {
      devInteractions: { enabled: false },
      // Resource servers (confidential clients) may introspect any token; a public client
      // only its own (catalogue #48). Nobody revokes another client's token (catalogue #47).
      introspection: {
        enabled: true,
        allowedPolicy: (_ctx, client, token) =>
          client.clientAuthMethod !== 'none' || token.clientId === client.clientId,
      },
      revocation: {
        enabled: true,
        allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
      },
      userinfo: { enabled: true },
      // Server-issued nonces on every DPoP proof (RFC 9449 §8) bound proofs to a recent
      // server time; replay of a proof `jti` is refused through the store (adapter).
      dPoP: { enabled: true, nonceSecret: context.dpopNonceSecret, requireNonce: () => true },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, _client, oneOf) => oneOf ?? undefined,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resourceIndicator, client) => {
          const resource = resources.get(resourceIndicator)
          // RFC 8707 §2: a resource we do not serve is `invalid_target`; the internal sign-in
          // client gets no resource at all.
          if (resource === undefined || client.clientId === ACCOUNT_CLIENT_ID) {
            throw new errors.InvalidTarget()
          }
          return {
            scope: resource.scopes.join(' '),
            audience: resourceIndicator,
            accessTokenTTL: resource.accessTokenTtlSeconds ?? accessTtl,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: SIGNING_ALG } },
          }
        },
      },
      registration: {
        enabled: options.dcr?.enabled ?? true,
        initialAccessToken: false,
        idFactory: dcrIdFactory,
      },
      clientIdMetadataDocument: {
        enabled: options.cimd?.enabled ?? true,
        ack: 'draft-02',
        allowFetch: (_ctx, clientId) => cimdHostAllowed(clientId, options.cimd ?? {}),
        allowClient: (_ctx, client) => (client.redirectUris ?? []).every(redirectUriAcceptable),
      },
    },
    fetch: cimdFetch(options, store, context.logger),
    formats: {
      customizers: {
        jwt: async (ctx, token, jwt) => {
          // RFC 9068 §2.2.1: acr, amr and auth_time of the authentication behind the grant.
          const source = ctx.oidc.entities.AuthorizationCode ?? ctx.oidc.entities.RefreshToken
          if (source !== undefined) {
            if (source.acr !== undefined) jwt.payload['acr'] = source.acr
            if (source.amr !== undefined) jwt.payload['amr'] = source.amr
            if (source.authTime !== undefined) jwt.payload['auth_time'] = source.authTime
          }
          const jti = jwt.payload['jti']
          const exp = jwt.payload['exp']
          if (typeof jti === 'string' && typeof exp === 'number') {
            await recordAccessToken(store, {
              jti,
              grantId: 'grantId' in token ? token.grantId : undefined,
              clientId: token.clientId ?? '',
              exp,
            })
          }
        },
      },
    },
    renderError: (ctx, out) => {
      ctx.type = 'html'
      ctx.body = renderErrorPage(out.error, out.error_description)
    },
    extraClientMetadata: {
      properties: ['software_id'],
      validator: dropResourceScopes(new Set([...resources.values()].flatMap((r) => r.scopes))),
    },
    discovery: { service_documentation: undefined },
  }

  const provider = new Provider(options.issuer, configuration)
  provider.proxy = options.trustProxy ?? false
  // MCP requires exact redirect URI matching, loopback included (no RFC 8252 §7.3 port
  // flexibility): simple string comparison, RFC 9700 §2.1 (catalogue #1, #2).
  provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(value: string) {
    return this.redirectUris?.includes(value) ?? false
  }
  // The internal sign-in client never uses the token endpoint (its codes are destroyed on
  // arrival): every grant type is refused for it there, refresh tokens and offline_access too.
  // (oidc-provider's own check is `grantTypes.includes(type)`.)
  provider.Client.prototype.grantTypeAllowed = function grantTypeAllowed(type: string) {
    return this.clientId !== ACCOUNT_CLIENT_ID && (this.grantTypes?.includes(type) ?? false)
  }
  return provider
}

/** A random secret for cookie signing and DPoP nonces (persisted per installation). */
export function newSecret(): string {
  return randomBytes(32).toString('base64url')
}

function paramString(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback
}

/** How long an unused dynamically registered client lives. */
export function dcrTtlMs(options: AuthorizationServerOptions): number {
  return (options.dcr?.ttlSeconds ?? 30 * 86_400) * 1000
}
