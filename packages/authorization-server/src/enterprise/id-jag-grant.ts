import { decodeJwt, jwtVerify } from 'jose'
import type { JWTVerifyGetKey } from 'jose'
import { errors } from 'oidc-provider'
import type Provider from 'oidc-provider'
import type { Client, KoaContextWithOIDC } from 'oidc-provider'
import { sameCanonicalUrl } from '@mandate/core'
import type { Store } from '@mandate/store'
import type { AuthorizationServerConfig } from '../config/resolve-config.ts'
import type { ConfiguredResource } from '../config/resource-registry.ts'
import { confidentialClient, grantParams } from '../grants/grant-request.ts'
import { mintAccessToken, scopeList } from '../grants/mint-access-token.ts'
import { outboundFetch } from '../lib/outbound-fetch.ts'
import type { ProviderContext } from '../provider/provider-context.ts'
import type { TrustedEnterpriseIdp } from './enterprise-options.ts'
import { IdpKeys } from './idp-keys.ts'
import { localUserFor } from './map-subject.ts'

/** The `grant_type` of the JWT bearer grant (RFC 7523 §2.1) that redeems ID-JAGs. */
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
/** The JOSE `typ` of an Identity Assertion JWT Authorization Grant (draft §3). */
export const ID_JAG_TYP = 'oauth-id-jag+jwt'
// Asymmetric algorithms only: a shared-secret assertion could be forged by anyone holding it.
const ALGORITHMS = ['ES256', 'ES384', 'PS256', 'RS256', 'EdDSA']
const CLOCK_TOLERANCE_S = 30
// An ID-JAG is short-lived (draft §4.3 suggests minutes): a longer one is refused (catalogue #86).
const MAX_LIFETIME_S = 600

/**
 * Redeems Identity Assertion JWT Authorization Grants (draft-ietf-oauth-identity-assertion-
 * authz-grant §4.3) with the RFC 7523 §2.1 JWT bearer grant: the assertion must be an ID-JAG
 * (`typ`), signed by a trusted IdP's key, for us (`aud` = our issuer, RFC 7523 §3 item 3), for
 * the authenticated client (`client_id`), unexpired, and never seen before (`jti`, §3 item 7).
 * Its subject becomes a local user; the token is for the ID-JAG's `resource` with at most the
 * scopes it carries. No consent screen: the IdP decided (MCP Enterprise-Managed Authorization).
 * Registered only when `enterprise.trustedIdps` names an IdP.
 */
export function registerIdJagGrant(provider: Provider, context: ProviderContext): void {
  const { config } = context
  if (config.enterprise.trustedIdps.length === 0) return
  const keys = new IdpKeys((idp) =>
    outboundFetch(config, {
      allowAnyHost: idp.allowInsecure === true,
      allowHttp: idp.allowInsecure === true,
    }),
  )
  provider.registerGrantType(
    JWT_BEARER_GRANT,
    (ctx: KoaContextWithOIDC) => redeemIdJag(ctx, context, keys),
    ['assertion', 'resource', 'scope'],
  )
}

/** The token endpoint for an ID-JAG, step by step. */
async function redeemIdJag(
  ctx: KoaContextWithOIDC,
  context: ProviderContext,
  keys: IdpKeys,
): Promise<void> {
  const { config } = context
  const client = confidentialClient(ctx, 'redeem identity assertions')
  const params = grantParams(ctx)
  const assertion = params['assertion']
  if (assertion === undefined) throw new errors.InvalidRequest('assertion is required')
  const idp = trustedIssuer(config, client, assertion)
  const claims = await verifyIdJag(assertion, idp.issuer, config.issuer, keys.resolver(idp))
  // The ID-JAG was minted for exactly this client (draft §4.3).
  if (claims.client_id !== client.clientId) {
    throw new errors.InvalidGrant('assertion was issued to another client')
  }
  const resource = assertedResource(config, claims.resource, params['resource'])
  const scopes = assertedScopes(claims, params['scope'], resource)
  await useOnce(config.store, idp, claims)
  const user = await localUserFor(idp, claims, context.users, config.store)
  const ttl = resource.accessTokenTtlSeconds
  const { value, jti } = await mintAccessToken(context.keys, {
    issuer: config.issuer,
    sub: user.id,
    clientId: client.clientId,
    audience: resource.url,
    scopes,
    exp: Math.floor(Date.now() / 1000) + ttl,
    claims: typeof claims.auth_time === 'number' ? { auth_time: claims.auth_time } : {},
  })
  const scope = scopes.join(' ')
  context.emit({
    type: 'token.issued',
    sub: user.id,
    client_id: client.clientId,
    jti,
    aud: resource.url,
    scope,
    grant_type: JWT_BEARER_GRANT,
  })
  ctx.body = { access_token: value, token_type: 'Bearer', expires_in: ttl, scope }
}

/** The trusted IdP that issued the assertion, if this client may redeem its assertions. */
function trustedIssuer(
  config: AuthorizationServerConfig,
  client: Client,
  assertion: string,
): TrustedEnterpriseIdp {
  const unverified = safeDecode(assertion)
  const idp = config.enterprise.trustedIdps.find((candidate) => candidate.issuer === unverified.iss)
  if (idp === undefined) throw new errors.InvalidGrant('assertion issuer is not trusted')
  if (idp.clients !== undefined && !idp.clients.includes(client.clientId)) {
    throw new errors.UnauthorizedClient('client may not redeem this issuer’s assertions')
  }
  return idp
}

/** The ID-JAG's `resource`, served here; a `resource` parameter may only repeat it. */
function assertedResource(
  config: AuthorizationServerConfig,
  asserted: string,
  requested: string | undefined,
): ConfiguredResource {
  if (requested !== undefined && !sameCanonicalUrl(requested, asserted)) {
    throw new errors.InvalidTarget('resource differs from the assertion')
  }
  const resource = config.resourceRegistry.find(asserted)
  if (resource === undefined) throw new errors.InvalidTarget('resource is not served here')
  return resource
}

/** The requested scopes (default: all the assertion allows here), never wider. */
function assertedScopes(
  claims: IdJagClaims,
  scope: string | undefined,
  resource: ConfiguredResource,
): string[] {
  const allowed = scopeList(claims.scope).filter((s) => resource.scopes.includes(s))
  const requested = scope === undefined ? allowed : scopeList(scope)
  const widened = requested.filter((s) => !allowed.includes(s))
  if (widened.length > 0) {
    throw new errors.InvalidScope('scope exceeds the assertion', widened.join(' '))
  }
  if (requested.length === 0) {
    throw new errors.InvalidScope('assertion allows no scope here', requested.join(' '))
  }
  return requested
}

/** One use only, across every instance, until it would have expired anyway (RFC 7523 §3). */
async function useOnce(
  store: Store,
  idp: TrustedEnterpriseIdp,
  claims: IdJagClaims,
): Promise<void> {
  const ttlMs = (claims.exp + CLOCK_TOLERANCE_S) * 1000 - Date.now()
  if (!(await store.setIfAbsent(`idjag:${idp.issuer} ${claims.jti}`, ttlMs))) {
    throw new errors.InvalidGrant('assertion was already used')
  }
}

interface IdJagClaims {
  iss: string
  sub: string
  jti: string
  exp: number
  client_id: string
  resource: string
  scope?: string
  email?: unknown
  name?: unknown
  auth_time?: unknown
}

async function verifyIdJag(
  assertion: string,
  idpIssuer: string,
  audience: string,
  key: JWTVerifyGetKey,
): Promise<IdJagClaims> {
  try {
    const { payload } = await jwtVerify(assertion, key, {
      issuer: idpIssuer,
      audience,
      typ: ID_JAG_TYP,
      algorithms: ALGORITHMS,
      clockTolerance: CLOCK_TOLERANCE_S,
      requiredClaims: ['sub', 'jti', 'exp', 'iat', 'client_id', 'resource'],
    })
    const claims = payload as Partial<IdJagClaims> & { iat?: unknown }
    const now = Math.floor(Date.now() / 1000)
    // Catalogue #86: no assertion issued in the future or living longer than a few minutes.
    if (
      typeof claims.iat !== 'number' ||
      claims.iat > now + CLOCK_TOLERANCE_S ||
      typeof claims.exp !== 'number' ||
      claims.exp - claims.iat > MAX_LIFETIME_S
    ) {
      throw new errors.InvalidGrant('assertion lifetime is not acceptable')
    }
    if (
      typeof claims.client_id !== 'string' ||
      typeof claims.resource !== 'string' ||
      typeof claims.jti !== 'string' ||
      typeof claims.sub !== 'string' ||
      (claims.scope !== undefined && typeof claims.scope !== 'string')
    ) {
      throw new errors.InvalidGrant('assertion claims are malformed')
    }
    return claims as IdJagClaims
  } catch (error) {
    if (error instanceof errors.InvalidGrant) throw error
    // The reason is ours to log, not the caller's to probe (no key or claim details).
    throw new errors.InvalidGrant('assertion is invalid or expired')
  }
}

function safeDecode(assertion: string): { iss?: unknown } {
  try {
    return decodeJwt(assertion)
  } catch {
    throw new errors.InvalidGrant('assertion is not a JWT')
  }
}
