import type { PageUser } from '@mandate/core'
import { userRoles } from '../users/user-roles.ts'
import { accountBinding, accountSession, recentlySignedIn } from '../sessions/account-session.ts'
import { csrfValid } from '../sessions/step-token.ts'
import { renderErrorPage } from '../pages/error-page.ts'
import { accountSignInUrl } from '../provider/account-client.ts'
import type { AccountDeps, AccountStep } from './account-env.ts'
import type { FormFields } from './interaction-env.ts'

/** The header's user: name and whether the operator console link is shown. */
export async function pageUserOf(deps: AccountDeps, accountId: string): Promise<PageUser> {
  const user = await deps.users.get(accountId)
  const roles = await userRoles(deps.store, accountId)
  return { name: user?.username ?? accountId, operator: roles.includes('operator') }
}

/** Error pages of the account lead back to it (no dead end). */
export const back = { back: { href: '/account', label: 'error.backToAccount' } } as const

/** Whether the account's cookies are `Secure` (an `https:` issuer). */
export const secureCookies = (deps: AccountDeps): boolean =>
  new URL(deps.issuer).protocol === 'https:'

/**
 * The signed-in user (`c.var.session`). Without one: `sign-in` starts a sign-in that returns
 * to the account page, `account` goes to the account page, `refuse` answers 401.
 */
export function requireSession(otherwise: 'sign-in' | 'account' | 'refuse'): AccountStep {
  return async (c, next) => {
    const { deps } = c.var
    const session = await accountSession(deps.provider(), c)
    if (session === undefined) {
      if (otherwise === 'sign-in') return c.redirect(accountSignInUrl(deps.issuer, '/account'), 303)
      if (otherwise === 'account') return c.redirect('/account', 303)
      return c.html(renderErrorPage('login_required', 'error.signInAgain'), 401)
    }
    c.set('session', session)
    return next()
  }
}

/** The submitted form (`c.var.form`), when its CSRF token is bound to this session. */
export const accountForm: AccountStep = async (c, next) => {
  const body = await c.req.parseBody()
  // CSRF: the token is bound to this session (not just the user), so another session's fails.
  if (!csrfValid(c.var.deps.secret, accountBinding(c.var.session), body['csrf'])) {
    return c.html(renderErrorPage('invalid_request', 'error.formExpired', undefined, back), 403)
  }
  const form: FormFields = {}
  for (const [key, value] of Object.entries(body)) if (typeof value === 'string') form[key] = value
  c.set('form', form)
  return next()
}

/** A sign-in less than ten minutes old, or the password again first (`/account/reauth`). */
export const requireRecentSignIn: AccountStep = async (c, next) => {
  if (!recentlySignedIn(c, c.var.deps.secret, c.var.session)) {
    return c.redirect('/account/reauth', 303)
  }
  return next()
}
