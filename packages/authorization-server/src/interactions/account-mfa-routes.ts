import { Hono } from 'hono'
import type { AccountDeps, AccountEnv } from './account-env.ts'
import { accountForm, requireRecentSignIn, requireSession } from './account-steps.ts'
import { provideDeps } from './provide-deps.ts'
import { checkReauth, showReauth } from './account-reauth-steps.ts'
import {
  beginEnrolment,
  codesSaved,
  confirmEnrolment,
  disableMfa,
  regenerateCodes,
} from './account-mfa-steps.ts'

/**
 * Each second-factor request path of the account page as the steps it runs. Every POST needs
 * the session's CSRF token; enrolling and turning off also need a sign-in less than ten
 * minutes old (otherwise /account/reauth asks for the password).
 */
const ACCOUNT_MFA_PATHS = {
  showReauth: [requireSession('account'), showReauth],
  reauth: [requireSession('refuse'), accountForm, checkReauth],
  enrol: [requireSession('refuse'), accountForm, requireRecentSignIn, beginEnrolment],
  confirm: [requireSession('refuse'), accountForm, requireRecentSignIn, confirmEnrolment],
  done: [requireSession('refuse'), accountForm, codesSaved],
  recovery: [requireSession('refuse'), accountForm, regenerateCodes],
  disable: [requireSession('refuse'), accountForm, requireRecentSignIn, disableMfa],
} as const

/** Second-factor management from the account page: enrol TOTP, new recovery codes, turn off. */
export function accountMfaRoutes(deps: AccountDeps): Hono<AccountEnv> {
  const app = new Hono<AccountEnv>()
  const paths = ACCOUNT_MFA_PATHS
  app.use(provideDeps(deps))
  app.get('/reauth', ...paths.showReauth)
  app.post('/reauth', ...paths.reauth)
  app.post('/mfa/enrol', ...paths.enrol)
  app.post('/mfa/confirm', ...paths.confirm)
  app.post('/mfa/done', ...paths.done)
  app.post('/mfa/recovery', ...paths.recovery)
  app.post('/mfa/disable', ...paths.disable)
  return app
}
