import type { Context } from 'hono'
import { accountSession } from '../sessions/account-session.ts'
import type { AccountSession } from '../sessions/account-session.ts'
import { signStep, verifyStep } from '../sessions/step-token.ts'
import { userRoles } from '../users/user-roles.ts'
import { renderErrorPage } from '../pages/error-page.ts'
import { accountSignInUrl } from '../provider/account-client.ts'
import type { AdminDeps, AdminEnv, AdminStep, Operator } from './admin-env.ts'
import { auditRefusal } from './admin-action-audit.ts'

/** A console form token lives this long: every page render mints a fresh one. */
const ADMIN_CSRF_TTL_MS = 15 * 60_000

const binding = (s: AccountSession): string => `admin:${s.uid}`

/** A fresh, session-bound, expiring CSRF token for the console's forms. */
export function adminCsrf(deps: AdminDeps, op: Operator): string {
  return signStep(deps.secret, {
    uid: binding(op.session),
    sub: op.user.id,
    amr: ['admin'],
    exp: Date.now() + ADMIN_CSRF_TTL_MS,
  })
}

/** Whether `presented` is a console token of this operator's session that has not expired. */
export function adminCsrfValid(deps: AdminDeps, op: Operator, presented: unknown): boolean {
  if (typeof presented !== 'string') return false
  const claims = verifyStep(deps.secret, presented, binding(op.session))
  return claims?.sub === op.user.id && claims.amr.includes('admin')
}

/** Whether this browser's sign-in used the second factor (oidc-provider's session `amr`). */
async function signedInWithSecondFactor(c: Context<AdminEnv>): Promise<boolean> {
  const provider = c.var.deps.provider()
  const found = await provider.Session.get(provider.createContext(c.env.incoming, c.env.outgoing))
  const amr = (found as unknown as { amr?: string[] }).amr ?? []
  return amr.includes('otp') || amr.includes('recovery')
}

/**
 * The signed-in operator (`c.var.operator`), or the response that refuses the request: sign
 * in first (303), not an operator (403), an operator without a second factor (303 to enrol on
 * /account), or a session that did not use it (403, sign in again). Every refusal of a
 * signed-in user is audited (`admin.action`, outcome `denied`, the reason).
 */
export const requireOperator: AdminStep = async (c, next) => {
  const { deps } = c.var
  const session = await accountSession(deps.provider(), c)
  if (session === undefined) {
    const returnTo = c.req.method === 'GET' ? c.req.path : '/admin'
    return c.redirect(accountSignInUrl(deps.issuer, returnTo), 303)
  }
  const user = await deps.users.get(session.accountId)
  const roles = await userRoles(deps.store, session.accountId)
  const pageUser = { id: session.accountId, name: user?.username ?? session.accountId }
  if (user === undefined || user.disabled || !roles.includes('operator')) {
    auditRefusal(deps, pageUser, c.req.path, 'not_operator')
    return c.html(
      renderErrorPage('access_denied', 'error.forbidden', undefined, {
        user: pageUser,
        back: { href: '/account', label: 'error.backToAccount' },
      }),
      403,
    )
  }
  if (!user.mfa) {
    auditRefusal(deps, pageUser, c.req.path, 'mfa_not_enrolled')
    return c.redirect('/account?need=mfa', 303)
  }
  if (!(await signedInWithSecondFactor(c))) {
    auditRefusal(deps, pageUser, c.req.path, 'mfa_not_used')
    return c.html(
      renderErrorPage('mfa_required', 'admin.mfaRequired', undefined, {
        user: pageUser,
        back: { href: '/account/sign-out', label: 'error.tryAgain' },
      }),
      403,
    )
  }
  c.set('operator', { session, user: { ...pageUser, operator: true } })
  return next()
}
