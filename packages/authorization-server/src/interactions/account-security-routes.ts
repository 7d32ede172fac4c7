import { Hono } from 'hono'
import { deleteCookie } from 'hono/cookie'
import { accountBinding, accountSession } from '../sessions/account-session.ts'
import { csrfToken } from '../sessions/step-token.ts'
import { endSessions } from '../sessions/browser-sessions.ts'
import { renderErrorPage } from '../pages/error-page.ts'
import { signOutPage } from '../pages/account-pages.ts'
import { AuthorizationServerError } from '../errors.ts'
import type { AccountDeps, AccountEnv, AccountStep } from './account-env.ts'
import { accountForm, back, pageUserOf, requireSession, secureCookies } from './account-steps.ts'
import { provideDeps } from './provide-deps.ts'

/** `GET /account/sign-out`: the confirmation, or "signed out" when no one is signed in. */
const showSignOut: AccountStep = async (c) => {
  const { deps } = c.var
  c.header('Cache-Control', 'no-store')
  const s = await accountSession(deps.provider(), c)
  if (s === undefined) {
    const changed = c.req.query('done') === 'password'
    return c.html(
      signOutPage({ csrf: undefined, ...(changed ? { notice: 'account.passwordChanged' } : {}) }),
    )
  }
  return c.html(
    signOutPage({
      csrf: csrfToken(deps.secret, accountBinding(s)),
      user: await pageUserOf(deps, s.accountId),
    }),
  )
}

/** `POST /account/sign-out`: ends this browser's session (and its re-authentication). */
const signOut: AccountStep = async (c) => {
  const { deps, session: s } = c.var
  const provider = deps.provider()
  const session = await provider.Session.get(provider.createContext(c.env.incoming, c.env.outgoing))
  await session.destroy()
  deleteCookie(c, 'mandate_account_reauth', {
    path: '/account',
    httpOnly: true,
    sameSite: 'Lax',
    secure: secureCookies(deps),
  })
  deps.emit({ type: 'account.changed', sub: s.accountId, action: 'signed_out' })
  return c.redirect('/account/sign-out', 303)
}

/** `POST /account/sessions/end`: signs out every other browser. */
const endOtherSessions: AccountStep = async (c) => {
  const { deps, session: s } = c.var
  await endSessions(deps.store, s.accountId, s.uid)
  deps.emit({ type: 'account.changed', sub: s.accountId, action: 'sessions_ended' })
  return c.redirect('/account?done=sessions', 303)
}

/**
 * `POST /account/password`: the current password, then the new one. Changing it ends every
 * grant and session, this one too, and refuses every access token issued so far
 * (docs/revocation.md).
 */
const changePassword: AccountStep = async (c) => {
  const { deps, session: s, form } = c.var
  const user = await deps.users.get(s.accountId)
  const result = await deps.users.verifyLogin(user?.username ?? '', form['current'] ?? '')
  if (user === undefined || !result.ok || result.user.id !== s.accountId) {
    const reason = result.ok ? 'invalid' : result.reason
    deps.emit({ type: 'login.failed', username: (user?.username ?? '').slice(0, 200), reason })
    return c.html(renderErrorPage('invalid_request', 'reauth.wrong', undefined, back), 401)
  }
  try {
    await deps.users.setPassword(user.username, form['password'] ?? '')
  } catch (error) {
    if (error instanceof AuthorizationServerError && error.code === 'ERR_AS_PASSWORD_POLICY') {
      return c.html(
        renderErrorPage('invalid_request', 'account.passwordPolicy', undefined, back),
        400,
      )
    }
    throw error
  }
  deps.emit({ type: 'account.changed', sub: s.accountId, action: 'password_changed' })
  return c.redirect('/account/sign-out?done=password', 303)
}

/** Each security request path of the account page as the steps it runs. */
const ACCOUNT_SECURITY_PATHS = {
  showSignOut: [showSignOut],
  signOut: [requireSession('account'), accountForm, signOut],
  endSessions: [requireSession('account'), accountForm, endOtherSessions],
  password: [requireSession('account'), accountForm, changePassword],
} as const

/**
 * Sign-out (linked from every page's header), sign-out everywhere, and password change. Every
 * POST needs the session-bound CSRF token.
 */
export function accountSecurityRoutes(deps: AccountDeps): Hono<AccountEnv> {
  const app = new Hono<AccountEnv>()
  const paths = ACCOUNT_SECURITY_PATHS
  app.use(provideDeps(deps))
  app.get('/sign-out', ...paths.showSignOut)
  app.post('/sign-out', ...paths.signOut)
  app.post('/sessions/end', ...paths.endSessions)
  app.post('/password', ...paths.password)
  return app
}
