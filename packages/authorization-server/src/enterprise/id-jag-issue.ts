import { randomBytes } from 'node:crypto'
import { jwtVerify, SignJWT } from 'jose'
import type { JWK } from 'jose'
import { errors } from 'oidc-provider'
import type { KoaContextWithOIDC } from 'oidc-provider'
import { AS_DEFAULTS } from '../config/defaults.ts'
import type { AuthorizationServerConfig } from '../config/resolve-config.ts'
import type { AuditEmit } from '../provider/provider-context.ts'
import type { Users, UserSummary } from '../users/users.ts'
import { SIGNING_ALG } from '../keys/signing-keys.ts'
import { signingKeyFor, verifierFor } from '../keys/key-cache.ts'
import { scopeList } from '../grants/mint-access-token.ts'
import type { ResourceApplication } from './enterprise-options.ts'
import { ID_JAG_TYP } from './id-jag-grant.ts'

/** The RFC 8693 token type URI of an ID-JAG (draft-ietf-oauth-identity-assertion-authz-grant). */
export const ID_JAG_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id-jag'
const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token'

/**
 * The enterprise IdP side of Enterprise-Managed Authorization: RFC 8693 token exchange of an
 * ID token we issued to the requesting client for an ID-JAG (draft-ietf-oauth-identity-
 * assertion-authz-grant §4.3) naming one configured resource application, when the operator's
 * policy lets this user reach it. The client named inside is the requester's identity at that
 * application; scopes are the requested ones the policy allows.
 */
export async function issueIdJag(
  ctx: KoaContextWithOIDC,
  options: AuthorizationServerConfig,
  context: { users: Users; keys: readonly JWK[]; emit: AuditEmit },
): Promise<void> {
  const client = ctx.oidc.client
  if (client === undefined) throw new errors.InvalidClient()
  const params = ctx.oidc.params as Record<string, string | undefined>
  if (params['subject_token_type'] !== ID_TOKEN_TYPE || params['subject_token'] === undefined) {
    throw new errors.InvalidRequest('subject_token must be an ID token')
  }
  const app = options.enterprise.resourceApplications.find(
    (candidate) => candidate.audience === params['audience'],
  )
  if (app === undefined) throw new errors.InvalidTarget('audience is not a resource application')
  const remoteClientId = app.clients[client.clientId]
  if (remoteClientId === undefined) {
    throw new errors.UnauthorizedClient('client may not request assertions for this audience')
  }
  const resource = params['resource'] ?? (app.resources.length === 1 ? app.resources[0] : undefined)
  if (resource === undefined || !app.resources.includes(resource)) {
    throw new errors.InvalidTarget('resource is not part of this application')
  }
  const idToken = await verifyOwnIdToken(
    params['subject_token'],
    options.issuer,
    client.clientId,
    context.keys,
  )
  const user = await context.users.get(idToken.sub)
  if (user === undefined || user.disabled) throw new errors.InvalidGrant('subject is not active')
  // The IdP's central decision: this user may (still) reach this application.
  if (!(await mayReach(app, user))) {
    throw new errors.InvalidGrant('user may not access this application')
  }
  const requested = params['scope'] === undefined ? app.scopes : scopeList(params['scope'])
  const scopes = requested.filter((scope) => app.scopes.includes(scope))
  if (scopes.length === 0)
    throw new errors.InvalidScope('no requested scope is allowed', requested.join(' '))

  const ttl = app.ttlSeconds ?? AS_DEFAULTS.idJagSeconds
  const now = Math.floor(Date.now() / 1000)
  const signer = context.keys[0]
  if (signer === undefined) throw new Error('no signing key')
  const assertion = await new SignJWT({
    client_id: remoteClientId,
    resource,
    scope: scopes.join(' '),
    ...(user.email === null ? {} : { email: user.email }),
    ...(typeof idToken.auth_time === 'number' ? { auth_time: idToken.auth_time } : {}),
  })
    .setProtectedHeader({
      alg: SIGNING_ALG,
      typ: ID_JAG_TYP,
      ...(signer.kid === undefined ? {} : { kid: signer.kid }),
    })
    .setIssuer(options.issuer)
    .setSubject(user.id)
    .setAudience(app.audience)
    .setIssuedAt(now)
    .setExpirationTime(now + ttl)
    .setJti(randomBytes(24).toString('base64url'))
    .sign(await signingKeyFor(signer, SIGNING_ALG))
  context.emit({
    type: 'token.exchanged',
    sub: user.id,
    client_id: client.clientId,
    aud: app.audience,
    act: { sub: client.clientId },
    scope: scopes.join(' '),
  })
  // RFC 8693 §2.2.1: `access_token` carries the issued token; it is not an access token (N_A).
  ctx.body = {
    access_token: assertion,
    issued_token_type: ID_JAG_TOKEN_TYPE,
    token_type: 'N_A',
    expires_in: ttl,
    scope: scopes.join(' '),
  }
}

async function verifyOwnIdToken(
  value: string,
  issuer: string,
  clientId: string,
  keys: readonly JWK[],
): Promise<{ sub: string; auth_time?: unknown }> {
  try {
    // OIDC Core §2: an ID token is for its client (`aud`); another client's is refused.
    const { payload, protectedHeader } = await jwtVerify(value, verifierFor(keys), {
      issuer,
      audience: clientId,
      algorithms: [SIGNING_ALG],
      requiredClaims: ['sub', 'exp', 'iat'],
    })
    // Only an ID token (no `typ`, or `JWT`): never an access token or an ID-JAG of ours.
    if (protectedHeader.typ !== undefined && protectedHeader.typ !== 'JWT') throw new Error('typ')
    if (typeof payload.sub !== 'string') throw new Error('no subject')
    return { sub: payload.sub, auth_time: payload['auth_time'] }
  } catch {
    throw new errors.InvalidGrant('subject_token is invalid or expired')
  }
}

async function mayReach(app: ResourceApplication, user: UserSummary): Promise<boolean> {
  if (typeof app.users === 'function') return await app.users(user)
  return app.users.includes('*') || app.users.includes(user.username) || app.users.includes(user.id)
}
