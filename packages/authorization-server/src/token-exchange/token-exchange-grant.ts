import { errors } from 'oidc-provider'
import type Provider from 'oidc-provider'
import type { Client, KoaContextWithOIDC } from 'oidc-provider'
import { sameCanonicalUrl } from '@mandate/core'
import { verifyOwnAccessToken } from '../access-tokens/jwt-access-tokens.ts'
import type { VerifiedAccessToken } from '../access-tokens/jwt-access-tokens.ts'
import type { AuthorizationServerConfig } from '../config/resolve-config.ts'
import { listsResource } from '../config/resource-registry.ts'
import type { ConfiguredResource } from '../config/resource-registry.ts'
import { ID_JAG_TOKEN_TYPE, issueIdJag } from '../enterprise/id-jag-issue.ts'
import { dpopBinding } from '../grants/dpop-binding.ts'
import { confidentialClient, grantParams } from '../grants/grant-request.ts'
import { mintAccessToken } from '../grants/mint-access-token.ts'
import type { TokenExchangePolicy } from '../options.ts'
import type { ProviderContext } from '../provider/provider-context.ts'

/** The `grant_type` of RFC 8693 token exchange (§2.1). */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange'
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'
const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt'
const PARAMS = [
  'subject_token',
  'subject_token_type',
  'requested_token_type',
  'resource',
  'audience',
  'scope',
  'actor_token',
  'actor_token_type',
]
// A subject token about to expire is not worth exchanging (catalogue #129).
const MIN_SUBJECT_REMAINING_S = 10

type Params = Record<string, string | undefined>

/**
 * RFC 8693 token exchange as a grant of oidc-provider: a confidential client trades a user's
 * access token (audience = one of the policy's `subjectAudiences`) for one whose audience is
 * a single downstream resource, with scopes a subset of the subject's, and an `act` claim
 * naming the client (nested under the subject's own `act`, RFC 8693 §4.1). A request for an
 * ID-JAG is the enterprise IdP's exchange instead (enterprise/id-jag-issue.ts).
 */
export function registerTokenExchange(provider: Provider, context: ProviderContext): void {
  provider.registerGrantType(
    TOKEN_EXCHANGE_GRANT,
    async (ctx: KoaContextWithOIDC) => {
      // Public clients may not exchange (catalogue #134).
      const client = confidentialClient(ctx, 'use token exchange')
      if (grantParams(ctx)['requested_token_type'] === ID_JAG_TOKEN_TYPE) {
        await issueIdJag(ctx, context.config, context)
        return
      }
      await exchangeAccessToken(ctx, client, provider, context)
    },
    PARAMS,
  )
}

/** The exchange of an access token for one toward a downstream resource, step by step. */
async function exchangeAccessToken(
  ctx: KoaContextWithOIDC,
  client: Client,
  provider: Provider,
  context: ProviderContext,
): Promise<void> {
  const policy = exchangePolicy(context.config, client)
  const params = grantParams(ctx)
  const subjectToken = checkExchangeParams(params)
  const now = Math.floor(Date.now() / 1000)
  const subject = await verifySubjectToken(provider, context, subjectToken, now)
  checkSubjectAudience(subject, policy)
  const resource = exchangeTarget(context.config, policy, params)
  const scopes = narrowedScopes(subject, params['scope'], resource)
  const exp = Math.min(now + resource.accessTokenTtlSeconds, subject.exp ?? now)
  const act = actorChain(client, subject)
  // RFC 9449 §5/§6.1: a proof on the exchange binds the new token to the actor's key.
  const jkt = await dpopBinding(provider, ctx, client.clientId)
  const { value } = await mintAccessToken(context.keys, {
    issuer: context.config.issuer,
    sub: subject.sub,
    clientId: client.clientId,
    audience: resource.url,
    scopes,
    exp,
    claims: {
      act,
      ...(jkt === undefined ? {} : { cnf: { jkt } }),
      // The exchanged token lives and dies with the subject token's grant.
      ...(subject.gid === undefined ? {} : { gid: subject.gid }),
      ...(subject.acr === undefined ? {} : { acr: subject.acr }),
      ...(subject.amr === undefined ? {} : { amr: subject.amr }),
      ...(subject.auth_time === undefined ? {} : { auth_time: subject.auth_time }),
    },
  })
  const scope = scopes.join(' ')
  context.emit({
    type: 'token.exchanged',
    sub: subject.sub,
    client_id: client.clientId,
    aud: resource.url,
    act,
    scope,
  })
  ctx.body = {
    access_token: value,
    issued_token_type: ACCESS_TOKEN_TYPE,
    token_type: jkt === undefined ? 'Bearer' : 'DPoP',
    expires_in: exp - now,
    scope,
  }
}

/** The operator's exchange policy for this client; a client with none may not exchange. */
function exchangePolicy(config: AuthorizationServerConfig, client: Client): TokenExchangePolicy {
  const policy = config.tokenExchange.policies.find((p) => p.clientId === client.clientId)
  if (policy === undefined) throw new errors.UnauthorizedClient('client may not use token exchange')
  return policy
}

/** RFC 8693 §2.1 parameters we support; returns the subject token. */
function checkExchangeParams(params: Params): string {
  // subject_token and its type are mandatory; no fallback to the caller (catalogue #126).
  const subjectToken = params['subject_token']
  if (subjectToken === undefined || params['subject_token_type'] === undefined) {
    throw new errors.InvalidRequest('subject_token and subject_token_type are required')
  }
  if (params['subject_token_type'] !== ACCESS_TOKEN_TYPE) {
    throw new errors.InvalidRequest('unsupported subject_token_type')
  }
  const requestedType = params['requested_token_type']
  if (
    requestedType !== undefined &&
    requestedType !== ACCESS_TOKEN_TYPE &&
    requestedType !== JWT_TOKEN_TYPE
  ) {
    throw new errors.InvalidRequest('unsupported requested_token_type')
  }
  if (params['actor_token'] !== undefined) {
    throw new errors.InvalidRequest(
      'actor_token is not supported; the authenticated client is the actor',
    )
  }
  return subjectToken
}

/** One of our access tokens, valid, not about to expire, and its grant still alive. */
async function verifySubjectToken(
  provider: Provider,
  { config, keys }: ProviderContext,
  value: string,
  now: number,
): Promise<VerifiedAccessToken> {
  const verified = await verifyOwnAccessToken(config.store, config.issuer, keys, value)
  if (verified === undefined) {
    throw new errors.InvalidGrant('subject_token is invalid, expired or revoked')
  }
  if ((verified.claims.exp ?? 0) - now < MIN_SUBJECT_REMAINING_S) {
    throw new errors.InvalidGrant('subject_token expires too soon')
  }
  if (verified.grantId !== null && (await provider.Grant.find(verified.grantId)) === undefined) {
    throw new errors.InvalidGrant('subject_token grant was revoked')
  }
  return verified.claims
}

/** The subject token must have been minted for this client's own service (catalogue #125). */
function checkSubjectAudience(subject: VerifiedAccessToken, policy: TokenExchangePolicy): void {
  const audiences = Array.isArray(subject.aud) ? subject.aud : [subject.aud ?? '']
  const exchangeable = audiences.some((aud) =>
    policy.subjectAudiences.some((allowed) => sameCanonicalUrl(allowed, aud)),
  )
  if (!exchangeable) {
    throw new errors.InvalidGrant('subject_token audience is not exchangeable by this client')
  }
}

/** Exactly one target, allowed by policy and configured (catalogue #127, RFC 8707). */
function exchangeTarget(
  config: AuthorizationServerConfig,
  policy: TokenExchangePolicy,
  params: Params,
): ConfiguredResource {
  const target = params['resource'] ?? params['audience']
  if (target === undefined) throw new errors.InvalidTarget('resource is required')
  const resource = config.resourceRegistry.find(target)
  if (resource === undefined || !listsResource(policy.audiences, resource)) {
    throw new errors.InvalidTarget('resource is not allowed for this client')
  }
  return resource
}

/** The requested scopes (default: the subject's), never wider than the subject token's. */
function narrowedScopes(
  subject: VerifiedAccessToken,
  scope: string | undefined,
  resource: ConfiguredResource,
): string[] {
  const subjectScopes = new Set((subject.scope ?? '').split(' ').filter(Boolean))
  const requested = scope === undefined ? [...subjectScopes] : scope.split(' ').filter(Boolean)
  const widened = requested.filter((s) => !subjectScopes.has(s))
  if (widened.length > 0) {
    throw new errors.InvalidScope('requested scope exceeds the subject token', widened.join(' '))
  }
  const scopes = requested.filter((s) => resource.scopes.includes(s))
  if (scopes.length === 0) {
    throw new errors.InvalidScope('no requested scope applies to the resource', requested.join(' '))
  }
  return scopes
}

/**
 * RFC 8693 §4.1: the current actor outermost, prior actors nested. A subject token with no
 * chain yet was used by the client the user authorised: that client is the prior actor
 * (user → client → gateway), so audit can tell the agent's acts from the user's.
 */
function actorChain(client: Client, subject: VerifiedAccessToken): Record<string, unknown> {
  return { sub: client.clientId, act: subject.act ?? { sub: subject.client_id } }
}
