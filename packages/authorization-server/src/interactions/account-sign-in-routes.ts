import { createHash, randomBytes } from 'node:crypto'
import { Hono } from 'hono'
import type { Context, MiddlewareHandler } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import type { HttpBindings } from '@hono/node-server'
import type Provider from 'oidc-provider'
import { accountSession } from '../sessions/account-session.ts'
import {
  cookieMatches,
  DEFAULT_RETURN_TO,
  SIGN_IN_TTL_MS,
  signInCookieName,
  startSignIn,
  validReturnTo,
  verifySignInState,
} from '../sessions/sign-in-state.ts'
import type { SignInClaims } from '../sessions/sign-in-state.ts'
import { renderErrorPage } from '../pages/error-page.ts'
import { ROUTES } from '../provider/routes.ts'
import { ACCOUNT_CLIENT_ID, ACCOUNT_SIGNED_IN_PATH } from '../provider/account-client.ts'
import { provideDeps } from './provide-deps.ts'

/** What the account sign-in needs: the provider, the cookie secret, the issuer. */
export interface AccountSignInDeps {
  provider: () => Provider
  secret: string
  issuer: string
}

/** The Hono environment of the sign-in routes: what each step leaves for the next ones. */
interface SignInEnv {
  Bindings: HttpBindings
  Variables: { deps: AccountSignInDeps; returnTo: string; claims: SignInClaims }
}
type SignInStep = MiddlewareHandler<SignInEnv>

const secure = (deps: AccountSignInDeps): boolean => deps.issuer.startsWith('https:')

const refuse = (c: Context<SignInEnv>, description: string): Response => {
  c.header('Cache-Control', 'no-store')
  return c.html(renderErrorPage('invalid_request', description), 400)
}

/** One valid `return_to` (a path on our origin), `/account` when absent. */
const checkReturnTo: SignInStep = async (c, next) => {
  const values = c.req.queries('return_to') ?? []
  // catalogue #20: a repeated parameter is refused, not resolved one way or the other.
  const returnTo = values.length === 0 ? DEFAULT_RETURN_TO : values[0]
  if (values.length > 1 || returnTo === undefined || !validReturnTo(returnTo)) {
    return refuse(c, 'The page to return to is not valid.')
  }
  c.set('returnTo', returnTo)
  return next()
}

/** Binds a new flow to this browser (cookie) and starts the authorization request. */
const startAuthorization: SignInStep = (c) => {
  const { deps } = c.var
  const flow = startSignIn(deps.secret, c.var.returnTo)
  setCookie(c, flow.cookieName, flow.nonce, {
    path: ACCOUNT_SIGNED_IN_PATH,
    httpOnly: true,
    sameSite: 'Lax',
    secure: secure(deps),
    maxAge: SIGN_IN_TTL_MS / 1000,
  })
  // PKCE is required for every client; the verifier is dropped because this code is never
  // redeemed (the internal client may not use the token endpoint).
  const verifier = randomBytes(32).toString('base64url')
  const url = new URL(ROUTES.authorization, new URL(deps.issuer).origin)
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
  return Promise.resolve(c.redirect(url.href, 303))
}

/** A signed, unexpired state, in the browser that started the flow (its cookie is used up). */
const checkState: SignInStep = async (c, next) => {
  const { deps } = c.var
  const claims = verifySignInState(deps.secret, c.req.query('state') ?? '')
  if (claims === undefined || !validReturnTo(claims.r)) {
    return refuse(c, 'This sign-in has expired or is not valid. Start again.')
  }
  const cookieName = signInCookieName(claims.f)
  // catalogue #9: the state only works in the browser that started the sign-in.
  if (!cookieMatches(claims, getCookie(c, cookieName))) {
    return refuse(c, 'This sign-in was started in another browser. Start again.')
  }
  deleteCookie(c, cookieName, {
    path: ACCOUNT_SIGNED_IN_PATH,
    httpOnly: true,
    sameSite: 'Lax',
    secure: secure(deps),
  })
  c.set('claims', claims)
  return next()
}

/** An error from the authorization endpoint (cancelled, refused) ends the flow here. */
const refuseAuthorizationError: SignInStep = async (c, next) => {
  const error = c.req.query('error')
  if (error === undefined) return next()
  c.header('Cache-Control', 'no-store')
  const known = /^[a-z_]{1,40}$/.test(error) ? error : 'invalid_request'
  return c.html(
    renderErrorPage(known, known === 'access_denied' ? 'Sign-in was cancelled.' : undefined),
    400,
  )
}

/**
 * The code is not needed (the session cookie is); it is destroyed so it cannot be replayed,
 * but only if it is one of ours, for the account now signed in in this browser. Then back to
 * the validated path on our origin.
 */
const consumeCodeAndReturn: SignInStep = async (c) => {
  const provider = c.var.deps.provider()
  const value = c.req.query('code')
  const code =
    value === undefined || value === '' ? undefined : await provider.AuthorizationCode.find(value)
  if (code?.clientId !== ACCOUNT_CLIENT_ID)
    return refuse(c, 'This sign-in is not valid. Start again.')
  await code.destroy()
  const session = await accountSession(provider, c)
  if (session === undefined || session.accountId !== code.accountId) {
    return refuse(c, 'This sign-in is not valid. Start again.')
  }
  c.header('Cache-Control', 'no-store')
  // A validated path-absolute reference appended to our origin cannot leave it.
  return c.redirect(`${new URL(c.var.deps.issuer).origin}${c.var.claims.r}`, 303)
}

/** Each request path of the account sign-in as the steps it runs. */
const ACCOUNT_SIGN_IN_PATHS = {
  signIn: [checkReturnTo, startAuthorization],
  signedIn: [checkState, refuseAuthorizationError, consumeCodeAndReturn],
} as const

/**
 * `GET /sign-in?return_to=<path>` and `GET /signed-in` (mounted under `/account`): a browser
 * signs in through the normal login interaction (password, second factor, upstream, lockout)
 * as the internal client, and is sent back to a path on our origin.
 */
export function accountSignInRoutes(deps: AccountSignInDeps): Hono<SignInEnv> {
  const app = new Hono<SignInEnv>()
  app.use(provideDeps(deps))
  app.get('/sign-in', ...ACCOUNT_SIGN_IN_PATHS.signIn)
  app.get('/signed-in', ...ACCOUNT_SIGN_IN_PATHS.signedIn)
  return app
}
