import { Hono } from 'hono'
import type { Context } from 'hono'
import { getCookie, setCookie, deleteCookie } from 'hono/cookie'
import type { HttpBindings } from '@hono/node-server'
import * as oauth from 'oauth4webapi'
import type { AuthorizationServerOptions, UpstreamIdpOptions } from '../options.ts'
import type { Users } from '../users/users.ts'
import type { ProviderContext } from '../provider/build-provider.ts'
import { INTERACTION_PATH } from '../provider/build-provider.ts'
import { signStep, verifyStep } from '../lib/step-token.ts'
import { renderErrorPage } from '../pages/error-page.ts'

type Env = { Bindings: HttpBindings }
const COOKIE = 'mandate_upstream'
const PENDING_TTL_MS = 10 * 60_000

/**
 * Login through an upstream OpenID provider (authorization code + PKCE, `state`, `nonce`,
 * RFC 9207 `iss` check through oauth4webapi). The upstream identity is linked to a local
 * account by (issuer, sub).
 */
export function upstreamLogin(
  options: AuthorizationServerOptions,
  users: Users,
  secret: string,
  emit: ProviderContext['emit'],
): { start: (c: Context<Env>, uid: string) => Promise<Response>; routes: Hono<Env> } {
  const upstream = options.upstream as UpstreamIdpOptions
  const callbackUrl = `${options.issuer}/oauth/upstream/callback`
  const client: oauth.Client = { client_id: upstream.clientId }
  const clientAuth =
    upstream.clientSecret === undefined
      ? oauth.None()
      : oauth.ClientSecretBasic(upstream.clientSecret)
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- opt-in, development and tests only
  const insecure = upstream.allowInsecure === true ? { [oauth.allowInsecureRequests]: true } : {}
  let metadata: Promise<oauth.AuthorizationServer> | undefined
  const discover = (): Promise<oauth.AuthorizationServer> => {
    metadata ??= (async () => {
      const issuer = new URL(upstream.issuer)
      const response = await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure })
      return oauth.processDiscoveryResponse(issuer, response)
    })().catch((error: unknown) => {
      metadata = undefined
      throw error
    })
    return metadata
  }

  const start = async (c: Context<Env>, uid: string): Promise<Response> => {
    const as = await discover()
    const verifier = oauth.generateRandomCodeVerifier()
    const state = oauth.generateRandomState()
    const nonce = oauth.generateRandomNonce()
    const url = new URL(as.authorization_endpoint ?? '')
    url.searchParams.set('client_id', upstream.clientId)
    url.searchParams.set('redirect_uri', callbackUrl)
    url.searchParams.set('response_type', 'code')
    url.searchParams.set('scope', (upstream.scopes ?? ['openid', 'email', 'profile']).join(' '))
    url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier))
    url.searchParams.set('code_challenge_method', 'S256')
    url.searchParams.set('state', state)
    url.searchParams.set('nonce', nonce)
    // The pending login travels in a signed, HttpOnly cookie bound to this browser.
    const pending = signStep(secret, {
      uid,
      sub: JSON.stringify({ verifier, state, nonce }),
      amr: [],
      exp: Date.now() + PENDING_TTL_MS,
    })
    setCookie(c, COOKIE, pending, {
      path: '/oauth/upstream',
      httpOnly: true,
      sameSite: 'Lax',
      secure: options.issuer.startsWith('https:'),
      maxAge: PENDING_TTL_MS / 1000,
    })
    return c.redirect(url.href, 303)
  }

  /**
   * `email` and `name` from the ID token or, when it lacks them (OIDC Core §5.4: with the code
   * flow providers usually return scope claims from userinfo only), from the userinfo endpoint.
   * oauth4webapi refuses a userinfo response whose `sub` differs from the ID token's (OIDC Core
   * §5.3.2), so another user's claims can never be attached to this identity.
   */
  const profileClaims = async (
    as: oauth.AuthorizationServer,
    claims: oauth.IDToken,
    accessToken: string,
  ): Promise<{ email?: string; name?: string }> => {
    let source: Record<string, unknown> = claims
    if (
      (typeof claims['email'] !== 'string' || typeof claims['name'] !== 'string') &&
      as.userinfo_endpoint !== undefined
    ) {
      const response = await oauth.userInfoRequest(as, client, accessToken, insecure)
      const info = await oauth.processUserInfoResponse(as, client, claims.sub, response)
      source = { ...info, ...pick(claims) }
    }
    return pick(source)
  }

  const routes = new Hono<Env>()
  routes.get('/callback', async (c) => {
    const cookie = getCookie(c, COOKIE)
    deleteCookie(c, COOKIE, { path: '/oauth/upstream' })
    const uid = cookie?.split('.')[0] === undefined ? undefined : peekUid(cookie)
    const pending =
      cookie === undefined || uid === undefined ? undefined : verifyStep(secret, cookie, uid)
    if (pending === undefined)
      return c.html(renderErrorPage('login_expired', 'This sign-in expired. Start again.'), 400)
    const { verifier, state, nonce } = JSON.parse(pending.sub) as {
      verifier: string
      state: string
      nonce: string
    }
    try {
      const as = await discover()
      const params = oauth.validateAuthResponse(
        as,
        client,
        new URL(c.req.url, options.issuer),
        state,
      )
      const response = await oauth.authorizationCodeGrantRequest(
        as,
        client,
        clientAuth,
        params,
        callbackUrl,
        verifier,
        insecure,
      )
      const result = await oauth.processAuthorizationCodeResponse(as, client, response, {
        expectedNonce: nonce,
        requireIdToken: true,
      })
      const claims = oauth.getValidatedIdTokenClaims(result)
      if (claims === undefined) throw new Error('no id token')
      const profile = await profileClaims(as, claims, result.access_token)
      const user = await users.linkUpstream(claims.iss, claims.sub, profile)
      if (user.disabled) throw new Error('account disabled')
      const done = signStep(secret, {
        uid: pending.uid,
        sub: user.id,
        amr: ['upstream'],
        exp: Date.now() + PENDING_TTL_MS,
      })
      return c.redirect(
        `${INTERACTION_PATH}/${pending.uid}/upstream-done?t=${encodeURIComponent(done)}`,
        303,
      )
    } catch {
      emit({ type: 'login.failed', reason: 'upstream' })
      return c.html(
        renderErrorPage('upstream_login_failed', 'Signing in with the external provider failed.'),
        400,
      )
    }
  })

  return { start, routes }
}

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

/** The profile claims Mandate keeps, when they are strings. */
function pick(source: Record<string, unknown>): { email?: string; name?: string } {
  const email = source['email']
  const name = source['name']
  return {
    ...(typeof email === 'string' ? { email } : {}),
    ...(typeof name === 'string' ? { name } : {}),
  }
}
