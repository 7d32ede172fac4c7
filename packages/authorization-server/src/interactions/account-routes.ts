import { Hono } from 'hono'
import { listGrantsOf } from '../grants/grant-summaries.ts'
import { renderErrorPage } from '../pages/error-page.ts'
import type { AccountDeps, AccountEnv, AccountStep } from './account-env.ts'
import { accountForm, back, requireSession } from './account-steps.ts'
import { provideDeps } from './provide-deps.ts'
import { showAccount } from './account-view.ts'
import { accountMfaRoutes } from './account-mfa-routes.ts'
import { accountSignInRoutes } from './account-sign-in-routes.ts'
import { accountSecurityRoutes } from './account-security-routes.ts'

/** Ends one of the user's grants: every token under it stops working at once. */
const revokeGrant: AccountStep = async (c) => {
  const { deps, session: s, form } = c.var
  const grantId = form['grant'] ?? ''
  // Only the user's own grants: another user's grant id is simply not found.
  const grant = (await listGrantsOf(deps.store, s.accountId)).find((g) => g.grantId === grantId)
  if (grant === undefined) {
    return c.html(renderErrorPage('not_found', 'error.noSuchGrant', undefined, back), 404)
  }
  const provider = deps.provider()
  await Promise.all([
    provider.AccessToken.adapter.revokeByGrantId(grantId),
    provider.RefreshToken.adapter.revokeByGrantId(grantId),
    provider.AuthorizationCode.adapter.revokeByGrantId(grantId),
    provider.Grant.adapter.destroy(grantId),
  ])
  deps.emit({
    type: 'consent.revoked',
    sub: s.accountId,
    client_id: grant.clientId,
    grant_id: grantId,
  })
  return c.redirect('/account', 303)
}

/** Each request path of the account page as the steps it runs, in order. */
const ACCOUNT_PATHS = {
  /** `GET /account`: the dashboard (sign in first). */
  show: [requireSession('sign-in'), showAccount],
  /** `POST /account/grants/revoke`: take an application's access back. */
  revokeGrant: [requireSession('refuse'), accountForm, revokeGrant],
} as const

/**
 * The account page (`/account`): who you are, connected agents (revoke), activity, security;
 * with the sign-in, second-factor and security routes mounted under it.
 */
export function accountRoutes(deps: AccountDeps): Hono<AccountEnv> {
  const app = new Hono<AccountEnv>()
  app.use(provideDeps(deps))
  app.get('/', ...ACCOUNT_PATHS.show)
  app.post('/grants/revoke', ...ACCOUNT_PATHS.revokeGrant)
  app.route('/', accountSignInRoutes(deps))
  app.route('/', accountMfaRoutes(deps))
  app.route('/', accountSecurityRoutes(deps))
  return app
}
