import type { Adapter, Configuration } from 'oidc-provider'
import { REVOCATION_FEED_METADATA } from '@mandate/core'
import { storeAdapterClass } from '../adapter/store-adapter.ts'
import { toAdapterPayload, verifyOwnAccessToken } from '../access-tokens/jwt-access-tokens.ts'
import { redirectUriAcceptable } from '../clients/redirect-uri-hygiene.ts'
import type { ResolvedLifetimes } from '../config/resolve-config.ts'
import { SIGNING_ALG } from '../keys/signing-keys.ts'
import { cimdHostAllowed } from '../lib/domain-policy.ts'
import { accessTokenClaims } from './access-token-claims.ts'
import { accountClientMetadata } from './account-client.ts'
import { ACR_MFA, ACR_PASSWORD } from './acr.ts'
import { cimdFetch } from './cimd-fetch.ts'
import { assertClientAssertion, CLIENT_AUTH_SIGNING_ALGS } from './client-assertion.ts'
import { dropResourceScopes } from './client-scope.ts'
import { dcrIdFactory, dcrSecretFactory } from './dcr.ts'
import { renderAuthorizationError } from './error-redirects.ts'
import { findAccount } from './find-account.ts'
import { interactionPolicyWithStepUp } from './interaction-policy.ts'
import { introspectionPolicy } from './introspection-policy.ts'
import { loadExistingGrant } from './load-existing-grant.ts'
import type { ProviderContext } from './provider-context.ts'
import { resourceIndicators } from './resource-indicators.ts'
import { INTERACTION_PATH, ROUTES } from './routes.ts'
import { withTypedReuse } from './token-reuse.ts'

/** OpenID scopes oidc-provider knows itself; resource scopes come from the resource registry. */
const OPENID_SCOPES = ['openid', 'offline_access', 'profile', 'email']
/** The DPoP algorithms @mandate/server's resource metadata advertises (DEFAULT_DPOP_ALGORITHMS). */
const DPOP_ALGS = ['ES256', 'EdDSA', 'Ed25519', 'PS256', 'RS256'] as const

/** The oidc-provider configuration of one provider instance, section by section. */
export function providerConfiguration(context: ProviderContext): Configuration {
  const { config } = context
  return {
    ...protocolProfile(),
    ...clientAuthentication(config.issuer),
    adapter: storeAdapter(context),
    clients: [...config.clients, accountClientMetadata(config.issuer)],
    jwks: { keys: [...context.keys] },
    cookies: {
      keys: [context.secrets.cookieSecret],
      long: { signed: true, sameSite: 'lax' },
      short: { signed: true, sameSite: 'lax' },
    },
    ttl: providerLifetimes(config.ttl),
    rotateRefreshToken: true,
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    findAccount: findAccount(context.users),
    loadExistingGrant: loadExistingGrant(config.store),
    interactions: {
      policy: interactionPolicyWithStepUp(),
      url: (_ctx, interaction) => `${INTERACTION_PATH}/${interaction.uid}`,
    },
    features: providerFeatures(context),
    fetch: cimdFetch(config),
    formats: { customizers: { jwt: accessTokenClaims } },
    renderError: renderAuthorizationError,
    extraClientMetadata: {
      properties: ['software_id'],
      validator: dropResourceScopes(new Set(config.resourceRegistry.scopes)),
    },
    discovery: {
      service_documentation: undefined,
      // RFC 8414 §2 additional member: the signed revocation feed (docs/revocation.md).
      [REVOCATION_FEED_METADATA]: `${config.issuer}/oauth/revocations`,
    },
  }
}

/** OAuth 2.1 profile: code flow only, PKCE always, exact redirect URIs, our routes and claims. */
function protocolProfile(): Configuration {
  return {
    routes: ROUTES,
    scopes: OPENID_SCOPES,
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
  }
}

/**
 * Client authentication: public clients (`none`), secrets for pre-registered confidential
 * clients, and `private_key_jwt` with asymmetric algorithms only (catalogue #37–#39).
 */
function clientAuthentication(issuer: string): Configuration {
  return {
    clientAuthMethods: ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    assertJwtClientAuthClaimsAndHeader: assertClientAssertion(issuer),
    enabledJWA: {
      clientAuthSigningAlgValues: [...CLIENT_AUTH_SIGNING_ALGS],
      idTokenSigningAlgValues: [SIGNING_ALG],
      dPoPSigningAlgValues: [...DPOP_ALGS],
    },
  }
}

/** oidc-provider's lifetimes, from the resolved configuration (docs: configuration reference). */
function providerLifetimes(ttl: ResolvedLifetimes): NonNullable<Configuration['ttl']> {
  return {
    AccessToken: ttl.accessTokenSeconds,
    AuthorizationCode: ttl.authorizationCodeSeconds,
    RefreshToken: ttl.refreshTokenSeconds,
    Grant: ttl.grantSeconds,
    Session: ttl.sessionSeconds,
    Interaction: ttl.interactionSeconds,
    IdToken: ttl.idTokenSeconds,
  }
}

/** Records in the store; our JWT access tokens are resolved by verifying them (RFC 9068). */
function storeAdapter({ config, keys }: ProviderContext): new (name: string) => Adapter {
  return withTypedReuse(
    storeAdapterClass(config.store, {
      refreshGraceMs: config.refreshGraceSeconds * 1000,
      clientTtlMs: config.dcr.ttlSeconds * 1000,
      resolveJwtAccessToken: async (value) => {
        const verified = await verifyOwnAccessToken(config.store, config.issuer, keys, value)
        return verified === undefined
          ? undefined
          : toAdapterPayload(verified.claims, verified.grantId)
      },
    }),
  )
}

function providerFeatures({ config, secrets }: ProviderContext): Configuration['features'] {
  return {
    devInteractions: { enabled: false },
    // A token is described only to its client or to its resource's configured introspection
    // client (catalogue #48, introspection-policy.ts). Nobody revokes another client's token
    // (catalogue #47).
    introspection: { enabled: true, allowedPolicy: introspectionPolicy(config) },
    revocation: {
      enabled: true,
      allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
    },
    userinfo: { enabled: true },
    // Server-issued nonces on every DPoP proof (RFC 9449 §8) bound proofs to a recent server
    // time; replay of a proof `jti` is refused through the store (adapter).
    dPoP: { enabled: true, nonceSecret: secrets.dpopNonceSecret, requireNonce: () => true },
    resourceIndicators: resourceIndicators(config),
    registration: {
      enabled: config.dcr.enabled,
      initialAccessToken: false,
      idFactory: dcrIdFactory,
      secretFactory: dcrSecretFactory,
    },
    clientIdMetadataDocument: {
      enabled: config.cimd.enabled,
      ack: 'draft-02',
      allowFetch: (_ctx, clientId) => cimdHostAllowed(clientId, config.cimd),
      allowClient: (_ctx, client) => (client.redirectUris ?? []).every(redirectUriAcceptable),
    },
  }
}
