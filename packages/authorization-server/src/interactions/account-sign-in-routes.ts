import { createHash, randomBytes } from 'node:crypto'
import { Hono } from 'hono'
import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import type { HttpBindings } from '@hono/node-server'
import type Provider from 'oidc-provider'
import { accountSession } from '../lib/account-session.ts'
import {
  cookieMatches,
  DEFAULT_RETURN_TO,
  SIGN_IN_TTL_MS,
  signInCookieName,
  startSignIn,
  validReturnTo,
  verifySignInState,
} from '../lib/sign-in-state.ts'
import { renderErrorPage } from '../pages/error-page.ts'
import { ROUTES } from '../provider/build-provider.ts'
import { ACCOUNT_CLIENT_ID, ACCOUNT_SIGNED_IN_PATH } from '../provider/account-client.ts'

type Env = { Bindings: HttpBindings }

export interface AccountSignInDeps {
  provider: () => Provider
  secret: string
  issuer: string
}

/**
 * `GET /sign-in?return_to=<path>` and `GET /signed-in` (mounted under `/account`): a browser
 * signs in through the normal login interaction (password, second factor, upstream, lockout)
 * as the internal client, and is sent back to a path on our origin.
 */
export function accountSignInRoutes(deps: AccountSignInDeps): Hono<Env> {
  const app = new Hono<Env>()
  const origin = new URL(deps.issuer).origin
  const secure = origin.startsWith('https:')
  const cookiePath = ACCOUNT_SIGNED_IN_PATH
  const refuse = (c: Context<Env>, description: string) => {
    c.header('Cache-Control', 'no-store')
    return c.html(renderErrorPage('invalid_request', description), 400)
  }

  app.get('/sign-in', (c) => {
    const values = c.req.queries('return_to') ?? []
    // catalogue #20: a repeated parameter is refused, not resolved one way or the other.
    const returnTo = values.length === 0 ? DEFAULT_RETURN_TO : values[0]
    if (values.length > 1 || returnTo === undefined || !validReturnTo(returnTo)) {
      return refuse(c, 'The page to return to is not valid.')
    }
    const flow = startSignIn(deps.secret, returnTo)
    setCookie(c, flow.cookieName, flow.nonce, {
      path: cookiePath,
      httpOnly: true,
      sameSite: 'Lax',
      secure,
      maxAge: SIGN_IN_TTL_MS / 1000,
    })
    // PKCE is required for every client; the verifier is dropped because this code is never
    // redeemed (the internal client may not use the token endpoint).
    const verifier = randomBytes(32).toString('base64url')
    const url = new URL(ROUTES.authorization, origin)
    url.search = new URLSearchParams({
      client_id: ACCOUNT_CLIENT_ID,
      redirect_uri: `${deps.issuer}${ACCOUNT_SIGNED_IN_PATH}`,
      response_type: 'code',
      scope: 'openid',
      state: flow.state,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString()
    c.header('Cache-Control', 'no-store')
    return c.redirect(url.href, 303)
  })

  app.get('/signed-in', async (c) => {
    const claims = verifySignInState(deps.secret, c.req.query('state') ?? '')
    if (claims === undefined || !validReturnTo(claims.r)) {
      return refuse(c, 'This sign-in has expired or is not valid. Start again.')
    }
    const cookieName = signInCookieName(claims.f)
    // catalogue #9: the state only works in the browser that started the sign-in.
    if (!cookieMatches(claims, getCookie(c, cookieName))) {
      return refuse(c, 'This sign-in was started in another browser. Start again.')
    }
    deleteCookie(c, cookieName, { path: cookiePath, httpOnly: true, sameSite: 'Lax', secure })
    const error = c.req.query('error')
    if (error !== undefined) {
      c.header('Cache-Control', 'no-store')
      const known = /^[a-z_]{1,40}$/.test(error) ? error : 'invalid_request'
      return c.html(
        renderErrorPage(known, known === 'access_denied' ? 'Sign-in was cancelled.' : undefined),
        400,
      )
    }
    // The code is not needed (the session cookie is); it is destroyed so it cannot be replayed,
    // but only if it is one of ours, for the account now signed in in this browser.
    const provider = deps.provider()
    const value = c.req.query('code')
    const code =
      value === undefined || value === '' ? undefined : await provider.AuthorizationCode.find(value)
    if (code?.clientId !== ACCOUNT_CLIENT_ID) {
      return refuse(c, 'This sign-in is not valid. Start again.')
    }
    await code.destroy()
    const session = await accountSession(provider, c)
    if (session === undefined || session.accountId !== code.accountId) {
      return refuse(c, 'This sign-in is not valid. Start again.')
    }
    c.header('Cache-Control', 'no-store')
    // A validated path-absolute reference appended to our origin cannot leave it.
    return c.redirect(`${origin}${claims.r}`, 303)
  })

  return app
}
