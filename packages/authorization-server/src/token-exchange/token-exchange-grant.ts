import { randomBytes } from 'node:crypto'
import { SignJWT } from 'jose'
import type { JWK } from 'jose'
import { errors } from 'oidc-provider'
import type Provider from 'oidc-provider'
import type { KoaContextWithOIDC } from 'oidc-provider'
import type { Store } from '@mandate/store'
import { recordAccessToken } from '../lib/access-token-records.ts'
import { verifyOwnAccessToken } from '../lib/jwt-access-tokens.ts'
import type { AuthorizationServerOptions } from '../options.ts'
import type { ProviderContext } from '../provider/build-provider.ts'
import { SIGNING_ALG } from '../keys/signing-keys.ts'
import { signingKeyFor } from '../lib/key-cache.ts'

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

/**
 * RFC 8693 token exchange as a grant of oidc-provider: a confidential client trades a user's
 * access token (audience = one of the policy's `subjectAudiences`) for one whose audience is
 * a single downstream resource, with scopes a subset of the subject's, and an `act` claim
 * naming the client (nested under the subject's own `act`, RFC 8693 §4.1).
 */
export function registerTokenExchange(
  provider: Provider,
  options: AuthorizationServerOptions,
  store: Store,
  keys: readonly JWK[],
  emit: ProviderContext['emit'],
): void {
  const policies = options.tokenExchange?.policies ?? []
  const signer = keys[0]
  provider.registerGrantType(
    TOKEN_EXCHANGE_GRANT,
    async (ctx: KoaContextWithOIDC) => {
      const client = ctx.oidc.client
      if (client === undefined) throw new errors.InvalidClient()
      const params = ctx.oidc.params as Record<string, string | undefined>
      // Public clients may not exchange (catalogue #134).
      if (client.clientAuthMethod === 'none') {
        throw new errors.UnauthorizedClient('public clients may not use token exchange')
      }
      const policy = policies.find((p) => p.clientId === client.clientId)
      if (policy === undefined)
        throw new errors.UnauthorizedClient('client may not use token exchange')
      // subject_token and its type are mandatory; no fallback to the caller (catalogue #126).
      if (params['subject_token'] === undefined || params['subject_token_type'] === undefined) {
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
      const verified = await verifyOwnAccessToken(
        store,
        options.issuer,
        keys,
        params['subject_token'],
      )
      if (verified === undefined)
        throw new errors.InvalidGrant('subject_token is invalid, expired or revoked')
      const subject = verified.claims
      const now = Math.floor(Date.now() / 1000)
      if ((subject.exp ?? 0) - now < MIN_SUBJECT_REMAINING_S)
        throw new errors.InvalidGrant('subject_token expires too soon')
      if (
        verified.grantId !== null &&
        (await provider.Grant.find(verified.grantId)) === undefined
      ) {
        throw new errors.InvalidGrant('subject_token grant was revoked')
      }
      // The subject token must have been minted for this client's own service (catalogue #125).
      const subjectAud = Array.isArray(subject.aud) ? subject.aud : [subject.aud ?? '']
      if (!subjectAud.some((aud) => policy.subjectAudiences.includes(aud))) {
        throw new errors.InvalidGrant('subject_token audience is not exchangeable by this client')
      }
      // Exactly one target, allowed by policy and configured (catalogue #127, RFC 8707).
      const target = params['resource'] ?? params['audience']
      if (target === undefined) throw new errors.InvalidTarget('resource is required')
      const resource = options.resources[target]
      if (resource === undefined || !policy.audiences.includes(target)) {
        throw new errors.InvalidTarget('resource is not allowed for this client')
      }
      const subjectScopes = new Set((subject.scope ?? '').split(' ').filter(Boolean))
      const requested =
        params['scope'] === undefined
          ? [...subjectScopes]
          : params['scope'].split(' ').filter(Boolean)
      const widened = requested.filter((scope) => !subjectScopes.has(scope))
      if (widened.length > 0)
        throw new errors.InvalidScope(
          'requested scope exceeds the subject token',
          widened.join(' '),
        )
      const scopes = requested.filter((scope) => resource.scopes.includes(scope))
      if (scopes.length === 0)
        throw new errors.InvalidScope(
          'no requested scope applies to the resource',
          requested.join(' '),
        )

      const ttl = resource.accessTokenTtlSeconds ?? options.ttl?.accessTokenSeconds ?? 300
      const exp = Math.min(now + ttl, subject.exp ?? now)
      const jti = randomBytes(24).toString('base64url')
      const act = {
        sub: client.clientId,
        ...(subject.act === undefined ? {} : { act: subject.act }),
      }
      if (signer === undefined) throw new Error('no signing key')
      const key = await signingKeyFor(signer, SIGNING_ALG)
      const token = await new SignJWT({
        client_id: client.clientId,
        scope: scopes.join(' '),
        act,
        ...(subject.acr === undefined ? {} : { acr: subject.acr }),
        ...(subject.amr === undefined ? {} : { amr: subject.amr }),
        ...(subject.auth_time === undefined ? {} : { auth_time: subject.auth_time }),
      })
        .setProtectedHeader({
          alg: SIGNING_ALG,
          typ: 'at+jwt',
          ...(signer.kid === undefined ? {} : { kid: signer.kid }),
        })
        .setIssuer(options.issuer)
        .setSubject(subject.sub)
        .setAudience(target)
        .setIssuedAt(now)
        .setExpirationTime(exp)
        .setJti(jti)
        .sign(key)
      await recordAccessToken(store, {
        jti,
        grantId: verified.grantId ?? undefined,
        clientId: client.clientId,
        exp,
      })
      emit({
        type: 'token.exchanged',
        sub: subject.sub,
        client_id: client.clientId,
        aud: target,
        act,
        scope: scopes.join(' '),
      })
      ctx.body = {
        access_token: token,
        issued_token_type: ACCESS_TOKEN_TYPE,
        token_type: 'Bearer',
        expires_in: exp - now,
        scope: scopes.join(' '),
      }
    },
    PARAMS,
  )
}
