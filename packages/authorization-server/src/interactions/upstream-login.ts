import { Hono } from 'hono'
import type { Context, MiddlewareHandler } from 'hono'
import { getCookie, setCookie, deleteCookie } from 'hono/cookie'
import type { HttpBindings } from '@hono/node-server'
import * as oauth from 'oauth4webapi'
import type { AuthorizationServerOptions } from '../options.ts'
import type { Users } from '../users/users.ts'
import type { ProviderContext } from '../provider/provider-context.ts'
import { INTERACTION_PATH } from '../provider/routes.ts'
import { signStep, verifyStep } from '../sessions/step-token.ts'
import { renderErrorPage } from '../pages/error-page.ts'
import type { UpstreamStart } from './interaction-env.ts'
import { profileClaims, upstreamClient } from './upstream-client.ts'
import type { UpstreamClient } from './upstream-client.ts'

const COOKIE = 'mandate_upstream'
const PENDING_TTL_MS = 10 * 60_000

/** What the upstream login needs: its client, the users, the cookie secret, the audit. */
interface UpstreamDeps {
  up: UpstreamClient
  users: Users
  secret: string
  emit: ProviderContext['emit']
  /** `https:` issuer: the pending-login cookie is Secure. */
  secure: boolean
  issuer: string
}

/** A login sent to the upstream provider, kept in a signed cookie until it comes back. */
interface PendingLogin {
  uid: string
  verifier: string
  state: string
  nonce: string
}

/** The Hono environment of the callback route. */
interface CallbackEnv {
  Bindings: HttpBindings
  Variables: { pending: PendingLogin }
}

const failed = (deps: UpstreamDeps, c: Context, status: 400 | 502): Response => {
  deps.emit({ type: 'login.failed', reason: 'upstream' })
  return c.html(
    renderErrorPage('upstream_login_failed', 'Signing in with the external provider failed.'),
    status,
  )
}

/** The authorization request for one login (code flow, PKCE S256, `state`, `nonce`). */
async function authorizationUrl(
  up: UpstreamClient,
  as: oauth.AuthorizationServer,
  pending: Omit<PendingLogin, 'uid'>,
): Promise<URL> {
  const url = new URL(as.authorization_endpoint ?? '')
  url.searchParams.set('client_id', up.settings.clientId)
  url.searchParams.set('redirect_uri', up.callbackUrl)
  url.searchParams.set('response_type', 'code')
  url.searchParams.set('scope', (up.settings.scopes ?? ['openid', 'email', 'profile']).join(' '))
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(pending.verifier))
  url.searchParams.set('code_challenge_method', 'S256')
  url.searchParams.set('state', pending.state)
  url.searchParams.set('nonce', pending.nonce)
  return url
}

/** Starts the login of interaction `uid` at the upstream provider. */
function startLogin(deps: UpstreamDeps): UpstreamStart {
  return async (c, uid) => {
    let as: oauth.AuthorizationServer
    try {
      as = await deps.up.discover()
    } catch {
      // Unreachable, refused by the address guard, or invalid metadata.
      return failed(deps, c, 502)
    }
    const verifier = oauth.generateRandomCodeVerifier()
    const state = oauth.generateRandomState()
    const nonce = oauth.generateRandomNonce()
    const url = await authorizationUrl(deps.up, as, { verifier, state, nonce })
    // The pending login travels in a signed, HttpOnly cookie bound to this browser.
    const pending = signStep(deps.secret, {
      uid,
      sub: JSON.stringify({ verifier, state, nonce }),
      amr: [],
      exp: Date.now() + PENDING_TTL_MS,
    })
    setCookie(c, COOKIE, pending, {
      path: '/oauth/upstream',
      httpOnly: true,
      sameSite: 'Lax',
      secure: deps.secure,
      maxAge: PENDING_TTL_MS / 1000,
    })
    return c.redirect(url.href, 303)
  }
}

/** The interaction uid a pending-login cookie claims (checked by its signature next). */
function peekUid(token: string): string | undefined {
  try {
    const body = JSON.parse(
      Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8'),
    ) as { uid?: unknown }
    return typeof body.uid === 'string' ? body.uid : undefined
  } catch {
    return undefined
  }
}

/** Callback step: the pending login of this browser (the cookie is used up either way). */
function readPending(deps: UpstreamDeps): MiddlewareHandler<CallbackEnv> {
  return async (c, next) => {
    const cookie = getCookie(c, COOKIE)
    deleteCookie(c, COOKIE, { path: '/oauth/upstream' })
    const uid = cookie === undefined ? undefined : peekUid(cookie)
    const signed =
      cookie === undefined || uid === undefined ? undefined : verifyStep(deps.secret, cookie, uid)
    if (signed === undefined) {
      return c.html(renderErrorPage('login_expired', 'This sign-in expired. Start again.'), 400)
    }
    const flow = JSON.parse(signed.sub) as Omit<PendingLogin, 'uid'>
    c.set('pending', { uid: signed.uid, ...flow })
    return next()
  }
}

/** The upstream user of the callback: code exchange, ID token (nonce) and profile claims. */
async function upstreamIdentity(deps: UpstreamDeps, c: Context<CallbackEnv>) {
  const { up } = deps
  const { verifier, state, nonce } = c.var.pending
  const as = await up.discover()
  const params = oauth.validateAuthResponse(as, up.client, new URL(c.req.url, deps.issuer), state)
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    up.client,
    up.clientAuth,
    params,
    up.callbackUrl,
    verifier,
    up.requestOptions,
  )
  const result = await oauth.processAuthorizationCodeResponse(as, up.client, response, {
    expectedNonce: nonce,
    requireIdToken: true,
  })
  const claims = oauth.getValidatedIdTokenClaims(result)
  if (claims === undefined) throw new Error('no id token')
  return { claims, profile: await profileClaims(up, as, claims, result.access_token) }
}

/** Callback step: links the upstream identity to a local account and resumes the interaction. */
function completeLogin(deps: UpstreamDeps): MiddlewareHandler<CallbackEnv> {
  return async (c) => {
    const { uid } = c.var.pending
    try {
      const { claims, profile } = await upstreamIdentity(deps, c)
      const user = await deps.users.linkUpstream(claims.iss, claims.sub, profile)
      if (user.disabled) throw new Error('account disabled')
      const done = signStep(deps.secret, {
        uid,
        sub: user.id,
        amr: ['upstream'],
        exp: Date.now() + PENDING_TTL_MS,
      })
      return c.redirect(
        `${INTERACTION_PATH}/${uid}/upstream-done?t=${encodeURIComponent(done)}`,
        303,
      )
    } catch {
      return failed(deps, c, 400)
    }
  }
}

/**
 * Login through an upstream OpenID provider (authorization code + PKCE, `state`, `nonce`,
 * RFC 9207 `iss` check through oauth4webapi). The upstream identity is linked to a local
 * account by (issuer, sub). `start` is the interaction's upstream button; `routes` serve
 * `GET /callback` (mounted at `/oauth/upstream`).
 */
export function upstreamLogin(
  options: AuthorizationServerOptions,
  users: Users,
  secret: string,
  emit: ProviderContext['emit'],
): { start: UpstreamStart; routes: Hono<CallbackEnv> } {
  const deps: UpstreamDeps = {
    up: upstreamClient(options),
    users,
    secret,
    emit,
    secure: options.issuer.startsWith('https:'),
    issuer: options.issuer,
  }
  const routes = new Hono<CallbackEnv>()
  routes.get('/callback', readPending(deps), completeLogin(deps))
  return { start: startLogin(deps), routes }
}
